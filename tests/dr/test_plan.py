"""Failover plans: placement, steps, critical path and feasibility (docs/architecture.md, "Disaster recovery").

Step durations come from the fixed test timing model (conftest.TIMING_CSV): scale 1 min,
nodes ready = catalog boot + 1 min, traffic 2 min, replication check 2 min, verify 5 min.
"""

from __future__ import annotations

from infra import NodePool
from infra.catalog import Catalog
from infra.dr.assign import Placement, Shortfall
from infra.dr.outages import parse_outage
from infra.dr.plan import FailoverPlan, check_stack, plan_outage
from infra.dr.timing import TimingModel
from infra.resolve import ResolvedStack
from tests.dr.conftest import MakeStack, h100


def plan(stack: ResolvedStack, outage: str, catalog: Catalog, timing: TimingModel) -> FailoverPlan:
    return plan_outage(stack, parse_outage(stack, outage), catalog, timing)


def simple(make_stack: MakeStack, capacity: int = 64, **dr: object) -> ResolvedStack:
    return make_stack(
        [
            ("train", "aws", "us-east-1", [h100(16, rdma=True)], {"H100": 16}),
            ("standby", "aws", "us-west-2", [], {"H100": capacity}),
        ],
        {"train": ["standby"]},
        **dr,
    )


