"""What each cloud says about reserved capacity (``NodePool.reservation``): the kinds it sells,
the shape of their ids, whether it refuses launches beyond the reserved count, how it bills
them, and the module variables that point a pool at one. Each cloud's package holds its own in
``infra/clouds/<cloud>/reservations.py`` (``RESERVATIONS``); :mod:`infra.reservations` asks them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from infra.values import Value

__all__ = ["PoolReservation", "ReservationKind", "ReservationRules", "reservation_rules"]


@dataclass(frozen=True, slots=True)
class ReservationKind:
    """One product a pool can name as ``reservation.kind``."""

    rule: str  # what its id is written as, for "(allowed: ...)"
    pattern: re.Pattern[str]  # used with fullmatch
    # The reservation's instances cost whether used or not (each kind's billing doc, cited in
    # the cloud's module); False: only running nodes cost, at the pay-as-you-go rate.
    paid_whether_used: bool
    # Where the rate comes from when the stack gives no hourly_rate: "on-demand" (the catalog's
    # price, with this citation), or None when no public rate exists (hourly_rate required).
    default_rate_source: str | None
    # The cloud refuses launches beyond the reserved instances (max nodes <= instances).
    caps_launches: bool
    # A cluster placement group cannot be combined with it (the pool gets none).
    no_placement_group: bool = False


@dataclass(frozen=True, slots=True)
class PoolReservation:
    """What a module needs of one pool's reservation: kind, id and the zone it is in."""

    kind: str
    id: str
    zone: str


@dataclass(frozen=True, slots=True)
class ReservationRules:
    """How one cloud reserves capacity and what its module makes of it."""

    kinds: Mapping[str, ReservationKind]
    # pool name -> its reservation => the module variables (only what is set, so a cluster
    # without reservations keeps the module's defaults and its root is unchanged).
    inputs: Callable[[Mapping[str, PoolReservation]], dict[str, Value]]


def reservation_rules(cloud: str) -> ReservationRules:
    """The ``RESERVATIONS`` of ``infra/clouds/<cloud>/reservations.py``."""
    rules: ReservationRules = importlib.import_module(
        f"infra.clouds.{cloud}.reservations"
    ).RESERVATIONS
    return rules
