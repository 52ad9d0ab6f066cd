"""Resolved stacks: the model after the catalog has chosen instance types and node counts.

Everything downstream (renderers, cost, DR planning) reads these, never the raw model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from infra.catalog import Offer
from infra.model import DisasterRecovery

__all__ = [
    "ResolvedCluster",
    "ResolvedPool",
    "ResolvedReservation",
    "ResolvedStack",
    "Taint",
    "choose_gpu_offer",
    "gpus_in_use",
]

HOURS_PER_MONTH = 730


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str
    effect: str  # Kubernetes spelling: NoSchedule | PreferNoSchedule | NoExecute

    def __str__(self) -> str:
        return (
            f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"
        )


@dataclass(frozen=True, slots=True)
class ResolvedReservation:
    """A pool's ``NodePool.reservation``, checked (infra.validate) against the pool and cluster."""

    kind: str
    id: str
    instance_type: str
    zone: str
    instances: int
    hourly_rate: float | None
    ends: date | None
    path: str  # the field path of the reservation in the stack, for the cost line's source


@dataclass(frozen=True, slots=True)
class ResolvedPool:
    name: str
    offer: Offer
    min_nodes: int
    desired_nodes: int
    max_nodes: int
    rdma: bool
    spot: bool
    workload: str
    labels: Mapping[str, str]
    taints: tuple[Taint, ...]
    standby: bool = False  # a DR standby pool added to a failover target, not user-defined
    # Reserved capacity (NodePool.reservation); never on a standby pool (infra/dr/standby.py
    # builds those afresh: a reservation is zonal and belongs to the pool that named it).
    reservation: ResolvedReservation | None = None

    @property
    def instance_type(self) -> str:
        return self.offer.instance_type

    @property
    def gpu(self) -> str | None:
        return self.offer.gpu

    @property
    def gpus_per_node(self) -> Fraction:
        return self.offer.gpus

    @property
    def gpus(self) -> int:
        """GPUs the pool runs now (desired nodes x GPUs per node, whole GPUs)."""
        return int(self.desired_nodes * self.offer.gpus)

    @property
    def max_gpus(self) -> int:
        return int(self.max_nodes * self.offer.gpus)

    @property
    def hourly_usd(self) -> float | None:
        price = self.offer.price_usd_hour
        return None if price is None else price * self.desired_nodes


@dataclass(frozen=True, slots=True)
class ResolvedCluster:
    name: str
    cloud: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    kubernetes_version: str
    pools: tuple[ResolvedPool, ...]
    gpu_capacity: Mapping[str, int]
    stateless: bool = False  # Cluster.stateless: no checkpoints to carry over in a failover
    admins: tuple[str, ...] = ()  # Cluster.admins, checked per cloud (infra.access)

    def gpus_in_use(self) -> dict[str, int]:
        """Per GPU model, what the cluster's own pools may use (their max)."""
        return gpus_in_use(self.pools)


@dataclass(frozen=True, slots=True)
class ResolvedStack:
    name: str
    owner: str
    environment: str
    tags: Mapping[str, str]
    clusters: tuple[ResolvedCluster, ...]
    dr: DisasterRecovery | None
    file: str

    def cluster(self, name: str) -> ResolvedCluster:
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        raise KeyError(name)


def gpus_in_use(pools: Iterable[ResolvedPool]) -> dict[str, int]:
    """Per GPU model, what the pools may use at their maximum: the part of ``gpu_capacity``
    that is not headroom. DR standby pools are excluded: they are where headroom lands."""
    used: dict[str, int] = {}
    for pool in pools:
        if pool.gpu is not None and not pool.standby:
            used[pool.gpu] = used.get(pool.gpu, 0) + pool.max_gpus
    return used


def choose_gpu_offer(
    candidates: Sequence[Offer], counts: Sequence[int]
) -> tuple[Offer | None, str]:
    """The type for a GPU pool: fewest nodes at the largest count, then cheapest.

    Only whole-GPU types whose GPUs per node divide every count qualify. Returns the offer, or
    None with the reason (listing the node sizes that exist).
    """
    whole = [o for o in candidates if o.whole_gpus > 0]
    fitting = [o for o in whole if all(c % o.whole_gpus == 0 for c in counts)]
    if not fitting:
        sizes = sorted({o.whole_gpus for o in whole})
        options = "; ".join(
            f"{size} ({', '.join(sorted(o.instance_type for o in whole if o.whole_gpus == size))})"
            for size in sizes
        )
        return None, f"must be a multiple of the GPUs per node of a type offered there ({options})"
    size = max(counts)
    best = min(
        fitting,
        key=lambda o: (
            size // o.whole_gpus,
            o.price_usd_hour if o.price_usd_hour is not None else float("inf"),
            o.instance_type,
        ),
    )
    return best, ""
