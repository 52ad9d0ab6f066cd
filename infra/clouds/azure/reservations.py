"""Azure reserved capacity: capacity reservation groups ("capacity-reservation-group"), named by
the group's ARM id; an AKS node pool takes it as ``capacity_reservation_group_id``
(modules/azure-gpu-cluster: ``capacity_reservation_group_ids``, also for the default pool) and
its zones become the reservation's zone
(learn.microsoft.com/azure/aks/use-capacity-reservation-groups).

- AKS needs a user-assigned control-plane identity with Contributor on the group's resource
  group; a system-assigned identity does not work (same page): the module and the component create
  it (identity.tf, control_plane.py). See docs/reservations.md.
- Azure lets more VMs than reserved be associated (overallocation, without the capacity SLA;
  learn.microsoft.com/azure/virtual-machines/capacity-reservation-overallocate): max nodes is not
  capped by the reserved quantity.
- Billing: a capacity reservation is charged for the reserved quantity at the pay-as-you-go rate
  of the VM size whether VMs run in it or not
  (learn.microsoft.com/azure/virtual-machines/capacity-reservation-overview, Pricing and billing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from infra.clouds.reservations import PoolReservation, ReservationKind, ReservationRules
from infra.values import Value

__all__ = ["CRG_ID", "RESERVATIONS"]

# variables.tf capacity_reservation_group_ids (resource group names: 1-90 of letters, digits,
# "_", "-", ".", "()"; learn.microsoft.com/azure/azure-resource-manager/management/
# resource-name-rules).
CRG_ID = re.compile(
    r"/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w.()]{1,90}/providers/"
    r"Microsoft\.Compute/capacityReservationGroups/[-\w.]{1,80}"
)


def _inputs(pools: Mapping[str, PoolReservation]) -> dict[str, Value]:
    if not pools:
        return {}
    return {
        "capacity_reservation_group_ids": {k: r.id for k, r in sorted(pools.items())},
        "reservation_zones": {k: r.zone for k, r in sorted(pools.items())},
    }


RESERVATIONS = ReservationRules(
    kinds={
        "capacity-reservation-group": ReservationKind(
            rule="the ARM id of a capacity reservation group, /subscriptions/<id>/resourceGroups/"
            "<group>/providers/Microsoft.Compute/capacityReservationGroups/<name>",
            pattern=CRG_ID,
            paid_whether_used=True,
            default_rate_source="pay-as-you-go rate: learn.microsoft.com/azure/"
            "virtual-machines/capacity-reservation-overview",
            caps_launches=False,
        ),
    },
    inputs=_inputs,
)
