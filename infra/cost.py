"""Cost from the catalog: hourly and monthly per pool, cluster, stack and in total.

A reserved pool (``NodePool.reservation``) is priced as reserved (infra.reservations): where
the cloud bills the reservation whether used or not (AWS ODCR and Capacity Blocks, Azure
capacity reservations, Alibaba immediate capacity reservations: the sources are in
``infra/clouds/<cloud>/reservations.py``), all its instances, at the stack's ``hourly_rate`` or
the rate the cloud's billing doc names; the line's ``price_source`` says which.

A spot pool is an estimate (``estimate=True``). With a catalog whose ``<cloud>_spot.csv`` has a
row for the pool's type and region, it is priced at that snapshot's highest zone price (the
dearest zone the pool may land in) times its desired nodes, and the line's ``price_date`` /
``price_source`` name the spot file's (``spot_snapshot=True``); without one it is priced at the
on-demand rate, an upper bound. Spot prices move hourly: either way it is not a quote.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from infra.catalog import Catalog
from infra.reservations import reserved_price
from infra.resolve import HOURS_PER_MONTH, ResolvedPool, ResolvedStack

__all__ = ["CostLine", "StackCost", "cost_of"]


@dataclass(frozen=True, slots=True)
class CostLine:
    stack: str
    cluster: str
    cloud: str
    region: str
    pool: str
    instance_type: str
    nodes: int
    hourly_usd: float | None  # None: the catalog has no price for this type there
    estimate: bool  # spot pools: a spot snapshot or the on-demand rate, not a quote
    standby: bool = False  # a DR standby pool: what the DR strategy costs while nothing fails
    price_date: str = "unknown"  # when the catalog's price was current (its file's header)
    price_source: str = "unknown"  # where the catalog's price comes from
    reserved: bool = False  # priced as reserved: price_source is the reservation's rate source
    # a spot pool priced at its spot snapshot's highest zone price (price_source/price_date are
    # the spot file's); False for a spot pool without a spot row (priced at on-demand)
    spot_snapshot: bool = False

    @property
    def monthly_usd(self) -> float | None:
        return None if self.hourly_usd is None else self.hourly_usd * HOURS_PER_MONTH


@dataclass(frozen=True, slots=True)
class StackCost:
    stack: str
    lines: tuple[CostLine, ...]

    @property
    def hourly_usd(self) -> float:
        return sum(line.hourly_usd or 0.0 for line in self.lines)

    @property
    def complete(self) -> bool:
        return all(line.hourly_usd is not None for line in self.lines)

    @property
    def standby_hourly_usd(self) -> float:
        return sum(line.hourly_usd or 0.0 for line in self.lines if line.standby)

    def cluster_hourly_usd(self, cluster: str) -> float:
        return sum(line.hourly_usd or 0.0 for line in self.lines if line.cluster == cluster)


def cost_of(stacks: Sequence[ResolvedStack], catalog: Catalog | None = None) -> list[StackCost]:
    """Running cost of every pool at its desired size.

    Pass stacks as deployed (:func:`infra.deploy.deployed`) to include DR standby pools: a
    pilot-light standby costs no nodes, a warm standby its minimum, active-active all of it.
    Storage, replication traffic and managed control planes are not priced by the catalog.
    With ``catalog``, each line says the date and source of the price it used.
    """
    result = []
    for stack in stacks:
        lines = [
            _line(stack.name, cluster.name, cluster.cloud, cluster.region, pool, catalog)
            for cluster in stack.clusters
            for pool in cluster.pools
        ]
        result.append(StackCost(stack.name, tuple(lines)))
    return result


def _line(
    stack: str, cluster: str, cloud: str, region: str, pool: ResolvedPool, catalog: Catalog | None
) -> CostLine:
    """One pool's line: the catalog price of its desired nodes (a spot pool's spot snapshot
    where the catalog has one), or its reserved price."""
    line = CostLine(
        stack=stack,
        cluster=cluster,
        cloud=cloud,
        region=region,
        pool=pool.name,
        instance_type=pool.instance_type,
        nodes=pool.desired_nodes,
        hourly_usd=pool.hourly_usd,
        estimate=pool.spot,
        standby=pool.standby,
    )
    if catalog is not None:
        when, source = catalog.price_info(cloud, pool.instance_type, region)
        line = dataclasses.replace(line, price_date=when, price_source=source)
        spot = catalog.spot(cloud, pool.instance_type, region) if pool.spot else None
        if spot is not None and pool.reservation is None:
            when, source = catalog.spot_info(cloud, pool.instance_type, region)
            line = dataclasses.replace(
                line,
                hourly_usd=spot.max_usd_hour * pool.desired_nodes,
                price_date=when,
                price_source=source,
                spot_snapshot=True,
            )
    reserved = reserved_price(cloud, pool)
    if reserved is None:
        return line
    return dataclasses.replace(
        line,
        nodes=reserved.nodes,
        hourly_usd=reserved.hourly_usd,
        reserved=True,
        price_source=reserved.source,
        # A stack's contract rate has no catalog date; the cloud's rate keeps the catalog's.
        price_date="contract" if reserved.source.startswith("stack: ") else line.price_date,
    )
