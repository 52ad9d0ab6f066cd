"""Failover plans: what to do, in which order and how long it takes, when an outage hits.

A plan (docs/architecture.md, "Disaster recovery") places the failed clusters' demand with the exact assignment of
:mod:`infra.dr.assign`, then orders the work as a dependency graph of steps:

1. ``check-replication-<cluster>``: the newest replicated checkpoint is within the RPO;
2. ``scale-<target>``: the target's standby pools are scaled up (targets in parallel);
3. ``wait-<target>``: their nodes are Ready with GPUs allocatable;
4. ``traffic-<cluster>``: DNS moves the failed cluster's traffic to its targets, weighted by the
   GPUs each took;
5. ``verify-<cluster>``: the workloads run and answer on the targets.

Scaling does not wait for the replication check: it is the slow part, it is undone by scaling
back, and starting it at once is what keeps the RTO short. Moving traffic is the commitment, so it
waits for both the check and the nodes. The estimated RTO is the longest path through the graph
(the critical path), with step durations from the timing model (:mod:`infra.dr.timing`) and the
catalog's boot times. A plan is feasible when nothing falls short and the estimate is within
``rto_minutes``.

:class:`FailoverPlanner` indexes a stack once, so :func:`check_stack` plans every outage of a stack of
hundreds of clusters without quadratic work.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass

from infra.access import cluster_admins, credentials_commands
from infra.catalog import Catalog
from infra.clouds import CLOUDS
from infra.dr.assign import Demand, Headroom, Placement, Shortfall
from infra.dr.capacity import BucketKey, CapacityIndex
from infra.dr.data import DataPath, data_path
from infra.dr.outages import Outage, all_outages
from infra.dr.standby import STANDBY_LABEL, standby_by_bucket, system_pool_problem
from infra.dr.timing import TimingModel, default_timing, minutes
from infra.resolve import ResolvedPool, ResolvedStack
from infra.state import StateLocation, state_locations

__all__ = [
    "PHASES",
    "STATE_STEP",
    "ClusterAccess",
    "FailoverPlan",
    "FailoverPlanner",
    "MissingStandby",
    "SharedOutage",
    "StackCheck",
    "StandbyScale",
    "Step",
    "check_stack",
    "plan_outage",
    "shared_outages",
]

PHASES: Mapping[int, str] = {
    1: "check the Terraform state and the data on the targets",
    2: "scale standby pools",
    3: "wait for nodes ready",
    4: "move traffic",
    5: "verify",
}


# The runbook's first step: the state of every root that must act is readable.
STATE_STEP = "check-state"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a plan: what it does, the calls that do it, how to check and undo it."""

    id: str
    phase: int  # 1-5, see PHASES
    title: str
    cluster: str  # the cluster acted on: the failed cluster (1, 4, 5) or the target (2, 3)
    cloud: str
    region: str
    action: str
    commands: tuple[str, ...]
    verify: str  # how to tell it worked
    verify_commands: tuple[str, ...]
    rollback: str  # how to undo it
    rollback_commands: tuple[str, ...]
    minutes: int  # estimated duration
    depends_on: tuple[str, ...]
    start: int  # earliest start, minutes after the plan starts
    critical: bool  # on the critical path

    @property
    def finish(self) -> int:
        """Earliest finish, minutes after the plan starts."""
        return self.start + self.minutes


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    """How the on-call engineer gets the ``kubectl --context <context>`` the steps use on one
    cluster, and who may (``Cluster.admins``; infra.access has the commands' sources)."""

    cluster: str
    cloud: str
    context: str  # the cluster's resource name, the context the steps name
    commands: tuple[str, ...]
    admins: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StandbyScale:
    """A standby pool a plan scales: how many GPUs land there and the node counts."""

    target: str
    gpu: str
    pool: str
    instance_type: str
    gpus: int  # placed by this plan
    nodes: int  # nodes that carry them
    running_nodes: int  # nodes the pool runs before the failover (its desired size)
    min_nodes: int  # the pool's rendered bounds, restored by the rollback
    max_nodes: int


