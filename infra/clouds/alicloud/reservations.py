"""Alibaba Cloud reserved capacity: elasticity assurances ("elasticity-assurance", eap-...) and
immediate capacity reservations ("capacity-reservation", crp-...). Both create a private pool
whose id is theirs; an ACK node pool targets it with ``private_pool_options``
(match criteria "Target" and the id; registry.terraform.io/providers/aliyun/alicloud/latest/
docs/resources/cs_kubernetes_node_pool) on the vSwitch of the reservation's zone
(modules/alicloud-gpu-cluster: ``private_pool_ids``, ``reservation_zones``).

- A private pool holds one instance type in one zone
  (alibabacloud.com/help/en/ecs/user-guide/overview-of-elasticity-assurance).
- Billing: an immediate capacity reservation is billed at the pay-as-you-go instance rate from
  when it takes effect, whether instances use it or not
  (help.aliyun.com/en/ecs/user-guide/overview-of-immediate-capacity-reservation). An elasticity
  assurance is an up-front assurance fee, and instances started from it are billed pay-as-you-go
  while they run (overview-of-elasticity-assurance): infra prices the running nodes, at
  hourly_rate when given.
- The docs do not say that Target launches beyond the reserved amount fail, so max nodes is not
  capped here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from infra.clouds.reservations import PoolReservation, ReservationKind, ReservationRules
from infra.values import Value

__all__ = ["RESERVATIONS"]

_PAYG = "pay-as-you-go rate: help.aliyun.com/en/ecs/user-guide/overview-of-immediate-capacity-reservation"


def _inputs(pools: Mapping[str, PoolReservation]) -> dict[str, Value]:
    if not pools:
        return {}
    return {
        "private_pool_ids": {k: r.id for k, r in sorted(pools.items())},
        "reservation_zones": {k: r.zone for k, r in sorted(pools.items())},
    }


RESERVATIONS = ReservationRules(
    kinds={
        "elasticity-assurance": ReservationKind(
            rule="an elasticity assurance id eap-<lowercase letters and digits>",
            pattern=re.compile(r"eap-[a-z0-9]{8,32}"),
            paid_whether_used=False,
            default_rate_source="pay-as-you-go rate of running nodes (the assurance fee is "
            "paid up front): alibabacloud.com/help/en/ecs/user-guide/overview-of-elasticity-assurance",
            caps_launches=False,
        ),
        "capacity-reservation": ReservationKind(
            rule="a capacity reservation id crp-<lowercase letters and digits>",
            pattern=re.compile(r"crp-[a-z0-9]{8,32}"),
            paid_whether_used=True,
            default_rate_source=_PAYG,
            caps_launches=False,
        ),
    },
    inputs=_inputs,
)
