"""Reserved capacity (``NodePool.reservation``), asked of each cloud.

Validation, the module inputs (so the Terraform roots and the Pulumi program alike) and the
cost all come from the cloud's ``infra/clouds/<cloud>/reservations.py``, so they cannot drift
apart: which kinds a cloud sells, what their ids look like, whether launches beyond the
reservation fail, how the reservation is billed and which module variables point a pool at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from infra.clouds.reservations import (
    PoolReservation,
    ReservationKind,
    reservation_rules,
)

if TYPE_CHECKING:
    from infra.resolve import ResolvedPool, ResolvedReservation
    from infra.values import Value

__all__ = [
    "ReservedPrice",
    "reservation_inputs",
    "reservation_kind",
    "reservation_kinds",
    "reserved_price",
]


def reservation_kinds(cloud: str) -> tuple[str, ...]:
    """The ``reservation.kind`` values a ``cloud`` pool may name."""
    return tuple(sorted(reservation_rules(cloud).kinds))


def reservation_kind(cloud: str, kind: str) -> ReservationKind | None:
    """What ``cloud`` says about ``kind``, or None when it sells no such thing."""
    return reservation_rules(cloud).kinds.get(kind)


def reservation_inputs(cloud: str, pools: Sequence[ResolvedPool]) -> dict[str, Value]:
    """What the cluster module (and component) of ``cloud`` receives for its reserved pools."""
    reserved = {
        p.name: PoolReservation(p.reservation.kind, p.reservation.id, p.reservation.zone)
        for p in pools
        if p.reservation is not None
    }
    return reservation_rules(cloud).inputs(reserved)


class ReservedPrice:
    """How a reserved pool is priced: billed nodes, the hourly total and where the rate comes
    from ("stack: <field path>" or the cloud's billing rule)."""

    __slots__ = ("hourly_usd", "nodes", "source")

    def __init__(self, nodes: int, hourly_usd: float | None, source: str) -> None:
        self.nodes = nodes
        self.hourly_usd = hourly_usd
        self.source = source


def reserved_price(cloud: str, pool: ResolvedPool) -> ReservedPrice | None:
    """The price of a reserved pool, None for a pool without a reservation.

    Kinds paid whether used bill all ``instances`` at the reservation's rate, plus any desired
    nodes beyond them (Azure overallocation) at the catalog rate; other kinds bill the running
    nodes.
    """
    reservation = pool.reservation
    if reservation is None:
        return None
    kind = reservation_kind(cloud, reservation.kind)
    assert kind is not None, "validated"
    rate, source = _rate(kind, reservation, pool.offer.price_usd_hour)
    if not kind.paid_whether_used:
        return ReservedPrice(
            pool.desired_nodes, None if rate is None else rate * pool.desired_nodes, source
        )
    extra = max(0, pool.desired_nodes - reservation.instances)
    catalog = pool.offer.price_usd_hour
    if rate is None or (extra and catalog is None):
        return ReservedPrice(reservation.instances + extra, None, source)
    total = rate * reservation.instances + (catalog or 0.0) * extra
    return ReservedPrice(reservation.instances + extra, total, source)


def _rate(
    kind: ReservationKind, reservation: ResolvedReservation, catalog: float | None
) -> tuple[float | None, str]:
    if reservation.hourly_rate is not None:
        return reservation.hourly_rate, f"stack: {reservation.path}.hourly_rate"
    return catalog, kind.default_rate_source or "unknown"
