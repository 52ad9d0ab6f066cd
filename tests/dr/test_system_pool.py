"""Every failover target has a schedulable system pool (docs/architecture.md, "Disaster recovery").

A target whose own pools give CoreDNS and the other system pods nowhere to run (only GPU pools,
only tainted, spot or scale-to-zero CPU pools) gets an automatic pool from ``with_standby``;
a target with a pool of the user's that can take them gets none.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra import NodePool
from infra.catalog import Catalog
from infra.cost import cost_of
from infra.dr.standby import (
    SYSTEM_LABEL,
    automatic_system_pool,
    system_offer,
    system_pool_problem,
    with_standby,
)
from infra.inputs import cluster_module_inputs
from infra.resolve import ResolvedPool, ResolvedStack
from tests.conftest import ROOT, TEST_CATALOG
from tests.dr.conftest import MakeStack, h100

GPU_TAINT = "nvidia.com/gpu=present:NoSchedule"


def failover_to(
    make_stack: MakeStack,
    cloud: str,
    region: str,
    pools: list[NodePool],
    capacity: dict[str, int] | None = None,
) -> ResolvedStack:
    """A training cluster in us-east-1 failing over to ``target`` (``cloud``/``region``)."""
    return make_stack(
        [
            ("train", "aws", "us-east-1", [h100(8, taints=[GPU_TAINT])], {"H100": 8}),
            ("target", cloud, region, pools, capacity or {}),
        ],
        {"train": ["target"]},
    )


def automatic(stack: ResolvedStack, cluster: str) -> list[ResolvedPool]:
    return [p for p in stack.cluster(cluster).pools if p.labels.get(SYSTEM_LABEL) == "true"]


def test_a_target_with_only_a_tainted_gpu_pool_gets_a_system_pool(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    stack = failover_to(make_stack, "aws", "us-west-2", [h100(8, taints=[GPU_TAINT])], {"H100": 16})
    problem = system_pool_problem(stack.cluster("target"))
    assert problem is not None and "no pool without GPUs" in problem

    deployed = with_standby(stack, catalog)
    (system,) = automatic(deployed, "target")
    assert (system.name, system.instance_type, system.gpu) == ("system", "m7i.2xlarge", None)
    assert (system.min_nodes, system.desired_nodes, system.max_nodes) == (2, 2, 2)
    assert (system.spot, system.rdma, system.taints, system.standby) == (False, False, (), True)
    assert system.labels == {SYSTEM_LABEL: "true"}
    # the user's pool first, then the system pool, then the GPU standby pool
    assert [p.name for p in deployed.cluster("target").pools] == ["h100", "system", "standby-h100"]
    assert system_pool_problem(deployed.cluster("target")) is None
    # and with the catalog, the target as the user defined it counts the pool it will get
    assert system_pool_problem(stack.cluster("target"), catalog) is None

    # rendered as a normal pool of the cluster module
    node_pools = cluster_module_inputs(deployed, deployed.cluster("target"))["node_pools"]
    assert isinstance(node_pools, dict)
    assert node_pools["system"] == {
        "instance_type": "m7i.2xlarge",
        "gpu": None,
        "gpus_per_node": 0,
        "min_nodes": 2,
        "desired_nodes": 2,
        "max_nodes": 2,
        "rdma": False,
        "spot": False,
        "workload": "system",
        "labels": {SYSTEM_LABEL: "true"},
        "taints": [],
        "standby": True,
    }


def test_a_target_with_a_user_system_pool_gets_none(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    user = NodePool(name="cpu", instance_type="m7i.2xlarge", nodes=1)
    stack = failover_to(make_stack, "aws", "us-west-2", [user], {"H100": 8})
    assert system_pool_problem(stack.cluster("target")) is None
    deployed = with_standby(stack, catalog)
    assert automatic(deployed, "target") == []
    assert [p.name for p in deployed.cluster("target").pools] == ["cpu", "standby-h100"]


def test_a_prefer_no_schedule_taint_still_lets_system_pods_land(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    soft = NodePool(
        name="cpu", instance_type="m7i.2xlarge", nodes=2, taints=["dedicated=ops:PreferNoSchedule"]
    )
    stack = failover_to(make_stack, "aws", "us-west-2", [soft])
    assert system_pool_problem(stack.cluster("target")) is None
    assert automatic(with_standby(stack, catalog), "target") == []


def test_cpu_pools_that_cannot_take_system_pods_are_named(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    pools = [
        NodePool(name="system", instance_type="m7i.2xlarge", nodes=2, spot=True),
        NodePool(name="ops", instance_type="m7i.2xlarge", nodes=2, taints=["ops=true:NoExecute"]),
    ]
    stack = failover_to(make_stack, "aws", "us-west-2", pools)
    problem = system_pool_problem(stack.cluster("target"))
    assert problem is not None
    assert "pool 'system' is spot" in problem
    assert "pool 'ops' has taint ops=true:NoExecute" in problem

    deployed = with_standby(stack, catalog)
    (system,) = automatic(deployed, "target")
    assert system.name == "system2"  # "system" is the user's (spot) pool
    assert with_standby(deployed, catalog) == deployed  # replaced, not doubled


def test_only_failover_targets_get_one(make_stack: MakeStack, catalog: Catalog) -> None:
    stack = failover_to(make_stack, "aws", "us-west-2", [], {"H100": 8})
    deployed = with_standby(stack, catalog)
    assert automatic(deployed, "train") == []  # fails over, is no target: the user's concern
    assert len(automatic(deployed, "target")) == 1


def test_aks_makes_the_automatic_pool_its_default_pool(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    stack = failover_to(make_stack, "azure", "eastus", [h100(8, taints=[GPU_TAINT])], {"H100": 16})
    deployed = with_standby(stack, catalog)
    (system,) = automatic(deployed, "target")
    assert (system.name, system.instance_type) == ("system", "Standard_D4s_v5")
    inputs = cluster_module_inputs(deployed, deployed.cluster("target"))
    assert inputs["system_pool"] == "system"


def test_the_cheapest_type_of_at_least_4_vcpus_and_16_gib() -> None:
    shipped = Catalog.from_directory(ROOT / "infra" / "catalog" / "data")
    offer = system_offer(shipped, "aws", "us-west-2")
    assert offer is not None
    # m6i.large (2 vCPUs, 8 GiB) is cheaper but too small
    assert (offer.instance_type, offer.vcpus, offer.memory_gib) == ("m6i.xlarge", 4, 16)
    small = shipped.offer("aws", "m6i.large", "us-west-2")
    assert small is not None and small.price_usd_hour is not None
    assert offer.price_usd_hour is not None and small.price_usd_hour < offer.price_usd_hour
    picked = {
        (cloud, region): getattr(system_offer(shipped, cloud, region), "instance_type", None)
        for cloud, region in [("azure", "eastus"), ("alicloud", "cn-shanghai")]
    }
    assert picked == {
        ("azure", "eastus"): "Standard_D4s_v5",
        # ecs.g8i.xlarge costs the same; the name decides
        ("alicloud", "cn-shanghai"): "ecs.g7.xlarge",
    }


def test_costed_with_the_standby(make_stack: MakeStack, catalog: Catalog) -> None:
    stack = failover_to(make_stack, "alicloud", "cn-beijing", [], {"A100-80GB": 8})
    (cost,) = cost_of([with_standby(stack, catalog)])
    (line,) = [line for line in cost.lines if line.cluster == "target" and line.pool == "system"]
    assert (line.instance_type, line.nodes, line.standby) == ("ecs.g7.2xlarge", 2, True)
    assert line.hourly_usd == pytest.approx(2 * 0.37)
    assert cost.standby_hourly_usd == pytest.approx(2 * 0.37)  # pilot-light GPU standby: 0 nodes


def test_no_type_in_the_catalog_leaves_the_target_without_and_says_why(
    make_stack: MakeStack, tmp_path: Path
) -> None:
    # A catalog without the only non-GPU type of us-west-2.
    for source in TEST_CATALOG.iterdir():
        shutil.copy(source, tmp_path / source.name)
    aws = tmp_path / "aws.csv"
    aws.write_text(
        "".join(
            line
            for line in aws.read_text().splitlines(keepends=True)
            if not line.startswith("m7i.2xlarge,") or "us-west-2" not in line
        )
    )
    without = Catalog.from_directory(tmp_path)
    assert system_offer(without, "aws", "us-west-2") is None

    stack = failover_to(make_stack, "aws", "us-west-2", [], {"H100": 8})
    deployed = with_standby(stack, without)
    assert automatic(deployed, "target") == []
    assert automatic_system_pool(stack.cluster("target"), without) is None
    problem = system_pool_problem(stack.cluster("target"), without)
    assert problem is not None
    assert problem.startswith("no schedulable system pool on target: no pool without GPUs")
    assert "no type without GPUs of at least 4 vCPUs and 16 GiB in us-west-2" in problem


def test_aks_never_makes_a_spot_or_tainted_cpu_pool_its_default_pool(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    # The AKS default pool takes no spot nodes and no taints (modules/azure-gpu-cluster's
    # precondition): the first CPU pool is not the one when it has either.
    pools = [
        NodePool(name="spotcpu", instance_type="Standard_D4s_v5", nodes=2, spot=True),
        NodePool(
            name="ops", instance_type="Standard_D4s_v5", nodes=2, taints=["ops=true:NoExecute"]
        ),
        h100(8, taints=[GPU_TAINT]),
    ]
    stack = failover_to(make_stack, "azure", "eastus", pools, {"H100": 16})
    deployed = with_standby(stack, catalog)
    (system,) = automatic(deployed, "target")
    inputs = cluster_module_inputs(deployed, deployed.cluster("target"))
    assert inputs["system_pool"] == system.name != "spotcpu"
    soft = NodePool(
        name="soft", instance_type="Standard_D4s_v5", nodes=2, taints=["ops=x:PreferNoSchedule"]
    )
    stack = failover_to(make_stack, "azure", "eastus", [soft, h100(8)], {"H100": 16})
    deployed = with_standby(stack, catalog)
    assert automatic(deployed, "target") == []  # system pods may land on "soft"
    # ...but AKS takes no taint at all on its default pool: the module creates its own.
    assert cluster_module_inputs(deployed, deployed.cluster("target"))["system_pool"] is None