@dataclass(frozen=True, slots=True)
class MissingStandby:
    """GPUs placed on a target where no standby pool is rendered for that GPU model (standby
    pools are sized for region and single-cluster outages; a whole-cloud outage may need more)."""

    target: str
    gpu: str
    gpus: int


@dataclass(frozen=True)
class FailoverPlan:
    """The failover plan for one outage of one stack."""

    stack: str
    outage: Outage
    strategy: str | None
    rpo_minutes: int | None
    rto_minutes: int | None
    unprotected: tuple[str, ...]  # failed clusters without a failover entry
    stranded: tuple[str, ...]  # protected failed clusters whose every target failed too
    demand: tuple[Demand, ...]
    headroom: tuple[Headroom, ...]  # of the surviving targets
    placements: tuple[Placement, ...]
    shortfalls: tuple[Shortfall, ...]
    missing_standby: tuple[MissingStandby, ...]
    standby: tuple[StandbyScale, ...]
    steps: tuple[Step, ...]
    critical_path: tuple[str, ...]  # step ids, first to last
    estimated_rto_minutes: int
    # How each failed cluster's checkpoints reach the targets its work lands on.
    data: tuple[DataPath, ...] = ()
    # Roots that must act in this outage whose state would be unreachable, one line each.
    unreachable_state: tuple[str, ...] = ()
    # Targets receiving work with nowhere to run system pods, one line each.
    no_system_pool: tuple[str, ...] = ()
    # False when the whole-node placement search stopped at its limit (infra/dr/assign.py).
    exact: bool = True
    # Credentials for every cluster the steps run kubectl against, by context name.
    access: tuple[ClusterAccess, ...] = ()

    @property
    def data_problems(self) -> tuple[str, ...]:
        """Data paths whose lag exceeds the RPO."""
        return tuple(line for d in self.data if (line := d.problem(self.rpo_minutes)) is not None)

    def warnings(self) -> tuple[str, ...]:
        """What the plan cannot promise but does not make it infeasible."""
        lines = [line for d in self.data if (line := d.warning()) is not None]
        if not self.exact:
            lines.append(
                "placement: the whole-node search stopped at its limit; a placement with less "
                "shortfall may exist"
            )
        return tuple(lines)

    @property
    def within_rto(self) -> bool:
        """The estimate meets ``rto_minutes`` (true when the stack sets no RTO)."""
        return self.rto_minutes is None or self.estimated_rto_minutes <= self.rto_minutes

    @property
    def feasible(self) -> bool:
        """All demand placed on prepared standby pools, traffic can move, RTO met."""
        return (
            not self.shortfalls
            and not self.stranded
            and not self.missing_standby
            and self.within_rto
            and not self.data_problems
            and not self.unreachable_state
            and not self.no_system_pool
        )

    def problems(self) -> tuple[str, ...]:
        """Why the plan is infeasible, one line each (empty when feasible)."""
        lines = [f"shortfall: {s.cluster} needs {s.gpus} more {_shape(s)}" for s in self.shortfalls]
        lines += [f"stranded: every failover target of {c} fails too" for c in self.stranded]
        lines += [
            f"no standby pool for {m.gpu} on {m.target} ({m.gpus} GPUs placed there; "
            "standby pools are sized for region and single-cluster outages)"
            for m in self.missing_standby
        ]
        if not self.within_rto:
            lines.append(
                f"estimated RTO {self.estimated_rto_minutes} min exceeds the target "
                f"{self.rto_minutes} min"
            )
        lines += self.data_problems
        lines += self.unreachable_state
        lines += self.no_system_pool
        return tuple(lines)


def _shape(shortfall: Shortfall) -> str:
    """``H100 GPUs on nodes of at least 8 GPUs with RDMA``: what is missing, shape included."""
    node_gpus = getattr(shortfall, "node_gpus", 0)
    shape = f" on nodes of at least {node_gpus} GPUs" if node_gpus > 1 else ""
    return f"{shortfall.gpu} GPUs{shape}" + (" with RDMA" if shortfall.rdma else "")


