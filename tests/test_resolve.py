from __future__ import annotations

from infra import Cluster, DisasterRecovery, NodePool, Stack
from infra.catalog import Catalog
from infra.resolve import ResolvedStack, choose_gpu_offer
from infra.validate import validate_stacks


def resolve_one(
    catalog: Catalog, *pools: NodePool, cloud: str = "aws", region: str = "us-east-1"
) -> ResolvedStack:
    stack = Stack(
        name="s",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(name="c", cloud=cloud, region=region, cidr="10.0.0.0/16", pools=list(pools))
        ],
    )
    resolved, problems = validate_stacks([("stacks/s.py", stack)], catalog)
    assert problems == []
    return resolved[0]


def test_fewest_nodes_wins(catalog: Catalog) -> None:
    stack = resolve_one(catalog, NodePool(name="a", gpu="A10G", gpus=16))
    pool = stack.clusters[0].pools[0]
    assert (pool.instance_type, pool.desired_nodes) == ("g5.48xlarge", 2)


def test_divisibility_decides_the_type(catalog: Catalog) -> None:
    stack = resolve_one(catalog, NodePool(name="a", gpu="A10G", gpus=12))
    pool = stack.clusters[0].pools[0]
    assert (pool.instance_type, pool.desired_nodes) == ("g5.12xlarge", 3)


def test_rdma_picks_an_rdma_type(catalog: Catalog) -> None:
    pool = (
        resolve_one(catalog, NodePool(name="a", gpu="A10G", gpus=8, rdma=True)).clusters[0].pools[0]
    )
    assert pool.instance_type == "g5.48xlarge" and pool.rdma


def test_cheapest_among_equal_node_counts(catalog: Catalog) -> None:
    offers = catalog.gpu_offers("aws", "us-east-1", "A10G")
    cheap = min(offers, key=lambda o: o.price_usd_hour or 0)
    best, _ = choose_gpu_offer([*offers, cheap], (4,))
    assert best is not None and best.instance_type == "g5.12xlarge"


def test_bounds_become_node_counts(catalog: Catalog) -> None:
    pool = (
        resolve_one(catalog, NodePool(name="a", gpu="H100", gpus=16, min_gpus=8, max_gpus=64))
        .clusters[0]
        .pools[0]
    )
    assert (pool.min_nodes, pool.desired_nodes, pool.max_nodes) == (1, 2, 8)
    assert (pool.gpus, pool.max_gpus) == (16, 64)


def test_pinned_type_is_respected(catalog: Catalog) -> None:
    pool = (
        resolve_one(catalog, NodePool(name="a", gpu="A10G", gpus=8, instance_type="g5.12xlarge"))
        .clusters[0]
        .pools[0]
    )
    assert (pool.instance_type, pool.desired_nodes) == ("g5.12xlarge", 2)


def test_plain_pool_and_partial_gpu_type(catalog: Catalog) -> None:
    stack = resolve_one(
        catalog,
        NodePool(name="sys", instance_type="Standard_D4s_v5", nodes=3),
        NodePool(name="viz", instance_type="Standard_NV6ads_A10_v5", nodes=6),
        cloud="azure",
        region="eastus",
    )
    system, viz = stack.clusters[0].pools
    assert (system.gpu, system.desired_nodes, system.gpus) == (None, 3, 0)
    assert (viz.gpu, viz.gpus) == ("A10", 1)  # six sixths of a GPU


def test_defaults_for_zones_and_kubernetes(catalog: Catalog) -> None:
    cluster = resolve_one(catalog, NodePool(name="a", gpu="H100", gpus=8)).clusters[0]
    assert cluster.zones == ("us-east-1a", "us-east-1b", "us-east-1c")
    assert cluster.kubernetes_version == "1.33"


def test_taints_are_parsed(catalog: Catalog) -> None:
    pool = (
        resolve_one(
            catalog,
            NodePool(
                name="a",
                gpu="H100",
                gpus=8,
                taints=["nvidia.com/gpu=present:NoSchedule", "dedicated:NoExecute"],
            ),
        )
        .clusters[0]
        .pools[0]
    )
    assert [str(t) for t in pool.taints] == [
        "nvidia.com/gpu=present:NoSchedule",
        "dedicated:NoExecute",
    ]


def test_valid_dr_passes(catalog: Catalog) -> None:
    stack = Stack(
        name="s",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="a",
                cloud="aws",
                region="us-east-1",
                cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
                gpu_capacity={"H100": 16},
            ),
            Cluster(
                name="b",
                cloud="aws",
                region="us-west-2",
                cidr="10.1.0.0/16",
                gpu_capacity={"H100": 16, "H200": 8},
            ),
        ],
        dr=DisasterRecovery(
            rpo_minutes=15,
            rto_minutes=60,
            failover={"a": ["b"]},
            allow_gpu_substitution={"H100": ["H200"]},
        ),
    )
    resolved, problems = validate_stacks([("stacks/s.py", stack)], catalog)
    assert problems == []
    assert resolved[0].cluster("a").gpus_in_use() == {"H100": 8}
