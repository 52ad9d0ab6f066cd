"""Cost from the catalog: hourly and monthly per pool, cluster, stack and in total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.catalog import Catalog
from infra.resolve import HOURS_PER_MONTH, ResolvedStack

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
    estimate: bool  # spot pools: priced at on-demand, an upper bound
    standby: bool = False  # a DR standby pool: what the DR strategy costs while nothing fails
    price_date: str = "unknown"  # when the catalog's price was current (its file's header)
    price_source: str = "unknown"  # where the catalog's price comes from

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
            CostLine(
                stack=stack.name,
                cluster=cluster.name,
                cloud=cluster.cloud,
                region=cluster.region,
                pool=pool.name,
                instance_type=pool.instance_type,
                nodes=pool.desired_nodes,
                hourly_usd=pool.hourly_usd,
                estimate=pool.spot,
                standby=pool.standby,
                **_price_note(catalog, cluster.cloud, pool.instance_type),
            )
            for cluster in stack.clusters
            for pool in cluster.pools
        ]
        result.append(StackCost(stack.name, tuple(lines)))
    return result


def _price_note(catalog: Catalog | None, cloud: str, instance_type: str) -> dict[str, str]:
    if catalog is None:
        return {}
    when, source = catalog.price_info(cloud, instance_type)
    return {"price_date": when, "price_source": source}
