"""Demand and headroom of clusters (docs/architecture.md, "Disaster recovery"), against the test catalog."""

from __future__ import annotations

from fractions import Fraction

from infra import NodePool
from infra.catalog import Catalog, Offer
from infra.dr.assign import Demand, Headroom
from infra.dr.capacity import CapacityIndex, bucket_shape, cluster_demand, cluster_headroom
from tests.dr.conftest import MakeStack, h100


def test_demand_counts_desired_gpus_and_rdma_only_for_training(make_stack: MakeStack) -> None:
    stack = make_stack(
        [
            (
                "src",
                "aws",
                "us-east-1",
                [
                    h100(16, max_gpus=32, rdma=True),  # desired 16, not max
                    NodePool(name="serve", gpu="H100", gpus=8, rdma=True, workload="inference"),
                    NodePool(name="a10g", gpu="A10G", gpus=4, spot=True),
                    NodePool(name="idle", gpu="A10G", gpus=0, max_gpus=8),
                    NodePool(name="system", instance_type="m7i.2xlarge", nodes=2),
                ],
                {"H100": 64, "A10G": 16},
            )
        ]
    )
    assert cluster_demand(stack.clusters[0]) == (
        Demand("src", "A10G", False, 4, 4),  # one g5.12xlarge: 4 GPUs per node
        # inference: its rdma flag does not bind the failover, its shape does
        Demand("src", "H100", False, 8, 8),
        Demand("src", "H100", True, 16, 8),
    )


def test_headroom_is_capacity_minus_max_use_in_whole_nodes(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    stack = make_stack(
        [
            (
                "t",
                "aws",
                "us-east-1",
                [h100(8, max_gpus=16), NodePool(name="a", gpu="A10G", gpus=4)],
                # H100: 60 - 16 = 44 -> 40 (8 per p5 node); A10G: 30 - 4 = 26 -> 24 (a multiple
                # of both node sizes offered, 4 and 8); A100-40GB offered, nothing used.
                {"H100": 60, "A10G": 30, "A100-40GB": 8},
            )
        ]
    )
    rows = {b.headroom.gpu: b for b in cluster_headroom(stack.clusters[0], catalog)}
    assert rows["H100"].headroom == Headroom("t", "H100", 40, True, 8)
    # the largest node, g5.48xlarge, has EFA: RDMA and plain work of any shape share it
    assert rows["A10G"].headroom == Headroom("t", "A10G", 24, True, 8)
    assert rows["A10G"].step == 8
    assert rows["A100-40GB"].headroom == Headroom("t", "A100-40GB", 8, True, 8)


def test_gpu_not_offered_in_the_region_is_no_headroom(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    # The test catalog offers A10G only in us-east-1 and H100 in both AWS regions.
    stack = make_stack([("t", "aws", "us-west-2", [], {"A10G": 64, "H100": 8})])
    assert [b.headroom for b in cluster_headroom(stack.clusters[0], catalog)] == [
        Headroom("t", "H100", 8, True, 8)
    ]


def test_rdma_flag_follows_the_types_offered(make_stack: MakeStack, catalog: Catalog) -> None:
    # Azure eastus (test catalog): A100-80GB only as NC24ads (no InfiniBand); H100 as ND96isr.
    stack = make_stack([("t", "azure", "eastus", [], {"A100-80GB": 3, "H100": 16, "A10": 2})])
    rows = [b.headroom for b in cluster_headroom(stack.clusters[0], catalog)]
    assert rows == [
        Headroom("t", "A10", 2, False, 1),  # the 1/6-GPU size is not a whole-GPU type
        Headroom("t", "A100-80GB", 3, False, 1),
        Headroom("t", "H100", 16, True, 8),
    ]


def test_index_excludes_failed_targets_and_caches(make_stack: MakeStack, catalog: Catalog) -> None:
    stack = make_stack(
        [
            ("a", "aws", "us-east-1", [h100(8)], {"H100": 16}),
            ("b", "aws", "us-east-1", [], {"H100": 16}),
            ("c", "aws", "us-west-2", [], {"H100": 8}),
        ],
        {"a": ["b", "c"]},
    )
    index = CapacityIndex(stack, catalog)
    assert index.targets({"a"}) == ("b", "c")
    assert index.targets({"a", "b"}) == ("c",)
    alone = index.assignment({"a"})
    assert [(p.target, p.gpus) for p in alone.placements] == [("b", 8)]
    region = index.assignment(["b", "a"])
    assert [(p.target, p.gpus) for p in region.placements] == [("c", 8)]
    assert index.assignment({"a", "b"}) is region


def test_allow_shape_change_lets_go_of_node_size_and_rdma(
    make_stack: MakeStack, catalog: Catalog
) -> None:
    stack = make_stack(
        [
            ("src", "aws", "us-east-1", [h100(16, rdma=True)], {"H100": 16}),
            ("dst", "aws", "us-west-2", [], {"H100": 16}),
        ],
        {"src": ["dst"]},
        allow_shape_change=["H100"],
    )
    index_demand = CapacityIndex(stack, catalog).demand["src"]
    assert index_demand == (Demand("src", "H100", False, 16, 1),)
    # cluster_demand without the list keeps both
    assert cluster_demand(stack.clusters[0]) == (Demand("src", "H100", True, 16, 8),)


def _offer(gpus: int, rdma: str) -> Offer:
    return Offer("aws", f"t{gpus}{rdma}", "A10G", Fraction(gpus), 24, 8, 32, rdma, 0, "r", 1.0, 5)


def test_bucket_shape_prefers_rdma_when_the_largest_node_has_none() -> None:
    nested = [_offer(1, "none"), _offer(8, "efa")]
    assert bucket_shape(nested, nested[1:]) == (8, True)
    # (no shipped catalog row is like this) the 8-GPU node has no RDMA, the 4-GPU one has:
    # one type must carry whatever lands there, so the bucket offers nodes of 4 with RDMA
    odd = [_offer(8, "none"), _offer(4, "efa")]
    assert bucket_shape(odd, odd[1:]) == (4, True)
    assert bucket_shape(odd[:1], ()) == (8, False)
