"""Planning at scale: 200 clusters x 50 pools, every region outage, planned correctly.

How fast is a benchmark's question (bench/, measured against a baseline in the same run), not a
test's: this checks the results at that size, never the clock."""

from __future__ import annotations

import random

from infra.catalog import Catalog
from infra.dr.outages import all_outages
from infra.dr.plan import check_stack
from infra.model import DisasterRecovery
from infra.resolve import ResolvedCluster, ResolvedPool, ResolvedStack
from tests.conftest import ROOT


def big_stack(catalog: Catalog, clusters: int = 200, pools: int = 50) -> ResolvedStack:
    """A resolved stack spread over every GPU region of the shipped catalog (built directly:
    the point is the planner, not validation)."""
    rng = random.Random(7)
    regions = sorted(
        {(o.cloud, o.region) for o in catalog.offers if o.gpu and o.whole_gpus},
    )
    built = []
    for i in range(clusters):
        cloud, region = regions[i % len(regions)]
        offers = sorted(
            (o for o in catalog.find(cloud=cloud, region=region) if o.gpu and o.whole_gpus),
            key=lambda o: o.instance_type,
        )
        pool_list = []
        capacity: dict[str, int] = {}
        for j in range(pools):
            offer = offers[j % len(offers)]
            nodes = rng.randint(0, 4)
            pool_list.append(
                ResolvedPool(
                    name=f"p{j}",
                    offer=offer,
                    min_nodes=nodes,
                    desired_nodes=nodes,
                    max_nodes=nodes + 2,
                    rdma=offer.rdma != "none" and j % 3 == 0,
                    spot=False,
                    workload="training",
                    labels={},
                    taints=(),
                )
            )
            assert offer.gpu is not None
            capacity[offer.gpu] = capacity.get(offer.gpu, 0) + 3 * (nodes + 2) * offer.whole_gpus
        built.append(
            ResolvedCluster(
                f"c{i}", cloud, region, f"10.{i}.0.0/16", (), "1.33", tuple(pool_list), capacity
            )
        )
    names = [c.name for c in built]
    failover = {n: tuple(rng.sample([m for m in names if m != n], 3)) for n in names}
    dr = DisasterRecovery(rpo_minutes=15, rto_minutes=60, failover=failover)
    return ResolvedStack("big", "ml", "prod", {}, tuple(built), dr, "stacks/big.py")


def test_every_region_outage_of_a_large_stack() -> None:
    catalog = Catalog.from_directory(ROOT / "infra" / "catalog" / "data")
    stack = big_stack(catalog)
    outages = all_outages(stack)
    assert len(outages) >= 20
    check = check_stack(stack, catalog)
    assert len(check.plans) == len(outages)
    assert any(p.placements for p in check.plans)
    assert any(p.placements and p.placements[0].node_gpus > 1 for p in check.plans)
    for plan in check.plans:
        # headroom is never counted twice: per (target, GPU) the placements fit what is free
        used: dict[tuple[str, str], int] = {}
        shape: dict[tuple[str, str], int] = {}
        for placement in plan.placements:
            key = (placement.target, placement.target_gpu)
            used[key] = used.get(key, 0) + placement.gpus
            shape[key] = max(shape.get(key, 1), placement.target_node_gpus)
            assert placement.gpus % placement.target_node_gpus == 0  # whole replicas
        for (target, gpu), gpus in used.items():
            cluster = stack.cluster(target)
            assert gpus <= cluster.gpu_capacity.get(gpu, 0) - cluster.gpus_in_use().get(gpu, 0)
        # the standby pools scaled carry the shapes placed, in whole nodes within the headroom
        for scale in plan.standby:
            offer = catalog.offer(
                stack.cluster(scale.target).cloud,
                scale.instance_type,
                stack.cluster(scale.target).region,
            )
            assert offer is not None and offer.whole_gpus >= shape[(scale.target, scale.gpu)]
            cluster = stack.cluster(scale.target)
            free = cluster.gpu_capacity[scale.gpu] - cluster.gpus_in_use().get(scale.gpu, 0)
            assert scale.nodes * offer.whole_gpus <= free
