"""Standby pools: sizing per strategy, type, names, labels and taints."""

from __future__ import annotations

import pytest

from infra import NodePool
from infra.catalog import Catalog
from infra.clouds import CLOUDS
from infra.dr.plan import check_stack
from infra.dr.standby import STANDBY_LABEL, standby_pools, standby_size, with_standby
from infra.resolve import Taint
from tests.dr.conftest import MakeStack, h100

TAINT = "nvidia.com/gpu=present:NoSchedule"


@pytest.mark.parametrize(
    ("strategy", "nodes", "expected"),
    [
        ("pilot-light", 32, (0, 0, 32)),
        ("warm-standby", 32, (4, 4, 32)),  # ceil(32 / 10)
        ("warm-standby", 3, (1, 1, 3)),  # at least one node warm
        ("warm-standby", 10, (1, 1, 10)),
        ("active-active", 32, (32, 32, 32)),
    ],
)
def test_standby_size_per_strategy(
    strategy: str, nodes: int, expected: tuple[int, int, int]
) -> None:
    assert standby_size(strategy, nodes) == expected


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [("pilot-light", (0, 0, 32)), ("warm-standby", (4, 4, 32)), ("active-active", (32, 32, 32))],
)
def test_pool_for_each_strategy(
    make_stack: MakeStack, catalog: Catalog, strategy: str, expected: tuple[int, int, int]
) -> None:
    stack = make_stack(
        [
            (
                "train",
                "aws",
                "us-east-1",
                [h100(256, rdma=True, labels={"workload": "pretrain"}, taints=[TAINT])],
                {"H100": 256},
            ),
            ("standby", "aws", "us-west-2", [], {"H100": 256}),
        ],
        {"train": ["standby"]},
        strategy=strategy,
    )
    (pool,) = standby_pools(stack, catalog)["standby"]
    assert (pool.min_nodes, pool.desired_nodes, pool.max_nodes) == expected
    assert (pool.name, pool.instance_type, pool.rdma, pool.standby) == (
        "standby-h100",
        "p5.48xlarge",
        True,
        True,
    )
    assert pool.labels == {STANDBY_LABEL: "true", "workload": "pretrain"}
    assert pool.taints == (Taint("nvidia.com/gpu", "present", "NoSchedule"),)
    assert not pool.spot and pool.workload == "training"


def test_peak_over_region_and_single_cluster_outages(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    # Alone, a fails over to its region neighbour b; when the region fails, a and b go to c.
    stack = make_stack(
        [
            ("a", "aws", "us-east-1", [h100(8)], {"H100": 8}),
            ("b", "aws", "us-east-1", [h100(8)], {"H100": 32}),
            ("c", "aws", "us-west-2", [], {"H100": 64}),
        ],
        {"a": ["b", "c"], "b": ["c"]},
    )
    pools = standby_pools(stack, catalog)
    assert [(p.name, p.max_nodes) for p in pools["b"]] == [("standby-h100", 1)]  # from outage "a"
    assert [(p.name, p.max_nodes) for p in pools["c"]] == [("standby-h100", 2)]  # a + b together


@pytest.mark.parametrize(
    ("rdma", "shape_free", "expected"),
    [
        # 8 A10G on one g5.48xlarge: the standby keeps nodes of 8, though 2 x g5.12xlarge
        # ($11.34/h) are cheaper than 1 x g5.48xlarge ($16.29/h)
        (False, False, "g5.48xlarge x1"),
        (True, False, "g5.48xlarge x1"),  # and EFA, which only the 8-GPU size has here
        # allow_shape_change: the cheapest nodes that carry 8 GPUs, and RDMA no longer binds
        (False, True, "g5.12xlarge x2"),
        (True, True, "g5.12xlarge x2"),
    ],
)
def test_cheapest_type_of_the_source_shape_and_rdma(
    make_stack: MakeStack, catalog: Catalog, rdma: bool, shape_free: bool, expected: str
) -> None:
    stack = make_stack(
        [
            (
                "src",
                "aws",
                "us-east-1",
                [NodePool(name="a", gpu="A10G", gpus=8, rdma=rdma)],
                {"A10G": 8},
            ),
            ("dst", "aws", "us-east-1", [], {"A10G": 16}),
        ],
        {"src": ["dst"]},
        allow_shape_change=["A10G"] if shape_free else [],
    )
    assert stack.cluster("src").pools[0].instance_type == "g5.48xlarge"
    (pool,) = standby_pools(stack, catalog)["dst"]
    assert f"{pool.instance_type} x{pool.max_nodes}" == expected
    assert pool.rdma == (rdma and not shape_free)


def test_names_pass_each_clouds_rules_and_stay_unique(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    stack = make_stack(
        [
            (
                "src",
                "aws",
                "us-east-1",
                [h100(16), NodePool(name="a100", gpu="A100-40GB", gpus=8)],
                {"H100": 16, "A100-40GB": 8},
            ),
            (
                "eks",
                "aws",
                "us-west-2",
                [NodePool(name="standby-h100", gpu="H100", gpus=8)],
                {"H100": 16},
            ),
            ("aks", "azure", "eastus", [NodePool(name="sbh100", gpu="H100", gpus=8)], {"H100": 32}),
        ],
        {"src": ["eks", "aks"]},
    )
    pools = standby_pools(stack, catalog)
    assert [p.name for p in pools["eks"]] == ["standby-h100-2"]
    assert [p.name for p in pools["aks"]] == ["sbh1002"]  # only the 8 H100 that eks cannot take
    for target, added in pools.items():
        cloud = CLOUDS[stack.cluster(target).cloud]
        assert all(cloud.pool_name_problem(p.name) is None for p in added)


def test_with_standby_appends_pools_without_changing_the_plans(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    stack = make_stack(
        [
            ("train", "aws", "us-east-1", [h100(16, rdma=True)], {"H100": 16}),
            (
                "standby",
                "aws",
                "us-west-2",
                [NodePool(name="system", instance_type="m7i.2xlarge", nodes=1)],
                {"H100": 16},
            ),
        ],
        {"train": ["standby"]},
        strategy="warm-standby",
    )
    extended = with_standby(stack, catalog)
    pools = extended.cluster("standby").pools
    assert [(p.name, p.standby) for p in pools] == [("system", False), ("standby-h100", True)]
    assert extended.cluster("train").pools == stack.cluster("train").pools
    # standby pools are neither demand nor used capacity, so planning again changes nothing
    assert check_stack(extended, catalog) == check_stack(stack, catalog)
    assert with_standby(extended, catalog) == extended


def test_no_dr_no_standby(make_stack: MakeStack, catalog: Catalog) -> None:
    stack = make_stack([("only", "aws", "us-east-1", [h100(8)], {"H100": 8})])
    assert standby_pools(stack, catalog) == {}
    assert with_standby(stack, catalog) == stack