@dataclass(frozen=True)
class StackCheck:
    """Every outage of one stack checked: plans, and clusters without failover."""

    stack: str
    scope: str
    strict: bool
    plans: tuple[FailoverPlan, ...]
    unprotected: tuple[str, ...]  # clusters of the stack without a failover entry

    @property
    def ok(self) -> bool:
        """Every plan feasible and, with ``strict``, every cluster protected."""
        return all(p.feasible for p in self.plans) and not (self.strict and self.unprotected)


def plan_outage(
    stack: ResolvedStack, outage: Outage, catalog: Catalog, timing: TimingModel | None = None
) -> FailoverPlan:
    """The failover plan for ``outage`` (see :mod:`infra.dr.outages` to name one)."""
    return FailoverPlanner(stack, catalog, timing or default_timing()).plan(outage)


def check_stack(
    stack: ResolvedStack,
    catalog: Catalog,
    scope: str = "region",
    strict: bool = False,
    timing: TimingModel | None = None,
) -> StackCheck:
    """Plan every outage of ``stack`` in ``scope`` (``region``, or ``cloud`` for region and
    whole-cloud outages)."""
    outages = all_outages(stack, scope)
    planner = FailoverPlanner(stack, catalog, timing or default_timing())
    failover = stack.dr.failover if stack.dr else {}
    return StackCheck(
        stack=stack.name,
        scope=scope,
        strict=strict,
        plans=tuple(planner.plan(o) for o in outages),
        unprotected=tuple(c.name for c in stack.clusters if c.name not in failover),
    )


