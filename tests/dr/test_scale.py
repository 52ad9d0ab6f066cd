"""Planning scales: 200 clusters x 50 pools, every region outage, well under a second."""

from __future__ import annotations

import random
import time

from infra.catalog import Catalog
from infra.dr.outages import all_outages
from infra.dr.plan import check_stack
from infra.dr.timing import default_timing
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


def test_every_region_outage_of_a_large_stack_in_well_under_a_second() -> None:
    catalog = Catalog.from_directory(ROOT / "infra" / "catalog" / "data")
    default_timing()  # parse once, as a real run would have
    stack = big_stack(catalog)
    assert len(all_outages(stack)) >= 20
    best = float("inf")
    for _ in range(3):  # best of three: the budget is about the algorithm, not a noisy machine
        started = time.perf_counter()
        check = check_stack(stack, catalog)
        best = min(best, time.perf_counter() - started)
    assert len(check.plans) == len(all_outages(stack))
    assert any(p.placements for p in check.plans)
    assert best < 1.0, f"check_stack took {best:.2f} s"
