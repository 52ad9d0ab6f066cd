"""AWS reserved capacity: On-Demand Capacity Reservations ("capacity-reservation") and Capacity
Blocks for ML ("capacity-block"), both "cr-" ids a launch template targets
(modules/aws-gpu-cluster: ``capacity_reservation_ids``, ``capacity_block_pools``,
``reservation_zones``).

- A launch into a targeted reservation needs the reservation's instance type and zone, and
  fails when the reservation lacks the capacity: max nodes <= instances
  (docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html). The node
  group uses only the subnet of the reservation's zone.
- A Capacity Block launches with market type "capacity-block" and the node group's capacity type
  CAPACITY_BLOCK (docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html); its
  instances sit in EC2 UltraClusters already, so the pool gets no cluster placement group
  (docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-capacity-blocks.html). An ODCR made outside a
  cluster placement group cannot be used with one either, so reserved pools get none.
- Billing: an ODCR is charged at the On-Demand rate whether instances run in it or not
  (docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-pricing-billing.html). A
  Capacity Block is paid up front at a price that changes with supply and demand
  (aws.amazon.com/ec2/capacityblocks/pricing/): no fixed public rate, so hourly_rate is required.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from infra.clouds.reservations import PoolReservation, ReservationKind, ReservationRules
from infra.values import Value

__all__ = ["RESERVATIONS"]

# variables.tf capacity_reservation_ids: "cr-" and 8 to 17 hex digits.
_CR_ID = re.compile(r"cr-[0-9a-f]{8,17}")
_RULE = "an EC2 capacity reservation id cr-<8 to 17 hex digits>, e.g. cr-0123456789abcdef0"
ODCR_BILLING = (
    "On-Demand rate: docs.aws.amazon.com/AWSEC2/latest/UserGuide/"
    "capacity-reservations-pricing-billing.html"
)


def _inputs(pools: Mapping[str, PoolReservation]) -> dict[str, Value]:
    if not pools:
        return {}
    return {
        "capacity_reservation_ids": {k: r.id for k, r in sorted(pools.items())},
        "capacity_block_pools": sorted(k for k, r in pools.items() if r.kind == "capacity-block"),
        "reservation_zones": {k: r.zone for k, r in sorted(pools.items())},
    }


RESERVATIONS = ReservationRules(
    kinds={
        "capacity-reservation": ReservationKind(
            rule=_RULE,
            pattern=_CR_ID,
            paid_whether_used=True,
            default_rate_source=ODCR_BILLING,
            caps_launches=True,
            no_placement_group=True,
        ),
        "capacity-block": ReservationKind(
            rule=_RULE,
            pattern=_CR_ID,
            paid_whether_used=True,
            default_rate_source=None,
            caps_launches=True,
            no_placement_group=True,
        ),
    },
    inputs=_inputs,
)