class FailoverPlanner:
    """Plans for the outages of one stack: its capacity index, standby pools and timing are
    built once and shared by every :meth:`plan` (what ``check_stack`` and ``dr_files`` use)."""

    def __init__(self, stack: ResolvedStack, catalog: Catalog, timing: TimingModel) -> None:
        self.stack = stack
        self.timing = timing
        self.index = CapacityIndex(stack, catalog)
        self.standby: Mapping[BucketKey, ResolvedPool] = standby_by_bucket(self.index)
        self.state: Mapping[str, StateLocation] = state_locations(stack)
        self.catalog = catalog

    def resource(self, cluster: str) -> str:
        """The cloud resource name of ``cluster``."""
        return CLOUDS[self.stack.cluster(cluster).cloud].resource_name(self.stack.name, cluster)

    def plan(self, outage: Outage) -> FailoverPlan:
        """The failover plan for ``outage`` of this planner's stack."""
        index, stack = self.index, self.stack
        failed = frozenset(outage.clusters)
        protected = index.protected(failed)
        targets = index.targets(failed)
        assignment = index.assignment(failed)
        survivors = {
            name: tuple(t for t in index.failover[name] if t not in failed) for name in protected
        }
        stranded = tuple(name for name in protected if not survivors[name])

        placed: dict[BucketKey, int] = {}
        for p in assignment.placements:
            placed[(p.target, p.target_gpu)] = placed.get((p.target, p.target_gpu), 0) + p.gpus
        scales, missing = self._standby_scales(placed)
        landing = _landing(protected, survivors, assignment.placements)
        data = tuple(
            data_path(stack, name, target, self.timing)
            for name, on in landing.items()
            for target in on
        )

        receiving = tuple(t for t in targets if any(t in on for on in landing.values()))
        state_steps, unreachable = self._state_steps_and_problems(outage, receiving)
        checks = self._check_steps(landing, data)
        raw_steps = [
            *state_steps,
            *checks,
            *self._scale_steps(targets, scales),
            *self._traffic_steps(
                protected,
                survivors,
                assignment.placements,
                scales,
                {c.id for c in (*state_steps, *checks)},
            ),
        ]
        steps, path, rto = _schedule(raw_steps)
        dr = stack.dr
        return FailoverPlan(
            stack=stack.name,
            outage=outage,
            strategy=dr.strategy if dr else None,
            rpo_minutes=dr.rpo_minutes if dr else None,
            rto_minutes=dr.rto_minutes if dr else None,
            unprotected=tuple(n for n in outage.clusters if n not in index.failover),
            stranded=stranded,
            demand=tuple(row for name in protected for row in index.demand[name]),
            headroom=tuple(b.headroom for t in targets for b in index.headroom_of(t)),
            placements=assignment.placements,
            shortfalls=assignment.shortfalls,
            missing_standby=missing,
            standby=scales,
            steps=steps,
            critical_path=path,
            estimated_rto_minutes=rto,
            data=data,
            exact=assignment.exact,
            access=self._access(steps),
            unreachable_state=unreachable if protected else (),
            no_system_pool=tuple(
                line
                for t in receiving
                if (line := system_pool_problem(index.clusters[t], self.catalog)) is not None
            ),
        )

    # -- building blocks -------------------------------------------------------------------

    def _access(self, steps: Sequence[Step]) -> tuple[ClusterAccess, ...]:
        """The credentials of each cluster a step runs ``kubectl --context`` against (the
        context is the cluster's resource name: a step may act on another cluster's behalf)."""
        by_context = {self.resource(c.name): c for c in self.stack.clusters}
        contexts = {
            command.split()[2]
            for s in steps
            for command in (*s.commands, *s.verify_commands, *s.rollback_commands)
            if command.startswith("kubectl --context ")
        }
        access = []
        for context in sorted(contexts):
            cluster = by_context[context]
            access.append(
                ClusterAccess(
                    cluster=cluster.name,
                    cloud=cluster.cloud,
                    context=context,
                    commands=credentials_commands(cluster.cloud, context, cluster.region),
                    admins=cluster_admins(cluster),
                )
            )
        return tuple(access)

    def _state_steps_and_problems(
        self, outage: Outage, targets: Sequence[str]
    ) -> tuple[list[_Draft], tuple[str, ...]]:
        """The first step (read the state of every root that must act) and the roots whose
        state the outage makes unreachable. Roots that must act: ``_dr`` (DNS failover and
        replication) and every target that receives work (its standby pools)."""
        locations = self.state
        acting = [r for r in ("_dr",) if r in locations] + list(targets)
        failed = _failed_regions(self.stack, outage)
        problems: list[str] = []
        commands: list[str] = []
        for root in acting:
            location = locations[root]
            usable = next(
                (
                    loc
                    for loc in (location, location.replica)
                    if loc is not None and not failed(loc.cloud, loc.region)
                ),
                None,
            )
            if usable is None:
                where = f"{CLOUDS[location.cloud].title} {location.region}"
                if location.replica is not None:
                    where += f" and its replica in {location.replica.region}"
                fix = (
                    "a whole-cloud outage takes every region of it: keep it on another cloud "
                    "with dr.state_region"
                    if outage.kind == "cloud"
                    else "set dr.state_region or dr.state_replica_region to another region"
                )
                problems.append(
                    f"state: root {root} keeps its state only in {where}, which this outage "
                    f"takes down ({fix})"
                )
                continue
            note = (
                ""
                if usable is location
                else "  # the replica: switch backend first (docs/state.md)"
            )
            commands.append(usable.read_command + note)
        if not commands:
            return [], tuple(problems)
        cloud = locations[acting[0]].cloud
        region = locations[acting[0]].region
        draft = _Draft(
            id=STATE_STEP,
            phase=1,
            title="check the Terraform state the failover needs",
            cluster=acting[0],
            cloud=cloud,
            region=region,
            action=(
                "Read the Terraform state of every root that acts in this failover ("
                + ", ".join(acting)
                + "), so a `terraform apply` of those roots works while the failed region is "
                "down; a root whose primary backend failed is read from its replica."
            ),
            commands=tuple(commands),
            verify="each call returns the object's metadata without error",
            verify_commands=(),
            rollback="nothing to undo: the check only reads",
            rollback_commands=(),
            minutes=minutes(self.timing.for_cloud(cloud).replication_check),
            depends_on=(),
        )
        return [draft], tuple(problems)

    def _standby_scales(
        self, placed: Mapping[BucketKey, int]
    ) -> tuple[tuple[StandbyScale, ...], tuple[MissingStandby, ...]]:
        scales: list[StandbyScale] = []
        missing: list[MissingStandby] = []
        order = self.index.order
        for (target, gpu), gpus in sorted(
            placed.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])
        ):
            pool = self.standby.get((target, gpu))
            if pool is None:
                missing.append(MissingStandby(target, gpu, gpus))
                continue
            scales.append(
                StandbyScale(
                    target=target,
                    gpu=gpu,
                    pool=pool.name,
                    instance_type=pool.instance_type,
                    gpus=gpus,
                    nodes=math.ceil(gpus / pool.offer.whole_gpus),
                    running_nodes=pool.desired_nodes,
                    min_nodes=pool.min_nodes,
                    max_nodes=pool.max_nodes,
                )
            )
        return tuple(scales), tuple(missing)

    def _check_steps(
        self, landing: Mapping[str, tuple[str, ...]], data: Sequence[DataPath]
    ) -> list[_Draft]:
        """One data check per failed cluster with checkpoints: on every target its work lands
        on, the newest checkpoint is within the RPO (and, where a sync job carries it, the job
        ran), before traffic moves. Stateless clusters have nothing to check."""
        rpo = self.stack.dr.rpo_minutes if self.stack.dr else None
        paths: dict[str, list[DataPath]] = {}
        for path in data:
            paths.setdefault(path.source, []).append(path)
        drafts = []
        for name, on in landing.items():
            mine = [d for d in paths.get(name, ()) if d.kind != "none"]
            if not mine:
                continue
            # The drill reads the replica of the first target (this step's cloud and region).
            first = self.index.clusters[on[0]]
            timing = self.timing.for_cloud(first.cloud)
            commands: list[str] = []
            for path in mine:
                target = self.index.clusters[path.target]
                commands.append(
                    CLOUDS[target.cloud].replica_age_command(
                        self.resource(name),
                        target.region,
                        stack=self.stack.name,
                        owner=self.stack.owner,
                        target=target.name,
                    )
                )
            how = "; ".join(
                f"to {d.target} by {d.mechanism}"
                + (
                    f", lag up to {d.lag_minutes} min"
                    if d.lag_minutes is not None
                    else ", no lag bound"
                )
                for d in mine
            )
            drafts.append(
                _Draft(
                    id=f"check-replication-{name}",
                    phase=1,
                    title=f"check the checkpoints of {name} on its targets",
                    cluster=name,
                    cloud=first.cloud,
                    region=first.region,
                    action=(
                        f"Read the age of the newest checkpoint of {name} on each target its work "
                        f"lands on ({how}); it must be at most {rpo} minutes old (the RPO) before "
                        "traffic moves."
                    ),
                    commands=tuple(commands),
                    verify=(
                        f"now minus each printed time is at most {rpo} minutes; if it is older, "
                        "decide before moving traffic: accept the data loss or wait for the source"
                    ),
                    verify_commands=(),
                    rollback="nothing to undo: the check only reads",
                    rollback_commands=(),
                    minutes=minutes(timing.replication_check),
                    depends_on=(),
                )
            )
        return drafts

    def _scale_steps(self, targets: Sequence[str], scales: Sequence[StandbyScale]) -> list[_Draft]:
        scale_drafts: list[_Draft] = []
        wait_drafts: list[_Draft] = []
        by_target: dict[str, list[StandbyScale]] = {}
        for scale in scales:
            # Pools already running enough nodes (warm-standby, active-active) need no step.
            if scale.nodes > scale.running_nodes:
                by_target.setdefault(scale.target, []).append(scale)
        for target in targets:
            mine = by_target.get(target)
            if not mine:
                continue
            cluster = self.index.clusters[target]
            cloud = CLOUDS[cluster.cloud]
            timing = self.timing.for_cloud(cluster.cloud)
            resource = self.resource(target)
            up = [
                cloud.scale_pool_command(
                    resource,
                    cluster.region,
                    s.pool,
                    max(s.nodes, s.min_nodes),
                    s.nodes,
                    max(s.nodes, s.max_nodes),
                )
                for s in mine
            ]
            back = [
                cloud.scale_pool_command(
                    resource, cluster.region, s.pool, s.min_nodes, s.running_nodes, s.max_nodes
                )
                for s in mine
            ]
            sizes = ", ".join(
                f"{s.pool} ({s.instance_type}) to {s.nodes} nodes for {s.gpus} {s.gpu} GPUs"
                for s in mine
            )
            scale_drafts.append(
                _Draft(
                    id=f"scale-{target}",
                    phase=2,
                    title=f"scale standby pools of {target}",
                    cluster=target,
                    cloud=cluster.cloud,
                    region=cluster.region,
                    action=(
                        f"Scale the standby pools of {target} ({cloud.kubernetes_service}, "
                        f"{cluster.region}): {sizes}. The minimum is raised too, so the "
                        "autoscaler cannot remove the nodes before the workloads arrive."
                    ),
                    commands=tuple(up),
                    verify="each call returns without error; the next step waits for the nodes",
                    verify_commands=(),
                    rollback="set the pools back to their rendered sizes",
                    rollback_commands=tuple(back),
                    minutes=minutes(timing.scale_api),
                    depends_on=(),
                )
            )
            offers = {s.pool: self.standby[(target, s.gpu)].offer for s in mine}
            seconds = max(timing.nodes_ready_seconds(offers[s.pool]) for s in mine)
            boot = "; ".join(
                f"{s.pool}: {s.nodes - s.running_nodes} new {s.instance_type} nodes, "
                f"~{offers[s.pool].boot_minutes} min boot (catalog estimate)"
                for s in mine
            )
            wait_drafts.append(
                _Draft(
                    id=f"wait-{target}",
                    phase=3,
                    title=f"wait for standby nodes of {target}",
                    cluster=target,
                    cloud=cluster.cloud,
                    region=cluster.region,
                    action=f"Wait until the standby nodes of {target} are Ready with GPUs allocatable ({boot}).",
                    commands=tuple(
                        c
                        for s in mine
                        for c in cloud.pool_ready_commands(resource, cluster.region, s.pool)
                    ),
                    verify=(
                        f"{sum(s.nodes for s in mine)} nodes of the scaled pools are "
                        "Ready and list their GPUs as allocatable"
                    ),
                    verify_commands=(
                        f"kubectl --context {resource} get nodes -l {STANDBY_LABEL}=true "
                        "-o custom-columns=NAME:.metadata.name,GPUS:.status.allocatable.nvidia\\.com/gpu",
                    ),
                    rollback=f"nothing beyond the rollback of scale-{target}",
                    rollback_commands=(),
                    minutes=minutes(seconds),
                    depends_on=(f"scale-{target}",),
                )
            )
        return scale_drafts + wait_drafts

    def _traffic_steps(
        self,
        protected: Sequence[str],
        survivors: Mapping[str, tuple[str, ...]],
        placements: Sequence[Placement],
        scales: Sequence[StandbyScale],
        checks: Set[str],
    ) -> list[_Draft]:
        waits = {s.target for s in scales if s.nodes > s.running_nodes}
        placed: dict[str, dict[str, int]] = {}
        for p in placements:
            per_target = placed.setdefault(p.cluster, {})
            per_target[p.target] = per_target.get(p.target, 0) + p.gpus
        traffic: list[_Draft] = []
        verify: list[_Draft] = []
        for name in protected:
            if not survivors[name]:
                continue
            source = self.index.clusters[name]
            cloud = CLOUDS[source.cloud]
            timing = self.timing.for_cloud(source.cloud)
            # Nothing placed (no GPU work): its traffic goes to the first surviving target.
            weights = placed.get(name) or {survivors[name][0]: 1}
            ordered = {t: weights[t] for t in survivors[name] if t in weights}
            record = self.resource(name)
            share = ", ".join(f"{t} {w}" for t, w in ordered.items())
            traffic.append(
                _Draft(
                    id=f"traffic-{name}",
                    phase=4,
                    title=f"move traffic of {name}",
                    cluster=name,
                    cloud=source.cloud,
                    region=source.region,
                    action=(
                        f"Point {record} away from {name} with {cloud.dns_service}: weights by GPUs "
                        f"placed ({share}). Health checks alone would notice the outage after "
                        f"~{timing.health_check_detection_seconds} s "
                        f"({timing.health_check_interval} s x {timing.health_check_failures}); "
                        "this step makes the move explicit."
                    ),
                    commands=cloud.traffic_commands(record, name, ordered, failover=True),
                    verify=(
                        f"the name answers with the addresses of {', '.join(ordered)} once the "
                        f"TTL ({timing.dns_ttl} s) has passed"
                    ),
                    verify_commands=(f"dig +short <service-hostname-of-{record}>",),
                    rollback=f"point {record} back to {name}",
                    rollback_commands=cloud.traffic_commands(record, name, ordered, failover=False),
                    minutes=minutes(timing.traffic_seconds),
                    depends_on=(
                        *(c for c in (STATE_STEP, f"check-replication-{name}") if c in checks),
                        *(f"wait-{t}" for t in ordered if t in waits),
                    ),
                )
            )
            verify_minutes = max(
                minutes(self.timing.for_cloud(self.index.clusters[t].cloud).verify) for t in ordered
            )
            verify.append(
                _Draft(
                    id=f"verify-{name}",
                    phase=5,
                    title=f"verify {name} runs on its targets",
                    cluster=name,
                    cloud=source.cloud,
                    region=source.region,
                    action=(
                        f"Check that the work of {name} runs on {', '.join(ordered)} and that "
                        f"{record} answers."
                    ),
                    commands=(
                        *(
                            c
                            for t in ordered
                            for c in (
                                f"kubectl --context {self.resource(t)} -n kube-system "
                                "get pods --field-selector=status.phase!=Running,"
                                "status.phase!=Succeeded  # expect none: system pods run",
                                f"kubectl --context {self.resource(t)} -n kube-system "
                                "rollout status deployment/coredns --timeout=120s",
                                f"kubectl --context {self.resource(t)} get pods --all-namespaces "
                                "--field-selector=status.phase=Pending  # expect none",
                            )
                        ),
                        f"curl -fsS https://<service-hostname-of-{record}>/healthz",
                    ),
                    verify=(
                        "system pods (CoreDNS and the other kube-system pods) run on the targets, "
                        "no pod is Pending there and the health endpoint answers 200"
                    ),
                    verify_commands=(),
                    rollback=(
                        f"to fail back once {source.region} is healthy: run the rollback of "
                        f"traffic-{name}, then those of the scale steps"
                    ),
                    rollback_commands=(),
                    minutes=verify_minutes,
                    depends_on=(f"traffic-{name}",),
                )
            )
        return traffic + verify


