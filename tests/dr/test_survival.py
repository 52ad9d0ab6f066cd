"""A plan counts only what survives the outage: data within the RPO on the targets, reachable
Terraform state, and a place for system pods (docs/architecture.md, "Disaster recovery").

Each case pairs a stack that infra before this check called feasible with its fix: the same
stack with the rendered (or declared) answer, which passes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from infra import Cluster, DisasterRecovery, NodePool, Stack
from infra.catalog import Catalog
from infra.dr.data import data_paths
from infra.dr.outages import parse_outage
from infra.dr.plan import FailoverPlan, plan_outage, shared_outages
from infra.dr.timing import TimingModel
from infra.resolve import ResolvedStack
from tests.conftest import TEST_CATALOG
from tests.dr.conftest import MakeStack, h100


def plan(stack: ResolvedStack, outage: str, catalog: Catalog, timing: TimingModel) -> FailoverPlan:
    return plan_outage(stack, parse_outage(stack, outage), catalog, timing)


def cross_cloud(make_stack: MakeStack, **fields: object) -> ResolvedStack:
    """Azure H100 training failing over to AWS: no cloud replicates into another. The stack-wide
    state lives with the target (a cloud with one region has nowhere to replicate it)."""
    fields.setdefault("state_region", "aws:us-east-1")
    return make_stack(
        [
            ("train", "azure", "eastus", [h100(64, rdma=True)], {"H100": 64}),
            ("aws", "aws", "us-east-1", [], {"H100": 128}),
        ],
        {"train": ["aws"]},
        **fields,
    )


# -- data ---------------------------------------------------------------------------------


def test_cross_cloud_pair_gets_a_sync_job_whose_lag_is_checked_against_the_rpo(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    # Before: "feasible, RPO met" with nothing copying Azure's checkpoints to AWS. Now the pair
    # has the target's sync job, at most two intervals behind: a 10-minute interval cannot meet
    # an RPO of 15 minutes, the default 5-minute one can.
    slow = plan(
        cross_cloud(make_stack, rpo=15, sync_interval_minutes=10), "azure:eastus", catalog, timing
    )
    (path,) = slow.data
    assert (path.source, path.target, path.kind) == ("train", "aws", "sync")
    assert (path.interval_minutes, path.lag_minutes, path.metric) == (10, 20, None)
    assert not slow.feasible
    assert slow.problems() == (
        "data: train -> aws may lag 20 min (one 10-min interval until the next run, plus its "
        "time budget of under one interval to start every transfer (dr.sync_interval_minutes)), "
        "over the RPO of 15 min",
    )
    result = plan(cross_cloud(make_stack, rpo=15), "azure:eastus", catalog, timing)
    assert result.feasible, result.problems()
    assert result.warnings() == ()
    (path,) = result.data
    assert (path.mechanism, path.lag_minutes) == (
        "sync job checkpoint-sync-train in aws (rclone copy every 5 min)",
        10,
    )
    assert "kube_cronjob_status_last_successful_time" in path.metric_note  # no cloud metric
    check = next(s for s in result.steps if s.id == "check-replication-train")
    assert "s3api list-objects-v2" in check.commands[0]  # the target's own store is read
    traffic = next(s for s in result.steps if s.id == "traffic-train")
    assert "check-replication-train" in traffic.depends_on  # data checked before traffic moves


def test_replication_lag_over_the_rpo_is_infeasible_and_named(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    tight = plan(two_regions(make_stack, rpo=10), "aws:us-east-1", catalog, timing)
    assert not tight.feasible
    assert tight.problems() == (
        "data: east -> west may lag 15 min (S3 RTC: 99.99% of objects within 15 min), over the "
        "RPO of 10 min",
    )
    met = plan(two_regions(make_stack, rpo=15), "aws:us-east-1", catalog, timing)
    assert met.feasible, met.problems()
    assert met.data[0].mechanism == "S3 replication with Replication Time Control"


def test_stateless_cluster_opts_out_explicitly(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    # An RPO the replication cannot meet: only the explicit opt-out makes the outage feasible.
    strict = plan(two_regions(make_stack, rpo=10), "aws:us-east-1", catalog, timing)
    assert not strict.feasible and strict.data_problems
    stateless = plan(
        two_regions(make_stack, rpo=10, stateless=("east",)), "aws:us-east-1", catalog, timing
    )
    assert stateless.feasible, stateless.problems()
    assert [d.kind for d in stateless.data] == ["none"]
    assert not any(s.id.startswith("check-replication-") for s in stateless.steps)
    traffic = next(s for s in stateless.steps if s.id == "traffic-east")
    assert "check-replication-east" not in traffic.depends_on


def test_same_cloud_pair_uses_native_replication_with_its_documented_bound(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    def stack(rpo: int) -> ResolvedStack:
        return make_stack(
            [
                ("east", "aws", "us-east-1", [h100(16)], {"H100": 16}),
                ("west", "aws", "us-west-2", [], {"H100": 16}),
                ("az", "azure", "eastus", [], {"H100": 16}),
            ],
            {"east": ["west", "az"]},
            rpo=rpo,
        )

    paths = {p.target: p for p in data_paths(stack(15), timing)}
    assert paths["west"].kind == "replication"  # the first same-cloud target in another region
    assert paths["west"].lag_minutes == 15  # S3 RTC, which modules/dr-aws enables at RPO <= 15
    assert paths["west"].metric == "AWS/S3 ReplicationLatency"
    assert paths["az"].kind == "sync"  # another cloud: the sync job

    # Without RTC (RPO over 15 minutes) S3 documents no bound: a warning, not a verdict.
    relaxed = plan(stack(60), "aws:us-east-1", catalog, timing)
    assert relaxed.feasible
    assert relaxed.warnings() == (
        "data: east -> west has no lag bound (S3 replication without Replication Time Control "
        "(modules/dr-aws enables it only for an RPO of 15 min or less) documents no time bound)",
    )


def test_data_paths_cover_every_target_work_lands_on(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    # 96 GPUs: 64 fit on the first target, the rest lands on the second; both need data.
    stack = make_stack(
        [
            ("train", "aws", "us-east-1", [h100(96)], {"H100": 96}),
            ("west", "aws", "us-west-2", [], {"H100": 64}),
            ("az", "azure", "eastus", [], {"H100": 64}),
        ],
        {"train": ["west", "az"]},
    )
    result = plan(stack, "aws:us-east-1", catalog, timing)
    assert {p.target for p in result.placements} == {"west", "az"}
    assert [(d.target, d.kind) for d in result.data] == [("west", "replication"), ("az", "sync")]


# -- one outage, every stack ------------------------------------------------------------------


def test_one_outage_is_reported_across_stacks(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    first = make_stack(
        [
            ("a", "aws", "us-east-1", [h100(32)], {"H100": 32}),
            ("b", "aws", "us-west-2", [], {"H100": 64}),
        ],
        {"a": ["b"]},
        name="first",
    )
    second = make_stack(
        [
            ("c", "aws", "us-east-1", [h100(16)], {"H100": 16}),
            ("d", "aws", "us-west-2", [], {"H100": 64}),
        ],
        {"c": ["d"]},
        name="second",
    )
    plans = [plan(s, "aws:us-east-1", catalog, timing) for s in (first, second)]
    regions = {(s.name, c.name): (c.cloud, c.region) for s in (first, second) for c in s.clusters}
    (outage,) = shared_outages(plans, regions)
    assert outage.id == "aws:us-east-1" and outage.feasible
    assert [p.stack for p in outage.plans] == ["first", "second"]
    assert outage.placed == (("aws", "us-west-2", "H100", 48),)
    assert outage.stacks_by_target[("aws", "us-west-2", "H100")] == ("first", "second")


# -- state --------------------------------------------------------------------------------


def two_regions(make_stack: MakeStack, **fields: object) -> ResolvedStack:
    return make_stack(
        [
            ("east", "aws", "us-east-1", [h100(16)], {"H100": 16}),
            ("west", "aws", "us-west-2", [], {"H100": 16}),
        ],
        {"east": ["west"]},
        **fields,
    )


def to_azure(make_stack: MakeStack, **fields: object) -> ResolvedStack:
    """The only AWS region fails over to Azure: its state cloud has no second region."""
    return make_stack(
        [
            ("east", "aws", "us-east-1", [h100(16)], {"H100": 16}),
            ("az", "azure", "eastus", [], {"H100": 16}),
        ],
        {"east": ["az"]},
        **fields,
    )


def test_dr_state_in_the_failed_region_is_a_problem(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    # The default: the stack-wide roots keep their state in the first cluster's region, and
    # AWS holds no other region of this stack to replicate it to.
    result = plan(to_azure(make_stack), "aws:us-east-1", catalog, timing)
    assert not result.feasible
    assert result.unreachable_state == (
        "state: root _dr keeps its state only in AWS us-east-1, which this outage takes down "
        "(set dr.state_region or dr.state_replica_region to another region)",
    )
    # The target's own root keeps its state in its own region: readable, and read first.
    step = next(s for s in result.steps if s.id == "check-state")
    (read,) = step.commands
    assert "s/az.tfstate" in read


def test_dr_state_elsewhere_or_replicated_passes(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel
) -> None:
    moved = plan(
        to_azure(make_stack, state_region="azure:eastus"), "aws:us-east-1", catalog, timing
    )
    assert moved.feasible, moved.problems()
    # A second region of the state cloud: the stack-wide state is replicated there by default.
    replicated = plan(two_regions(make_stack), "aws:us-east-1", catalog, timing)
    assert replicated.feasible, replicated.problems()
    step = replicated.steps[0]
    assert step.id == "check-state" and step.phase == 1
    (dr_read,) = [c for c in step.commands if "s/_dr.tfstate" in c]
    assert "us-west-2" in dr_read and "the replica: switch backend first" in dr_read
    traffic = next(s for s in replicated.steps if s.id == "traffic-east")
    assert "check-state" in traffic.depends_on
    # A whole-cloud outage takes the replica too.
    both = two_regions(make_stack)
    cloud = plan(both, "aws", catalog, timing)
    assert any("whole-cloud outage" in line for line in cloud.unreachable_state) or not cloud.steps
    # A single-cluster outage leaves its region up: nothing unreachable.
    alone = plan(both, "east", catalog, timing)
    assert not alone.unreachable_state


# -- system pods ------------------------------------------------------------------------------


def test_target_without_a_system_pool_is_fixed_by_the_rendered_one_or_named(
    make_stack: MakeStack, catalog: Catalog, timing: TimingModel, tmp_path: Path
) -> None:
    from infra.dr.standby import with_standby
    from infra.validate import validate_stacks

    tainted = NodePool(name="gpu", gpu="H100", gpus=8, taints=["nvidia.com/gpu=present:NoSchedule"])
    stack = make_stack(
        [
            ("east", "aws", "us-east-1", [h100(16)], {"H100": 16}),
            ("west", "aws", "us-west-2", [tainted], {"H100": 32}),
        ],
        {"east": ["west"]},
    )
    # The render gives the target an untainted system pool: the plan counts it and passes.
    result = plan(stack, "aws:us-east-1", catalog, timing)
    assert result.feasible and not result.no_system_pool, result.problems()
    system = [p for p in with_standby(stack, catalog).cluster("west").pools if p.gpu is None]
    assert [(p.min_nodes, p.taints) for p in system] == [(2, ())]
    verify = next(s for s in result.steps if s.id == "verify-east")
    assert any("rollout status deployment/coredns" in c for c in verify.commands)

    # Where the catalog has no type for one, the outage is infeasible and says why.
    shutil.copytree(TEST_CATALOG, tmp_path / "catalog")
    aws = tmp_path / "catalog" / "aws.csv"
    aws.write_text(
        "".join(
            line
            for line in aws.read_text().splitlines(keepends=True)
            if not line.startswith("m7i.2xlarge,") or "us-west-2" not in line
        )
    )
    bare = Catalog.from_directory(tmp_path / "catalog")
    resolved, problems = validate_stacks([("stacks/s.py", _unresolved(stack))], bare)
    assert problems == []
    infeasible = plan(resolved[0], "aws:us-east-1", bare, timing)
    (line,) = infeasible.no_system_pool
    assert line.startswith("no schedulable system pool on west:") and "us-west-2" in line
    assert not infeasible.feasible


def _unresolved(stack: ResolvedStack) -> Stack:
    """The user's definition of the two-cluster stack above (rebuilt, for another catalog)."""
    tainted = NodePool(name="gpu", gpu="H100", gpus=8, taints=["nvidia.com/gpu=present:NoSchedule"])
    return Stack(
        name=stack.name,
        owner=stack.owner,
        environment=stack.environment,
        clusters=[
            Cluster(name="east", cloud="aws", region="us-east-1", cidr="10.1.0.0/16",
                    pools=[h100(16)], gpu_capacity={"H100": 16}),
            Cluster(name="west", cloud="aws", region="us-west-2", cidr="10.2.0.0/16",
                    pools=[tainted], gpu_capacity={"H100": 32}),
        ],
        dr=DisasterRecovery(rpo_minutes=15, rto_minutes=60, failover={"east": ["west"]}),
    )  # fmt: skip
