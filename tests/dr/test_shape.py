"""Node shape survives a failover (docs/architecture.md, "Disaster recovery").

A standby pool keeps the GPUs per node of the pools it stands in for, and RDMA where training
needs it, unless ``dr.allow_shape_change`` lists the GPU or the work lands on a substitute GPU;
what no target can carry in that shape is a shortfall that names it. Each stack below was planned
as feasible before shape was kept, on nodes too small for its work: each test also checks that
the smaller nodes are what the cheapest type would otherwise be, so it would fail on that plan.

Against the shipped catalog: the cases need L4 and A10 types the test catalog does not hold.
"""

from __future__ import annotations

import math

import pytest

from infra import NodePool
from infra.catalog import Catalog, Offer
from infra.dr.assign import Demand, Headroom, Placement, Shortfall, assign
from infra.dr.outages import cluster_outages
from infra.dr.plan import FailoverPlan, check_stack, plan_outage
from infra.dr.standby import standby_pools
from infra.resolve import ResolvedPool, ResolvedStack
from tests.conftest import ROOT
from tests.dr.conftest import MakeStack


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The shipped catalog (overrides the test catalog for make_stack in this module)."""
    return Catalog.from_directory(ROOT / "infra" / "catalog" / "data")


def pool(gpu: str, gpus: int, **extra: object) -> NodePool:
    """An inference pool unless ``workload`` says otherwise."""
    fields: dict[str, object] = {"workload": "inference", **extra}
    return NodePool(name=gpu.lower().replace("-", ""), gpu=gpu, gpus=gpus, **fields)


def outage_of(stack: ResolvedStack, cluster: str, catalog: Catalog) -> FailoverPlan:
    (outage,) = (o for o in cluster_outages(stack) if o.clusters == (cluster,))
    return plan_outage(stack, outage, catalog)


def cheapest_for(catalog: Catalog, stack: ResolvedStack, target: str, gpu: str, gpus: int) -> Offer:
    """The type the planner would pick for ``gpus`` GPUs if shape did not count: the cheapest
    whole nodes of any size."""
    cluster = stack.cluster(target)
    offers = [o for o in catalog.gpu_offers(cluster.cloud, cluster.region, gpu) if o.whole_gpus > 0]
    return min(offers, key=lambda o: math.ceil(gpus / o.whole_gpus) * (o.price_usd_hour or 0.0))


def only_standby(stack: ResolvedStack, catalog: Catalog, target: str) -> ResolvedPool:
    (standby,) = standby_pools(stack, catalog)[target]
    return standby


# --------------------------------------------------------------------------- stacks


def l4_stack(make_stack: MakeStack, **dr: object) -> ResolvedStack:
    """8 L4 serving on one g6.48xlarge in us-east-2, failing over to us-west-2."""
    return make_stack(
        [
            ("src", "aws", "us-east-2", [pool("L4", 8)], {"L4": 8}),
            ("dst", "aws", "us-west-2", [], {"L4": 8}),
        ],
        {"src": ["dst"]},
        **dr,
    )


def test_8_l4_work_keeps_8_gpu_nodes(make_stack: MakeStack, catalog: Catalog) -> None:
    stack = l4_stack(make_stack)
    assert stack.cluster("src").pools[0].instance_type == "g6.48xlarge"
    # Without shape, 8 x g6.xlarge (1 L4 each) would be the cheapest way to hold 8 L4.
    assert cheapest_for(catalog, stack, "dst", "L4", 8).instance_type == "g6.xlarge"

    standby = only_standby(stack, catalog, "dst")
    assert (standby.instance_type, standby.max_nodes) == ("g6.48xlarge", 1)
    plan = outage_of(stack, "src", catalog)
    assert plan.feasible, plan.problems()
    assert plan.placements == (Placement("src", "L4", False, "dst", "L4", 8, 8),)
    assert [(s.instance_type, s.nodes) for s in plan.standby] == [("g6.48xlarge", 1)]


def test_allow_shape_change_permits_smaller_nodes(make_stack: MakeStack, catalog: Catalog) -> None:
    stack = l4_stack(make_stack, allow_shape_change=["L4"])
    standby = only_standby(stack, catalog, "dst")
    assert (standby.instance_type, standby.max_nodes) == ("g6.xlarge", 8)
    plan = outage_of(stack, "src", catalog)
    assert plan.feasible, plan.problems()
    assert plan.placements == (Placement("src", "L4", False, "dst", "L4", 8, 1),)


def a10_stack(make_stack: MakeStack, target_region: str, rdma: bool, **dr: object) -> ResolvedStack:
    """8 A10 on one Alibaba Cloud node in cn-shanghai, failing over to ``target_region``."""
    extra: dict[str, object] = {"workload": "training", "rdma": True} if rdma else {}
    return make_stack(
        [
            ("src", "alicloud", "cn-shanghai", [pool("A10", 8, **extra)], {"A10": 8}),
            ("dst", "alicloud", target_region, [], {"A10": 8}),
        ],
        {"src": ["dst"]},
        **dr,
    )


def test_8_a10_work_does_not_fit_4_gpu_nodes(make_stack: MakeStack, catalog: Catalog) -> None:
    # ap-southeast-1 offers A10 nodes of 1, 2 and 4 GPUs only.
    stack = a10_stack(make_stack, "ap-southeast-1", rdma=False)
    assert stack.cluster("src").pools[0].offer.whole_gpus == 8
    sizes = {o.whole_gpus for o in catalog.gpu_offers("alicloud", "ap-southeast-1", "A10")}
    assert max(sizes) == 4

    assert "dst" not in standby_pools(stack, catalog)
    plan = outage_of(stack, "src", catalog)
    assert not plan.feasible
    assert plan.placements == ()
    assert plan.shortfalls == (Shortfall("src", "A10", False, 8, 8),)

    shape_free = a10_stack(make_stack, "ap-southeast-1", rdma=False, allow_shape_change=["A10"])
    assert outage_of(shape_free, "src", catalog).feasible
    assert only_standby(shape_free, catalog, "dst").offer.whole_gpus < 8


def test_8_gpu_rdma_training_keeps_8_gpu_rdma_nodes(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    stack = make_stack(
        [
            ("src", "aws", "us-east-2", [pool("L4", 8, workload="training", rdma=True)], {"L4": 8}),
            ("dst", "aws", "us-west-2", [], {"L4": 8}),
        ],
        {"src": ["dst"]},
    )
    # Without shape, 2 x g6.12xlarge (4 L4 and EFA each) would be the cheapest with EFA.
    rdma_types = [
        o
        for o in catalog.gpu_offers("aws", "us-west-2", "L4")
        if o.rdma != "none" and o.whole_gpus > 0
    ]
    cheapest = min(rdma_types, key=lambda o: math.ceil(8 / o.whole_gpus) * (o.price_usd_hour or 0))
    assert cheapest.instance_type == "g6.12xlarge"

    standby = only_standby(stack, catalog, "dst")
    assert (standby.instance_type, standby.max_nodes, standby.rdma) == ("g6.48xlarge", 1, True)


def test_rdma_shortfall_names_shape_and_rdma(make_stack: MakeStack, catalog: Catalog) -> None:
    # cn-wulanchabu has 8-GPU A10 nodes, none with eRDMA.
    stack = a10_stack(make_stack, "cn-wulanchabu", rdma=True)
    assert stack.cluster("src").pools[0].offer.rdma == "erdma"
    plan = outage_of(stack, "src", catalog)
    assert plan.shortfalls == (Shortfall("src", "A10", True, 8, 8),)

    # allow_shape_change lets go of RDMA as well as of the node size
    shape_free = a10_stack(make_stack, "cn-wulanchabu", rdma=True, allow_shape_change=["A10"])
    assert outage_of(shape_free, "src", catalog).feasible
    assert not only_standby(shape_free, catalog, "dst").rdma


def test_a_substitute_gpu_may_change_shape(make_stack: MakeStack, catalog: Catalog) -> None:
    # 8 A100 on one Azure ND node may move to L4 (allowed): then any L4 node size will do.
    stack = make_stack(
        [
            ("src", "azure", "eastus2", [pool("A100-80GB", 8)], {"A100-80GB": 8}),
            ("dst", "aws", "us-west-2", [], {"L4": 8}),
        ],
        {"src": ["dst"]},
        substitution={"A100-80GB": ["L4"]},
    )
    plan = outage_of(stack, "src", catalog)
    assert plan.feasible, plan.problems()
    (placement,) = plan.placements
    assert (placement.target_gpu, placement.node_gpus, placement.target_node_gpus) == ("L4", 8, 1)
    standby = only_standby(stack, catalog, "dst")
    assert standby.instance_type == cheapest_for(catalog, stack, "dst", "L4", 8).instance_type


def test_standby_type_carries_the_largest_shape_placed(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    # One 8-GPU and one 1-GPU L4 workload share the target: nodes of 8 for both.
    stack = make_stack(
        [
            ("big", "aws", "us-east-2", [pool("L4", 8)], {"L4": 8}),
            ("small", "aws", "us-east-2", [pool("L4", 1)], {"L4": 1}),
            ("dst", "aws", "us-west-2", [], {"L4": 16}),
        ],
        {"big": ["dst"], "small": ["dst"]},
    )
    assert stack.cluster("small").pools[0].instance_type != "g6.48xlarge"
    standby = only_standby(stack, catalog, "dst")
    # The region outage places 9 GPUs: two nodes of 8 within the 16 GPUs held.
    assert (standby.instance_type, standby.max_nodes) == ("g6.48xlarge", 2)
    check = check_stack(stack, catalog)
    assert all(p.feasible for p in check.plans), [p.problems() for p in check.plans]


def test_headroom_counts_whole_nodes_of_every_size(make_stack: MakeStack, catalog: Catalog) -> None:
    # 12 L4 held: whole g6.48xlarge nodes hold only 8 of them, so 8 is the headroom.
    stack = make_stack(
        [
            ("src", "aws", "us-east-2", [pool("L4", 16)], {"L4": 16}),
            ("dst", "aws", "us-west-2", [], {"L4": 12}),
        ],
        {"src": ["dst"]},
    )
    plan = outage_of(stack, "src", catalog)
    assert [(h.gpus, h.node_gpus) for h in plan.headroom] == [(8, 8)]
    assert plan.shortfalls == (Shortfall("src", "L4", False, 8, 8),)
    assert only_standby(stack, catalog, "dst").max_nodes == 1


# --------------------------------------------------------------------------- the solver


def test_a_replica_is_never_split_between_targets() -> None:
    # B's 4 single GPUs can only use T1; A's 8-GPU replicas prefer T1 but must go whole.
    # Counted in single GPUs, 4 of A's GPUs would land on T1 beside B's: half a replica.
    result = assign(
        [Demand("A", "H100", False, 16, 8), Demand("B", "H100", False, 4, 1)],
        [Headroom("T1", "H100", 8, False, 8), Headroom("T2", "H100", 16, False, 8)],
        {"A": ["T1", "T2"], "B": ["T1"]},
    )
    assert result.feasible and result.exact
    assert result.placements == (
        Placement("A", "H100", False, "T2", "H100", 16, 8),
        Placement("B", "H100", False, "T1", "H100", 4, 1),
    )


def test_whole_replicas_can_fall_short_where_single_gpus_would_fit() -> None:
    # 16 GPUs held and 16 wanted, but A's replica of 8 fits neither T1 nor T2 beside the
    # single GPUs that can only go there.
    result = assign(
        [
            Demand("A", "H100", False, 8, 8),
            Demand("B", "H100", False, 4, 1),
            Demand("C", "H100", False, 4, 1),
        ],
        [Headroom("T1", "H100", 8, False, 8), Headroom("T2", "H100", 8, False, 8)],
        {"A": ["T1", "T2"], "B": ["T1"], "C": ["T2"]},
    )
    assert result.exact
    assert sum(s.gpus for s in result.shortfalls) == 4
    for p in result.placements:
        assert p.gpus % p.target_node_gpus == 0


def test_demand_goes_only_where_a_node_of_its_shape_exists() -> None:
    result = assign(
        [Demand("A", "A10", False, 8, 8)],
        [Headroom("T", "A10", 16, False, 4)],
        {"A": ["T"]},
    )
    assert result.shortfalls == (Shortfall("A", "A10", False, 8, 8),)
    assert assign(
        [Demand("A", "A10", False, 8, 4)], [Headroom("T", "A10", 16, False, 4)], {"A": ["T"]}
    ).feasible