@dataclass(frozen=True, slots=True)
class _Draft:
    """A step before scheduling (no start time yet)."""

    id: str
    phase: int
    title: str
    cluster: str
    cloud: str
    region: str
    action: str
    commands: tuple[str, ...]
    verify: str  # how to tell it worked
    verify_commands: tuple[str, ...]
    rollback: str  # how to undo it
    rollback_commands: tuple[str, ...]
    minutes: int
    depends_on: tuple[str, ...]


def _failed_regions(stack: ResolvedStack, outage: Outage) -> Callable[[str, str], bool]:
    """Whether a cloud region is down in ``outage``: every region of the cloud in a cloud
    outage, the outage's region in a region outage; none in a single-cluster outage."""
    if outage.kind == "cloud":
        return lambda cloud, _region: cloud == outage.cloud
    if outage.kind == "region":
        return lambda cloud, region: (cloud, region) == (outage.cloud, outage.region)
    return lambda _cloud, _region: False


def _landing(
    protected: Sequence[str],
    survivors: Mapping[str, tuple[str, ...]],
    placements: Sequence[Placement],
) -> dict[str, tuple[str, ...]]:
    """Per failed cluster with a surviving target, the targets its work lands on, in its
    failover order: where GPUs are placed, else (no GPU work) its first surviving target."""
    placed: dict[str, set[str]] = {}
    for p in placements:
        placed.setdefault(p.cluster, set()).add(p.target)
    landing: dict[str, tuple[str, ...]] = {}
    for name in protected:
        if not survivors[name]:
            continue
        on = tuple(t for t in survivors[name] if t in placed.get(name, ()))
        landing[name] = on or survivors[name][:1]
    return landing


