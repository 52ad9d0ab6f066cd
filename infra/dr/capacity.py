"""Demand and headroom (docs/architecture.md, "Disaster recovery"), indexed once per stack.

* **Demand** of a failed cluster: per ``(gpu, rdma, node_gpus)``, the GPUs its own (not standby)
  GPU pools run now (their desired size). RDMA counts only for training pools that asked for it:
  an inference pool's ``rdma`` flag does not make its failover need EFA / InfiniBand / eRDMA.
  ``node_gpus`` is the pools' GPUs per node, the shape a standby pool must keep (a model split
  over the GPUs of one node needs as many on one node elsewhere), unless the stack's
  ``dr.allow_shape_change`` lists the GPU: then neither shape nor RDMA binds (``node_gpus`` 1).
* **Headroom** of a surviving target for a GPU model: ``gpu_capacity[gpu]`` minus what its own
  (not standby) pools may use (their max), only where the catalog offers a whole-GPU type with
  that GPU in the target's region, rounded down to a multiple of every node size offered there
  (so whole nodes of whichever type the standby pool gets never need more GPUs than the capacity
  held). Its ``node_gpus`` is the largest node there, RDMA-capable when any RDMA type is offered.

:class:`CapacityIndex` computes both once per stack, keyed by cluster and ``(cluster, gpu)``, and
caches the assignment of each set of failed clusters, so checking every outage of a large stack
does no repeated scans over pools.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from infra.catalog import Catalog, Offer
from infra.clouds import CLOUDS
from infra.dr.assign import Assignment, Demand, Headroom, assign
from infra.resolve import ResolvedCluster, ResolvedPool, ResolvedStack

__all__ = [
    "Bucket",
    "CapacityIndex",
    "bucket_shape",
    "cluster_demand",
    "cluster_headroom",
]

DemandKey = tuple[str, str, bool, int]  # (cluster, gpu, rdma, node_gpus)
BucketKey = tuple[str, str]  # (target cluster, gpu)


@dataclass(frozen=True, slots=True)
class Bucket:
    """Headroom of one ``(target, gpu)`` with the whole-GPU types offered for it there."""

    headroom: Headroom
    offers: tuple[Offer, ...]  # whole-GPU types with that GPU in the target's region
    rdma_offers: tuple[Offer, ...]  # those of them with the cloud's RDMA networking
    step: int  # the headroom is a multiple of this: the lcm of the node sizes in ``offers``


def _demand_key(
    cluster: ResolvedCluster, pool: ResolvedPool, shape_free: Collection[str]
) -> DemandKey | None:
    if pool.standby or pool.gpu is None:
        return None
    if pool.gpu in shape_free:
        return (cluster.name, pool.gpu, False, 1)
    rdma = pool.rdma and pool.workload == "training"
    return (cluster.name, pool.gpu, rdma, max(1, pool.offer.whole_gpus))


def cluster_demand(
    cluster: ResolvedCluster, shape_free: Collection[str] = ()
) -> tuple[Demand, ...]:
    """What ``cluster`` needs placed elsewhere when it fails, one row per
    ``(gpu, rdma, node_gpus)``; GPUs in ``shape_free`` (``dr.allow_shape_change``) keep
    neither shape nor RDMA."""
    totals: dict[DemandKey, int] = {}
    for pool in cluster.pools:
        key = _demand_key(cluster, pool, shape_free)
        if key is not None:
            totals[key] = totals.get(key, 0) + pool.gpus
    return tuple(
        Demand(name, gpu, rdma, gpus, node_gpus)
        for (name, gpu, rdma, node_gpus), gpus in sorted(totals.items())
        if gpus > 0
    )


def bucket_shape(offers: Collection[Offer], rdma_offers: Collection[Offer]) -> tuple[int, bool]:
    """``(node_gpus, rdma)`` of a bucket: the largest node every placement there can share.

    With RDMA types offered, the largest RDMA node (in every shipped catalog also the largest
    node: RDMA and plain demand then share one type); otherwise the largest node. Preferring
    RDMA when the largest node has none keeps RDMA demand placeable at the price of plain work
    needing the larger non-RDMA nodes, so that one standby type can always carry both.
    """
    if rdma_offers:
        return max(o.whole_gpus for o in rdma_offers), True
    return max(o.whole_gpus for o in offers), False


def cluster_headroom(cluster: ResolvedCluster, catalog: Catalog) -> tuple[Bucket, ...]:
    """Spare GPUs of ``cluster`` per GPU model it holds capacity for, sorted by GPU."""
    cloud = CLOUDS[cluster.cloud]
    used = cluster.gpus_in_use()
    buckets = []
    for gpu, capacity in sorted(cluster.gpu_capacity.items()):
        offers = tuple(
            o for o in catalog.gpu_offers(cluster.cloud, cluster.region, gpu) if o.whole_gpus > 0
        )
        if not offers:
            continue  # capacity the catalog cannot turn into nodes here is no headroom
        rdma_offers = tuple(o for o in offers if cloud.rdma_problem(o) is None)
        step = math.lcm(*(o.whole_gpus for o in offers))
        spare = max(0, capacity - used.get(gpu, 0))
        spare -= spare % step
        node_gpus, rdma = bucket_shape(offers, rdma_offers)
        headroom = Headroom(cluster.name, gpu, spare, rdma, node_gpus)
        buckets.append(Bucket(headroom, offers, rdma_offers, step))
    return tuple(buckets)


class CapacityIndex:
    """Demand, headroom and failover rules of one stack, computed once.

    :meth:`assignment` solves (and remembers) the placement for a set of failed clusters.
    """

    __slots__ = (
        "_assignments",
        "buckets",
        "clusters",
        "demand",
        "failover",
        "order",
        "sources",
        "stack",
        "substitutions",
    )

    def __init__(self, stack: ResolvedStack, catalog: Catalog) -> None:
        self.stack = stack
        self.clusters: Mapping[str, ResolvedCluster] = MappingProxyType(
            {c.name: c for c in stack.clusters}
        )
        self.order: Mapping[str, int] = MappingProxyType(
            {c.name: i for i, c in enumerate(stack.clusters)}
        )
        dr = stack.dr
        shape_free = frozenset(dr.allow_shape_change) if dr else frozenset()
        self.demand: Mapping[str, tuple[Demand, ...]] = MappingProxyType(
            {c.name: cluster_demand(c, shape_free) for c in stack.clusters}
        )
        sources: dict[DemandKey, list[ResolvedPool]] = {}
        buckets: dict[BucketKey, Bucket] = {}
        for cluster in stack.clusters:
            for pool in cluster.pools:
                key = _demand_key(cluster, pool, shape_free)
                if key is not None:
                    sources.setdefault(key, []).append(pool)
            for bucket in cluster_headroom(cluster, catalog):
                buckets[(cluster.name, bucket.headroom.gpu)] = bucket
        self.sources: Mapping[DemandKey, tuple[ResolvedPool, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in sources.items()}
        )
        self.buckets: Mapping[BucketKey, Bucket] = MappingProxyType(buckets)
        self.failover: Mapping[str, tuple[str, ...]] = MappingProxyType(
            dict(dr.failover) if dr else {}
        )
        self.substitutions: Mapping[str, tuple[str, ...]] = MappingProxyType(
            dict(dr.allow_gpu_substitution) if dr else {}
        )
        self._assignments: dict[frozenset[str], Assignment] = {}

    def headroom_of(self, cluster: str) -> tuple[Bucket, ...]:
        """The buckets of one cluster, sorted by GPU."""
        cluster_obj = self.clusters[cluster]
        return tuple(
            self.buckets[(cluster, gpu)]
            for gpu in sorted(cluster_obj.gpu_capacity)
            if (cluster, gpu) in self.buckets
        )

    def protected(self, failed: Collection[str]) -> tuple[str, ...]:
        """The failed clusters that have a ``failover`` entry, in stack order."""
        # Sorting the outage's own clusters, not scanning the stack: an outage of one cluster
        # costs O(1), however many clusters the stack has.
        return tuple(sorted((n for n in failed if n in self.failover), key=self.order.__getitem__))

    def targets(self, failed: Collection[str]) -> tuple[str, ...]:
        """Surviving clusters any failed, protected cluster may fail over to, in stack order."""
        wanted = {t for c in self.protected(failed) for t in self.failover[c] if t not in failed}
        return tuple(sorted(wanted, key=self.order.__getitem__))

    def assignment(self, failed: Collection[str]) -> Assignment:
        """The exact placement of the protected failed clusters' demand onto the survivors."""
        key = frozenset(failed)
        cached = self._assignments.get(key)
        if cached is not None:
            return cached
        protected = self.protected(key)
        demands = [row for name in protected for row in self.demand[name]]
        headroom = [b.headroom for t in self.targets(key) for b in self.headroom_of(t)]
        result = assign(
            demands,
            headroom,
            {name: self.failover[name] for name in protected},
            self.substitutions,
        )
        self._assignments[key] = result
        return result
