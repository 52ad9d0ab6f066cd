"""Standby pools: the node pools renderers add to failover targets (docs/architecture.md, "Disaster recovery").

For each ``(target, GPU model)`` the pool must carry the most GPUs any single outage places
there, over every region outage and every single-cluster outage (a cluster can fail alone, and
then its region neighbours survive as targets). Its type is the cheapest whole-GPU type offered
there whose nodes fit that count within the headroom, with at least as many GPUs per node as the
pools it stands in for (their shape: :mod:`infra.dr.assign`; work placed on a substitute GPU, or
of a GPU in ``dr.allow_shape_change``, may use smaller nodes), RDMA-capable when any demand
placed there needs RDMA. Its node count is ``ceil(N GPUs / GPUs per node)``. Its size follows
the stack's strategy:

* ``pilot-light``: min 0, desired 0, max N nodes (nothing runs until a failover);
* ``warm-standby``: min = desired = max(1, ceil(N / 10)), max N. Keeping 10% warm is infra's
  default: enough nodes to prove the pool, images and drivers work, and to take the first work
  while the rest boots, at a tenth of the cost of carrying it all;
* ``active-active``: min = desired = max = N (sized to carry the failed work at once).

Whole-cloud outages are not part of the sizing: a plan for one reports what it would lack.

A failover target also needs somewhere to run CoreDNS and the other system pods once work lands
on it: a target with no schedulable system pool of the user's gets an automatic one
(:func:`automatic_system_pool`, :func:`system_pool_problem` says why a cluster has none).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from infra.catalog import Catalog, Offer
from infra.clouds import CLOUDS, Cloud
from infra.dr.capacity import Bucket, BucketKey, CapacityIndex
from infra.dr.outages import cluster_outages, region_outages
from infra.errors import InfraError
from infra.resolve import ResolvedCluster, ResolvedPool, ResolvedStack, Taint

__all__ = [
    "STANDBY_LABEL",
    "SYSTEM_LABEL",
    "WARM_FRACTION",
    "automatic_system_pool",
    "standby_by_bucket",
    "standby_pools",
    "standby_size",
    "standby_sources",
    "system_offer",
    "system_pool_problem",
    "with_standby",
]

STANDBY_LABEL = "infra.dev/standby"
WARM_FRACTION = 10  # warm-standby keeps ceil(N / 10) nodes running: see the module docstring


def standby_size(strategy: str, nodes: int) -> tuple[int, int, int]:
    """``(min, desired, max)`` nodes of a standby pool that must reach ``nodes`` nodes."""
    if strategy == "active-active":
        return nodes, nodes, nodes
    if strategy == "warm-standby":
        warm = min(nodes, max(1, math.ceil(nodes / WARM_FRACTION)))
        return warm, warm, nodes
    return 0, 0, nodes  # pilot-light, the default


def standby_pools(stack: ResolvedStack, catalog: Catalog) -> dict[str, tuple[ResolvedPool, ...]]:
    """Per target cluster (stack order), the standby pools to add, sorted by GPU model."""
    return _by_target(stack, standby_by_bucket(CapacityIndex(stack, catalog)))


def with_standby(stack: ResolvedStack, catalog: Catalog) -> ResolvedStack:
    """A copy of ``stack`` with its standby pools appended (``standby=True``): what renderers
    and ``infra cost`` use. Standby pools already in ``stack`` are replaced, not doubled.

    Besides the GPU standby pools, every failover target without a schedulable system pool
    (:func:`system_pool_problem`) gets an automatic one (:func:`automatic_system_pool`), placed
    before its GPU standby pools; a target the catalog offers no type for is left without.
    """
    added = standby_pools(stack, catalog)
    targets = _failover_targets(stack)
    clusters = []
    for c in stack.clusters:
        own = tuple(p for p in c.pools if not p.standby)
        gpu_standby = added.get(c.name, ())
        system = (
            automatic_system_pool(
                dataclasses.replace(c, pools=own), catalog, {p.name for p in gpu_standby}
            )
            if c.name in targets
            else None
        )
        extra = (system, *gpu_standby) if system is not None else gpu_standby
        clusters.append(dataclasses.replace(c, pools=own + extra))
    return dataclasses.replace(stack, clusters=tuple(clusters))


def standby_by_bucket(index: CapacityIndex) -> dict[BucketKey, ResolvedPool]:
    """The standby pool of each ``(target, gpu)`` some region or cluster outage places GPUs on."""
    stack = index.stack
    if stack.dr is None:
        return {}
    peaks = _peaks(index)
    taken: dict[str, set[str]] = {
        c.name: {p.name for p in c.pools if not p.standby} for c in stack.clusters
    }
    result: dict[BucketKey, ResolvedPool] = {}
    for key in sorted(peaks):
        target, gpu = key
        peak = peaks[key]
        offer = _standby_offer(index.buckets[key], peak)
        nodes = math.ceil(peak.gpus / offer.whole_gpus)
        low, desired, high = standby_size(stack.dr.strategy, nodes)
        pool_sources = [peak.sources[k] for k in sorted(peak.sources)]
        name = _pool_name(CLOUDS[index.clusters[target].cloud], gpu, taken[target])
        taken[target].add(name)
        result[key] = ResolvedPool(
            name=name,
            offer=offer,
            min_nodes=low,
            desired_nodes=desired,
            max_nodes=high,
            rdma=peak.rdma,
            spot=False,  # capacity for a failover must not be reclaimable
            workload="training"
            if any(p.workload == "training" for p in pool_sources)
            else "inference",
            labels=_labels(pool_sources),
            taints=_taints(pool_sources),
            standby=True,
        )
    return result


@dataclass
class _Peak:
    """What the outages place on one ``(target, gpu)``: the most GPUs any one places, the
    shapes (GPUs per node) the placed work needs there, RDMA, and the pools it comes from."""

    gpus: int = 0
    shapes: set[int] = field(default_factory=set)
    rdma: bool = False
    sources: dict[tuple[str, str], ResolvedPool] = field(default_factory=dict)


def _peaks(index: CapacityIndex) -> dict[BucketKey, _Peak]:
    """Per bucket, its :class:`_Peak` over every region and single-cluster outage."""
    stack = index.stack
    peaks: dict[BucketKey, _Peak] = {}
    seen: set[frozenset[str]] = set()
    for outage in (*region_outages(stack), *cluster_outages(stack)):
        failed = frozenset(outage.clusters)
        if failed in seen:
            continue
        seen.add(failed)
        placed: dict[BucketKey, int] = {}
        for p in index.assignment(failed).placements:
            key = (p.target, p.target_gpu)
            placed[key] = placed.get(key, 0) + p.gpus
            peak = peaks.setdefault(key, _Peak())
            peak.shapes.add(p.target_node_gpus)
            peak.rdma = peak.rdma or p.rdma
            for pool in index.sources.get((p.cluster, p.gpu, p.rdma, p.node_gpus), ()):
                peak.sources[(p.cluster, pool.name)] = pool
        for key, gpus in placed.items():
            peaks[key].gpus = max(peaks[key].gpus, gpus)
    return peaks


def standby_sources(
    stack: ResolvedStack, catalog: Catalog
) -> dict[BucketKey, tuple[tuple[str, str], ...]]:
    """Per ``(target cluster, GPU model)`` of a standby pool, the ``(cluster, pool)`` pairs whose
    work any region or single-cluster outage places there (what the pool stands in for), sorted:
    the outages and placements the standby pools are sized from."""
    if stack.dr is None:
        return {}
    return {
        key: tuple(sorted(peak.sources))
        for key, peak in _peaks(CapacityIndex(stack, catalog)).items()
    }


def _by_target(
    stack: ResolvedStack, pools: Mapping[BucketKey, ResolvedPool]
) -> dict[str, tuple[ResolvedPool, ...]]:
    grouped: dict[str, list[ResolvedPool]] = {}
    for (target, _gpu), pool in sorted(pools.items()):
        grouped.setdefault(target, []).append(pool)
    return {c.name: tuple(grouped[c.name]) for c in stack.clusters if c.name in grouped}


def _standby_offer(bucket: Bucket, peak: _Peak) -> Offer:
    """The cheapest type whose whole nodes carry the peak: nodes of at least the largest shape
    placed there (RDMA when any placed work needs it), whose size every placed shape divides
    (so units of each shape fill whole nodes and ``ceil(gpus / node)`` nodes carry them), and
    within the headroom (always: it is a multiple of every node size offered there)."""
    candidates = bucket.rdma_offers if peak.rdma else bucket.offers
    largest = max(peak.shapes, default=1)
    shaped = [o for o in candidates if o.whole_gpus >= largest]
    packing = [o for o in shaped if all(o.whole_gpus % n == 0 for n in peak.shapes)]
    limit = bucket.headroom.gpus

    def nodes(offer: Offer) -> int:
        return math.ceil(peak.gpus / offer.whole_gpus)

    fitting = [o for o in packing or shaped if nodes(o) * o.whole_gpus <= limit]
    if not fitting:
        # The assignment only places work with a node of its shape there, within the headroom.
        raise InfraError(
            f"no {bucket.headroom.gpu} type in {bucket.headroom.cluster} carries {peak.gpus} "
            f"GPUs on nodes of at least {largest} GPUs within {limit} GPUs of headroom"
        )
    return min(
        fitting,
        key=lambda o: (
            nodes(o) * o.price_usd_hour if o.price_usd_hour is not None else float("inf"),
            nodes(o),
            o.instance_type,
        ),
    )


def _name_styles(gpu: str) -> tuple[list[str], ...]:
    # Two spellings so every cloud's rule admits one: "standby-h100" (EKS, ACK) and the
    # alphanumeric "sbh100" that AKS's 12-character rule needs; a numeric suffix makes it unique.
    lowered = gpu.lower()
    dashed = re.sub(r"[^a-z0-9]+", "-", lowered).strip("-")
    compact = re.sub(r"[^a-z0-9]", "", lowered)
    suffixes = ["", *(str(n) for n in range(2, 100))]
    return (
        [f"standby-{dashed}" + (f"-{n}" if n else "") for n in suffixes],
        [f"sb{compact}"[: 12 - len(n)] + n for n in suffixes],
    )


def _pool_name(cloud: Cloud, gpu: str, taken: set[str]) -> str:
    for names in _name_styles(gpu):
        if cloud.pool_name_problem(names[0]) is not None:
            continue  # this cloud wants the other spelling
        for name in names:
            if name not in taken and cloud.pool_name_problem(name) is None:
                return name
    raise InfraError(
        f"no valid standby pool name for {gpu} on {cloud.title} (taken: {sorted(taken)})"
    )


def _labels(pools: Sequence[ResolvedPool]) -> dict[str, str]:
    # Workloads select their nodes by these labels; keep those every source pool agrees on
    # (a conflicting key cannot be satisfied by one pool for both) and mark the pool standby.
    agreed: dict[str, str] = dict(pools[0].labels) if pools else {}
    for pool in pools[1:]:
        agreed = {k: v for k, v in agreed.items() if pool.labels.get(k) == v}
    agreed[STANDBY_LABEL] = "true"
    return dict(sorted(agreed.items()))


def _taints(pools: Sequence[ResolvedPool]) -> tuple[Taint, ...]:
    # Same taints as the source pools, so only the workloads that tolerated them there land here.
    unique = {(t.key, t.value, t.effect): t for pool in pools for t in pool.taints}
    return tuple(unique[k] for k in sorted(unique))


# -- system pools ---------------------------------------------------------------------------

SYSTEM_LABEL = "infra.dev/system"
# Two nodes, fixed: EKS runs CoreDNS as two replicas by default ("When you launch an Amazon EKS
# cluster with at least one node, two replicas of the CoreDNS image are deployed by default",
# docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html), one per node so one node's
# loss keeps DNS up; AKS wants a system node pool of at least two nodes ("Every AKS cluster must
# contain at least one system node pool with at least two nodes",
# learn.microsoft.com/azure/aks/use-system-pools).
SYSTEM_NODES = 2
# infra's floor for a system node, the size of the AKS module's own default system pool
# (modules/azure-gpu-cluster default_system_vm_size Standard_D4s_v5: 4 vCPUs, 16 GiB).
SYSTEM_MIN_VCPUS = 4
SYSTEM_MIN_MEMORY_GIB = 16
_BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")  # PreferNoSchedule still lets pods land


def system_offer(catalog: Catalog, cloud: str, region: str) -> Offer | None:
    """The type of an automatic system pool: the cheapest type without GPUs offered in
    ``region`` with at least :data:`SYSTEM_MIN_VCPUS` vCPUs and :data:`SYSTEM_MIN_MEMORY_GIB`
    GiB (unpriced types last, then fewer vCPUs, less memory, name), or None."""
    fitting = [
        o
        for o in catalog.find(cloud=cloud, region=region)
        if o.gpu is None
        and o.gpus == 0
        and o.vcpus >= SYSTEM_MIN_VCPUS
        and o.memory_gib >= SYSTEM_MIN_MEMORY_GIB
    ]
    return min(
        fitting,
        key=lambda o: (
            o.price_usd_hour is None,
            o.price_usd_hour or 0.0,
            o.vcpus,
            o.memory_gib,
            o.instance_type,
        ),
        default=None,
    )


def automatic_system_pool(
    cluster: ResolvedCluster, catalog: Catalog, taken: Collection[str] = ()
) -> ResolvedPool | None:
    """The system pool :func:`with_standby` gives a failover target without a schedulable one
    (None when it has one or the catalog offers no :func:`system_offer` in its region).

    Named "system" or the next free name the cloud accepts (``taken`` adds names besides the
    cluster's pools); :data:`SYSTEM_NODES` nodes fixed, no taints, labelled
    ``infra.dev/system``. It is ``standby=True`` like the GPU standby pools: re-running
    :func:`with_standby` replaces it instead of adding another, and ``infra cost`` counts it
    with the cost of DR.
    """
    if _has_system_pool(cluster):
        return None
    offer = system_offer(catalog, cluster.cloud, cluster.region)
    if offer is None:
        return None
    names = {p.name for p in cluster.pools} | set(taken)
    return ResolvedPool(
        name=_system_pool_name(CLOUDS[cluster.cloud], names),
        offer=offer,
        min_nodes=SYSTEM_NODES,
        desired_nodes=SYSTEM_NODES,
        max_nodes=SYSTEM_NODES,
        rdma=False,
        spot=False,
        workload="system",
        labels={SYSTEM_LABEL: "true"},
        taints=(),
        standby=True,
    )


def system_pool_problem(cluster: ResolvedCluster, catalog: Catalog | None = None) -> str | None:
    """Why ``cluster`` has nowhere to run CoreDNS and other system pods, or None.

    A schedulable system pool is one of the user's pools with no GPU, not spot, with
    min_nodes >= 1 and no NoSchedule/NoExecute taint, or the automatic system pool of
    :func:`with_standby`. Pass the cluster as deployed (after :func:`with_standby`); or, for a
    failover target as the user defined it, pass ``catalog`` too: then the automatic pool
    :func:`with_standby` would give it counts (and, when the catalog has no type for one, the
    problem says so).
    """
    if _has_system_pool(cluster):
        return None
    reasons = [
        f"pool {p.name!r} {why}"
        for p in cluster.pools
        if not p.standby and p.gpu is None and (why := _not_schedulable(p)) is not None
    ] or ["no pool without GPUs"]
    if catalog is not None:
        if system_offer(catalog, cluster.cloud, cluster.region) is not None:
            return None
        reasons.append(
            f"the catalog offers no type without GPUs of at least {SYSTEM_MIN_VCPUS} vCPUs and "
            f"{SYSTEM_MIN_MEMORY_GIB} GiB in {cluster.region} for an automatic one"
        )
    return (
        f"no schedulable system pool on {cluster.name}: {'; '.join(reasons)} (CoreDNS and "
        "other system pods need a pool without GPUs, not spot, with min_nodes >= 1 and no "
        "NoSchedule/NoExecute taint)"
    )


def _has_system_pool(cluster: ResolvedCluster) -> bool:
    return any(
        _is_automatic_system_pool(p) or (not p.standby and _not_schedulable(p) is None)
        for p in cluster.pools
    )


def _is_automatic_system_pool(pool: ResolvedPool) -> bool:
    return pool.standby and pool.gpu is None and pool.labels.get(SYSTEM_LABEL) == "true"


def _not_schedulable(pool: ResolvedPool) -> str | None:
    """Why system pods cannot count on ``pool``, or None."""
    if pool.gpu is not None:
        return "has GPUs"
    if pool.spot:
        return "is spot (its nodes can be reclaimed)"
    if pool.min_nodes < 1:
        return f"may scale to zero nodes (min_nodes {pool.min_nodes})"
    blocking = [str(t) for t in pool.taints if t.effect in _BLOCKING_EFFECTS]
    if blocking:
        return f"has taint {', '.join(blocking)}"
    return None


def _system_pool_name(cloud: Cloud, taken: Collection[str]) -> str:
    for name in ("system", *(f"system{n}" for n in range(2, 100))):
        if name not in taken and cloud.pool_name_problem(name) is None:
            return name
    raise InfraError(f"no valid system pool name on {cloud.title} (taken: {sorted(taken)})")


def _failover_targets(stack: ResolvedStack) -> frozenset[str]:
    """Every cluster some cluster of ``stack`` fails over to."""
    if stack.dr is None:
        return frozenset()
    return frozenset(t for targets in stack.dr.failover.values() for t in targets)