def _schedule(drafts: Sequence[_Draft]) -> tuple[tuple[Step, ...], tuple[str, ...], int]:
    """Earliest start of each step, the critical path and its length.

    Steps come sorted by phase and depend only on earlier phases, so one pass in that order is
    a topological pass (linear in steps and edges).
    """
    ordered = sorted(drafts, key=lambda d: d.phase)  # stable: keeps stack order within a phase
    finish: dict[str, int] = {}
    start: dict[str, int] = {}
    for d in ordered:
        start[d.id] = max((finish[dep] for dep in d.depends_on), default=0)
        finish[d.id] = start[d.id] + d.minutes
    path: list[str] = []
    if ordered:
        # The last step to finish ends the critical path; walk back through the predecessor
        # that finishes latest (the first one listed on ties, for stable output).
        current: str | None = max(ordered, key=lambda d: finish[d.id]).id
        by_id = {d.id: d for d in ordered}
        while current is not None:
            path.append(current)
            deps = by_id[current].depends_on
            current = max(deps, key=lambda dep: finish[dep]) if deps else None
        path.reverse()
    on_path = set(path)
    steps = tuple(
        Step(
            id=d.id,
            phase=d.phase,
            title=d.title,
            cluster=d.cluster,
            cloud=d.cloud,
            region=d.region,
            action=d.action,
            commands=d.commands,
            verify=d.verify,
            verify_commands=d.verify_commands,
            rollback=d.rollback,
            rollback_commands=d.rollback_commands,
            minutes=d.minutes,
            depends_on=d.depends_on,
            start=start[d.id],
            critical=d.id in on_path,
        )
        for d in ordered
    )
    return steps, tuple(path), max(finish.values(), default=0)