def test_feasible_plan_steps_and_critical_path(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    result = plan(simple(make_stack), "aws:us-east-1", catalog, timing)
    assert result.feasible and not result.problems()
    assert result.placements == (
        Placement("train", "H100", True, "standby", "H100", 16, node_gpus=8),
    )
    steps = {s.id: s for s in result.steps}
    assert [s.id for s in result.steps] == [
        "check-state",
        "check-replication-train",
        "scale-standby",
        "wait-standby",
        "traffic-train",
        "verify-train",
    ]
    assert [s.phase for s in result.steps] == [1, 1, 2, 3, 4, 5]
    # p5.48xlarge boots in 15 min (test catalog) + 1 min GPU readiness.
    assert [(s.start, s.minutes) for s in result.steps] == [
        (0, 2),
        (0, 2),
        (0, 1),
        (1, 16),
        (17, 2),
        (19, 5),
    ]
    assert steps["traffic-train"].depends_on == (
        "check-state",
        "check-replication-train",
        "wait-standby",
    )
    assert result.critical_path == (
        "scale-standby",
        "wait-standby",
        "traffic-train",
        "verify-train",
    )
    assert result.estimated_rto_minutes == 24
    assert not steps["check-replication-train"].critical
    scale = steps["scale-standby"]
    assert scale.commands == (
        "aws eks update-nodegroup-config --region us-west-2 --cluster-name s-standby "
        "--nodegroup-name s-standby-standby-h100 --scaling-config minSize=2,maxSize=2,desiredSize=2",
    )
    assert scale.rollback_commands == (
        "aws eks update-nodegroup-config --region us-west-2 --cluster-name s-standby "
        "--nodegroup-name s-standby-standby-h100 --scaling-config minSize=0,maxSize=2,desiredSize=0",
    )
    assert all(s.action and s.verify and s.rollback for s in result.steps)
    lookup, invert, status = steps["traffic-train"].commands
    # The health check id is found from the failover record that uses it, then inverted.
    assert lookup.startswith("HC=$(aws route53 list-resource-record-sets --hosted-zone-id ")
    assert "SetIdentifier=='train-0-primary'" in lookup
    assert invert.startswith('aws route53 update-health-check --health-check-id "$HC" --inverted')
    assert "to standby" in invert
    assert status == 'aws route53 get-health-check-status --health-check-id "$HC"'


def test_shortfall_makes_the_outage_infeasible(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    result = plan(simple(make_stack, capacity=8), "aws:us-east-1", catalog, timing)
    assert result.shortfalls == (Shortfall("train", "H100", True, 8, node_gpus=8),)
    assert not result.feasible
    assert result.problems() == (
        "shortfall: train needs 8 more H100 GPUs on nodes of at least 8 GPUs with RDMA",
    )


def test_rto_exceeded_is_infeasible(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    result = plan(simple(make_stack, rto=20), "aws:us-east-1", catalog, timing)
    assert not result.shortfalls
    assert (result.estimated_rto_minutes, result.within_rto, result.feasible) == (24, False, False)
    assert result.problems() == ("estimated RTO 24 min exceeds the target 20 min",)


def test_substitution_only_when_allowed(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    clusters = [
        ("train", "aws", "us-east-1", [h100(16)], {"H100": 16}),
        ("standby", "aws", "us-west-2", [], {"H200": 16}),
    ]
    without = plan(make_stack(clusters, {"train": ["standby"]}), "train", catalog, timing)
    assert without.shortfalls == (Shortfall("train", "H100", False, 16, node_gpus=8),)
    allowed = make_stack(clusters, {"train": ["standby"]}, substitution={"H100": ["H200"]})
    result = plan(allowed, "train", catalog, timing)
    assert result.feasible
    assert result.placements == (
        Placement("train", "H100", False, "standby", "H200", 16, node_gpus=8),
    )
    assert [s.pool for s in result.standby] == ["standby-h200"]


def test_clusters_of_one_region_compete_and_the_planner_is_exact(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    # a prefers t1, which b needs; a greedy pass in stack order would strand b.
    stack = make_stack(
        [
            ("a", "aws", "us-east-1", [h100(8)], {"H100": 8}),
            ("b", "aws", "us-east-1", [h100(8)], {"H100": 8}),
            ("t1", "aws", "us-west-2", [], {"H100": 8}),
            ("t2", "azure", "eastus", [], {"H100": 8}),
        ],
        {"a": ["t1", "t2"], "b": ["t1"]},
    )
    result = plan(stack, "aws:us-east-1", catalog, timing)
    assert result.feasible
    assert result.placements == (
        Placement("a", "H100", False, "t2", "H100", 8, node_gpus=8),
        Placement("b", "H100", False, "t1", "H100", 8, node_gpus=8),
    )
    # headroom is shared, never counted twice: one more GPU of demand would fall short
    assert sum(h.gpus for h in result.headroom) == 16


def test_cross_cloud_failover_uses_each_clouds_commands(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = make_stack(
        [
            (
                "ali",
                "alicloud",
                "cn-beijing",
                [NodePool(name="a10", gpu="A10", gpus=2, workload="inference")],
                {"A10": 2},
            ),
            ("az", "azure", "eastus", [], {"A10": 4}),
        ],
        {"ali": ["az"]},
        state_region="azure:eastus",  # the stack-wide state survives the loss of cn-beijing
    )
    result = plan(stack, "alicloud:cn-beijing", catalog, timing)
    assert result.feasible
    steps = {s.id: s for s in result.steps}
    assert steps["scale-az"].commands == (
        "az aks nodepool update --resource-group s-az-rg --cluster-name s-az --name sba10 "
        "--update-cluster-autoscaler --min-count 2 --max-count 2",
    )
    assert (
        steps["traffic-ali"]
        .commands[0]
        .startswith(
            "aliyun alidns SetDnsGtmAccessMode --StrategyId <gtm-strategy-id-of-s-ali> --AccessMode FAILOVER"
        )
    )
    assert "--AccessMode AUTO" in steps["traffic-ali"].rollback_commands[0]
    # the replica checked is the one next to the target, in the target's cloud
    assert steps["check-replication-ali"].commands[0].startswith("az storage blob list")
    # NV36ads_A10_v5 boots in 10 min (test catalog) + 1 min
    assert steps["wait-az"].minutes == 11


def test_rdma_demand_is_refused_by_a_target_without_rdma(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = make_stack(
        [
            (
                "ali",
                "alicloud",
                "cn-beijing",
                [NodePool(name="a100", gpu="A100-80GB", gpus=8, rdma=True)],
                {"A100-80GB": 8},
            ),
            ("az", "azure", "eastus", [], {"A100-80GB": 16}),  # NC24ads: no InfiniBand
        ],
        {"ali": ["az"]},
    )
    result = plan(stack, "ali", catalog, timing)
    assert result.headroom[0].gpus == 16 and not result.headroom[0].rdma
    assert result.shortfalls == (Shortfall("ali", "A100-80GB", True, 8, node_gpus=8),)


def test_gpu_not_offered_in_target_region_falls_short(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = make_stack(
        [
            ("src", "aws", "us-east-1", [NodePool(name="a", gpu="A10G", gpus=8)], {"A10G": 8}),
            ("dst", "aws", "us-west-2", [], {"A10G": 64}),  # no A10G type in us-west-2
        ],
        {"src": ["dst"]},
    )
    result = plan(stack, "aws:us-east-1", catalog, timing)
    assert result.headroom == ()
    assert result.shortfalls == (Shortfall("src", "A10G", False, 8, node_gpus=8),)


def test_stranded_when_every_target_fails_too(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = make_stack(
        [
            ("a", "aws", "us-east-1", [h100(8)], {"H100": 8}),
            ("b", "aws", "us-east-1", [], {"H100": 8}),
        ],
        {"a": ["b"]},
    )
    region = plan(stack, "aws:us-east-1", catalog, timing)
    assert region.stranded == ("a",) and not region.feasible
    assert "stranded: every failover target of a fails too" in region.problems()
    assert region.steps == ()
    alone = plan(stack, "a", catalog, timing)
    assert alone.feasible and alone.placements[0].target == "b"


def test_whole_cloud_outage_reports_missing_standby(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = make_stack(
        [
            ("a", "aws", "us-east-1", [h100(8)], {"H100": 8}),
            ("b", "aws", "us-west-2", [], {"H100": 8}),
            ("c", "azure", "eastus", [], {"H100": 8}),
        ],
        {"a": ["b", "c"]},
    )
    # Region and cluster outages only ever use b, so no standby pool is rendered on c.
    result = plan(stack, "aws", catalog, timing)
    assert result.placements[0].target == "c"
    assert [(m.target, m.gpu, m.gpus) for m in result.missing_standby] == [("c", "H100", 8)]
    assert not result.feasible
    assert not any(s.id.startswith("scale-") for s in result.steps)


def test_running_standby_needs_no_scale_step(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    result = plan(simple(make_stack, strategy="active-active"), "train", catalog, timing)
    assert [s.id for s in result.steps] == [
        "check-state",
        "check-replication-train",
        "traffic-train",
        "verify-train",
    ]
    assert result.estimated_rto_minutes == 2 + 2 + 5
    assert result.standby[0].running_nodes == 2


def test_warm_standby_scales_beyond_the_warm_nodes(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    result = plan(simple(make_stack, strategy="warm-standby"), "train", catalog, timing)
    scale = next(s for s in result.steps if s.id == "scale-standby")
    assert "minSize=2,maxSize=2,desiredSize=2" in scale.commands[0]
    assert "minSize=1,maxSize=2,desiredSize=1" in scale.rollback_commands[0]


def test_unprotected_cluster_warns_and_fails_only_with_strict(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = make_stack(
        [
            ("train", "aws", "us-east-1", [h100(8)], {"H100": 8}),
            ("other", "aws", "us-east-1", [h100(8)], {"H100": 8}),
            ("standby", "aws", "us-west-2", [], {"H100": 8}),
        ],
        {"train": ["standby"]},
    )
    relaxed = check_stack(stack, catalog, timing=timing)
    assert relaxed.unprotected == ("other", "standby")
    assert relaxed.ok
    region = relaxed.plans[0]
    assert region.unprotected == ("other",)
    assert [d.cluster for d in region.demand] == ["train"]  # unprotected demand is not placed
    assert not check_stack(stack, catalog, strict=True, timing=timing).ok


def test_stack_without_dr_has_nothing_to_place(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = make_stack([("only", "aws", "us-east-1", [h100(8)], {"H100": 8})])
    check = check_stack(stack, catalog, timing=timing)
    assert check.ok and check.unprotected == ("only",)
    assert check.plans[0].steps == () and check.plans[0].rto_minutes is None


def test_plans_are_deterministic(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    stack = simple(make_stack)
    assert plan(stack, "aws:us-east-1", catalog, timing) == plan(
        stack, "aws:us-east-1", catalog, timing
    )
