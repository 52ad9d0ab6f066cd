"""Standby pools: the node pools renderers add to failover targets (docs/architecture.md, "Disaster recovery").

For each ``(target, GPU model)`` the pool must carry the most GPUs any single outage places
there, over every region outage and every single-cluster outage (a cluster can fail alone, and
then its region neighbours survive as targets). Its type is the cheapest whole-GPU type offered
there whose nodes fit that count within the headroom, RDMA-capable when any demand placed there
needs RDMA. Its size follows the stack's strategy:

* ``pilot-light``: min 0, desired 0, max N nodes (nothing runs until a failover);
* ``warm-standby``: min = desired = max(1, ceil(N / 10)), max N. Keeping 10% warm is infra's
  default: enough nodes to prove the pool, images and drivers work, and to take the first work
  while the rest boots, at a tenth of the cost of carrying it all;
* ``active-active``: min = desired = max = N (sized to carry the failed work at once).

Whole-cloud outages are not part of the sizing: a plan for one reports what it would lack.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence

from infra.catalog import Catalog, Offer
from infra.clouds import CLOUDS, Cloud
from infra.dr.capacity import Bucket, BucketKey, CapacityIndex
from infra.dr.outages import cluster_outages, region_outages
from infra.errors import InfraError
from infra.resolve import ResolvedPool, ResolvedStack, Taint

__all__ = [
    "STANDBY_LABEL",
    "WARM_FRACTION",
    "standby_by_bucket",
    "standby_pools",
    "standby_size",
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
    and ``infra cost`` use. Standby pools already in ``stack`` are replaced, not doubled."""
    added = standby_pools(stack, catalog)
    clusters = tuple(
        dataclasses.replace(
            c, pools=tuple(p for p in c.pools if not p.standby) + added.get(c.name, ())
        )
        for c in stack.clusters
    )
    return dataclasses.replace(stack, clusters=clusters)


def standby_by_bucket(index: CapacityIndex) -> dict[BucketKey, ResolvedPool]:
    """The standby pool of each ``(target, gpu)`` some region or cluster outage places GPUs on."""
    stack = index.stack
    if stack.dr is None:
        return {}
    peak: dict[BucketKey, int] = {}
    needs_rdma: dict[BucketKey, bool] = {}
    sources: dict[BucketKey, dict[tuple[str, str], ResolvedPool]] = {}
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
            needs_rdma[key] = needs_rdma.get(key, False) or p.rdma
            for pool in index.sources.get((p.cluster, p.gpu, p.rdma), ()):
                sources.setdefault(key, {})[(p.cluster, pool.name)] = pool
        for key, gpus in placed.items():
            peak[key] = max(peak.get(key, 0), gpus)

    taken: dict[str, set[str]] = {
        c.name: {p.name for p in c.pools if not p.standby} for c in stack.clusters
    }
    result: dict[BucketKey, ResolvedPool] = {}
    for key in sorted(peak):
        target, gpu = key
        bucket = index.buckets[key]
        offer = _standby_offer(bucket, peak[key], needs_rdma[key])
        nodes = math.ceil(peak[key] / offer.whole_gpus)
        low, desired, high = standby_size(stack.dr.strategy, nodes)
        pool_sources = [sources[key][k] for k in sorted(sources[key])]
        name = _pool_name(CLOUDS[index.clusters[target].cloud], gpu, taken[target])
        taken[target].add(name)
        result[key] = ResolvedPool(
            name=name,
            offer=offer,
            min_nodes=low,
            desired_nodes=desired,
            max_nodes=high,
            rdma=needs_rdma[key],
            spot=False,  # capacity for a failover must not be reclaimable
            workload="training"
            if any(p.workload == "training" for p in pool_sources)
            else "inference",
            labels=_labels(pool_sources),
            taints=_taints(pool_sources),
            standby=True,
        )
    return result


def _by_target(
    stack: ResolvedStack, pools: Mapping[BucketKey, ResolvedPool]
) -> dict[str, tuple[ResolvedPool, ...]]:
    grouped: dict[str, list[ResolvedPool]] = {}
    for (target, _gpu), pool in sorted(pools.items()):
        grouped.setdefault(target, []).append(pool)
    return {c.name: tuple(grouped[c.name]) for c in stack.clusters if c.name in grouped}


def _standby_offer(bucket: Bucket, gpus: int, rdma: bool) -> Offer:
    """Cheapest type whose whole nodes carry ``gpus`` within the headroom."""
    candidates = bucket.rdma_offers if rdma else bucket.offers
    limit = bucket.headroom.gpus

    def nodes(offer: Offer) -> int:
        return math.ceil(gpus / offer.whole_gpus)

    fitting = [o for o in candidates if nodes(o) * o.whole_gpus <= limit]
    if not fitting:
        # The headroom is a multiple of the reference type's node size, so it always fits.
        return bucket.reference
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