@dataclass(frozen=True)
class SharedOutage:
    """One outage (a cloud region or a whole cloud) as it hits every stack that has clusters
    there: the stacks' plans and, per target cloud region and GPU model, the GPUs all of them
    place there together (what the account's quota or reservation must hold when the stacks
    share an account)."""

    id: str
    plans: tuple[FailoverPlan, ...]  # one per stack hit, in the order given
    placed: tuple[tuple[str, str, str, int], ...]  # (cloud, region, gpu, GPUs), sorted
    stacks_by_target: Mapping[tuple[str, str, str], tuple[str, ...]]  # same key -> stacks

    @property
    def feasible(self) -> bool:
        return all(p.feasible for p in self.plans)


def shared_outages(
    plans: Sequence[FailoverPlan], regions: Mapping[tuple[str, str], tuple[str, str]]
) -> tuple[SharedOutage, ...]:
    """Group region and cloud outages by id across stacks. ``regions`` maps ``(stack,
    cluster)`` to the cluster's ``(cloud, region)``. Cluster outages are one stack's own."""
    grouped: dict[str, list[FailoverPlan]] = {}
    for plan in plans:
        if plan.outage.kind != "cluster":
            grouped.setdefault(plan.outage.id, []).append(plan)
    result = []
    for outage_id, members in grouped.items():
        totals: dict[tuple[str, str, str], int] = {}
        stacks: dict[tuple[str, str, str], list[str]] = {}
        for plan in members:
            for p in plan.placements:
                cloud, region = regions[(plan.stack, p.target)]
                key = (cloud, region, p.target_gpu)
                totals[key] = totals.get(key, 0) + p.gpus
                if plan.stack not in stacks.setdefault(key, []):
                    stacks[key].append(plan.stack)
        result.append(
            SharedOutage(
                id=outage_id,
                plans=tuple(members),
                placed=tuple((*key, gpus) for key, gpus in sorted(totals.items())),
                stacks_by_target={k: tuple(v) for k, v in sorted(stacks.items())},
            )
        )
    return tuple(result)
