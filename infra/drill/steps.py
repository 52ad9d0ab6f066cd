"""A failover plan as a drill: each plan step with the cloud calls that carry it out.

The plan (:mod:`infra.dr.plan`) says what to do; this module asks each cloud's drill adapter
(``Cloud.drill_adapter``) for the calls, with the names the render gave every resource (from the
deploy plan, :func:`infra.deploy.deploy_plan`), so a drill acts on exactly what ``infra render``
created. Nothing here names a cloud.

Per plan step:

- ``check-replication-<cluster>``: a read of the newest replicated checkpoint, compared with
  the RPO; a manual-approval step when the replica's cloud has no adapter call for it;
- ``scale-<target>``: per standby pool, its current sizes (kept in the journal for
  ``--failback``), the pre-checks (offered there, quota room), then the scale calls;
- ``wait-<target>``: waits until the pools have their nodes;
- ``traffic-<cluster>``: the DNS change, or a manual-approval step;
- ``verify-<cluster>``: reads that the traffic change is in effect and the pools still ready.

A failback (:func:`failback_steps`) is the reverse of a finished drill: traffic back to the
source, then every scaled pool back to the sizes the drill found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from infra.deploy import DeployedStack
from infra.dr.plan import STATE_STEP, FailoverPlan, StandbyScale, Step
from infra.drill.api import DrillAdapter, Op, PoolRef, ReplicaRef, TrafficRef

__all__ = ["DrillStep", "PoolChange", "drill_steps", "failback_steps"]

StepKind = Literal[
    "check", "scale", "wait", "traffic", "verify", "failback-traffic", "failback-scale"
]


@dataclass(frozen=True, slots=True)
class PoolChange:
    """A standby pool a drill scales: the sizes it sets (``--failback`` restores the sizes the
    journal recorded before the change)."""

    pool: PoolRef
    min_nodes: int
    desired: int
    max_nodes: int
    new_nodes: int  # nodes added by this drill (what the quota must have room for)


@dataclass(frozen=True, slots=True)
class DrillStep:
    """One step of a drill: the plan step and what the executor runs for it."""

    id: str
    kind: StepKind
    title: str
    cloud: str
    region: str
    phase: int
    depends_on: tuple[str, ...]
    planned_start: int  # minutes, from the plan
    planned_minutes: int
    critical: bool
    ops: tuple[Op, ...] = ()
    prechecks: tuple[Op, ...] = ()
    sizes: tuple[Op, ...] = ()  # reads of each pool's sizes before it changes (same order as pools)
    pools: tuple[PoolChange, ...] = ()
    approval: str | None = None  # a manual-approval step: what the person must do and confirm
    rpo_minutes: int | None = None  # check steps: the newest checkpoint must be this fresh
    cluster: str = ""  # the cluster the step is about (failed cluster or target)
    commands: tuple[str, ...] = ()  # the runbook's commands for this step


def drill_steps(
    plan: FailoverPlan, deployed: DeployedStack, adapters: Mapping[str, DrillAdapter]
) -> tuple[DrillStep, ...]:
    """The drill of ``plan``: ``adapters`` maps every cloud the plan touches to its adapter."""
    stack = deployed.stack
    failed = set(plan.outage.clusters)
    failover = stack.dr.failover if stack.dr else {}
    pools = _pool_changes(plan, deployed)
    weights = _weights(plan, deployed)
    steps: list[DrillStep] = []
    for step in plan.steps:
        if step.id == STATE_STEP:
            # The drill acts through the cloud APIs, not through Terraform: it needs no state.
            continue
        base = _base(step)
        adapter = adapters[step.cloud]
        name = step.id.split("-", 1)[1]
        if step.id.startswith("check-replication-"):
            source = step.id.removeprefix("check-replication-")
            target = next(t for t in failover[source] if t not in failed)
            replica = ReplicaRef(
                stack=stack.name,
                owner=stack.owner,
                source=source,
                source_resource=deployed.cluster(source).resource,
                source_cloud=stack.cluster(source).cloud,
                target=target,
                target_resource=deployed.cluster(target).resource,
                region=step.region,
            )
            op = adapter.replica_age(replica)
            steps.append(
                replace(
                    base,
                    kind="check",
                    cluster=source,
                    ops=(op,) if op else (),
                    rpo_minutes=plan.rpo_minutes,
                    approval=None if op else _manual(step),
                )
            )
        elif step.phase == 2:
            mine = pools[name]
            steps.append(
                replace(
                    base,
                    kind="scale",
                    cluster=name,
                    pools=tuple(mine),
                    sizes=tuple(adapter.pool_size(p.pool) for p in mine),
                    prechecks=tuple(
                        op for p in mine for op in adapter.prechecks(p.pool, p.new_nodes)
                    ),
                    ops=tuple(
                        op
                        for p in mine
                        for op in adapter.scale(p.pool, p.min_nodes, p.desired, p.max_nodes)
                    ),
                )
            )
        elif step.phase == 3:
            mine = pools[name]
            steps.append(
                replace(
                    base,
                    kind="wait",
                    cluster=name,
                    pools=tuple(mine),
                    ops=tuple(op for p in mine for op in adapter.pool_ready(p.pool, p.desired)),
                )
            )
        elif step.phase == 4:
            ref = _traffic_ref(deployed, name, weights[name])
            ops = adapter.traffic(ref, weights[name], True)
            steps.append(
                replace(
                    base,
                    kind="traffic",
                    cluster=name,
                    ops=ops,
                    approval=None if ops else _manual(step),
                )
            )
        else:
            ref = _traffic_ref(deployed, name, weights[name])
            in_effect = tuple(
                Op(
                    "wait",
                    op.probe,
                    f"still in effect: {op.title}",
                    timeout_s=60,
                    interval_s=5,
                    need=op.need,
                )
                for op in adapter.traffic(ref, weights[name], True)
                if op.probe is not None
            )
            ready = tuple(
                op
                for target in weights[name]
                if target in pools
                for p in pools[target]
                for op in adapters[stack.cluster(target).cloud].pool_ready(p.pool, p.desired)
            )
            steps.append(replace(base, kind="verify", cluster=name, ops=in_effect + ready))
    return tuple(steps)


def failback_steps(
    plan: FailoverPlan,
    deployed: DeployedStack,
    adapters: Mapping[str, DrillAdapter],
    done: Sequence[str],
    sizes: Mapping[str, Mapping[str, int]],
) -> tuple[DrillStep, ...]:
    """Undo a drill: ``done`` are the step ids the drill finished, ``sizes`` the pool sizes it
    recorded before scaling (keyed by ``"<cluster>/<node pool>"``). Traffic goes back first
    (in parallel), then every pool the drill scaled is set back to what it was."""
    weights = _weights(plan, deployed)
    pools = _pool_changes(plan, deployed)
    steps: list[DrillStep] = []
    traffic_ids: list[str] = []
    for step in plan.steps:
        if step.phase != 4 or step.id not in done:
            continue
        name = step.id.removeprefix("traffic-")
        ref = _traffic_ref(deployed, name, weights[name])
        ops = adapters[step.cloud].traffic(ref, weights[name], False)
        sid = f"failback-traffic-{name}"
        traffic_ids.append(sid)
        steps.append(
            DrillStep(
                id=sid,
                kind="failback-traffic",
                title=f"move traffic of {name} back",
                cloud=step.cloud,
                region=step.region,
                phase=4,
                depends_on=(),
                planned_start=0,
                planned_minutes=step.minutes,
                critical=False,
                ops=ops,
                approval=None if ops else _manual(step, rollback=True),
                cluster=name,
                commands=step.rollback_commands,
            )
        )
    for step in plan.steps:
        if step.phase != 2 or step.id not in done:
            continue
        target = step.id.removeprefix("scale-")
        restore = []
        for change in pools[target]:
            before = sizes.get(f"{target}/{change.pool.node_pool}")
            if before is None:
                continue
            restore.append(
                PoolChange(
                    change.pool, before["min"], before["desired"], before["max"], new_nodes=0
                )
            )
        adapter = adapters[step.cloud]
        steps.append(
            DrillStep(
                id=f"failback-scale-{target}",
                kind="failback-scale",
                title=f"set the standby pools of {target} back",
                cloud=step.cloud,
                region=step.region,
                phase=2,
                depends_on=tuple(traffic_ids),
                planned_start=0,
                planned_minutes=step.minutes,
                critical=False,
                ops=tuple(
                    op
                    for p in restore
                    for op in adapter.scale(p.pool, p.min_nodes, p.desired, p.max_nodes)
                ),
                pools=tuple(restore),
                cluster=target,
                commands=step.rollback_commands,
            )
        )
    return tuple(steps)


def _base(step: Step) -> DrillStep:
    return DrillStep(
        id=step.id,
        kind="check",
        title=step.title,
        cloud=step.cloud,
        region=step.region,
        phase=step.phase,
        depends_on=tuple(d for d in step.depends_on if d != STATE_STEP),
        planned_start=step.start,
        planned_minutes=step.minutes,
        critical=step.critical,
        commands=step.commands,
    )


def _manual(step: Step, rollback: bool = False) -> str:
    commands = step.rollback_commands if rollback else step.commands
    what = step.rollback if rollback else step.verify
    lines = "; ".join(commands)
    return f"{step.title}{' (back)' if rollback else ''}: run {lines} and confirm that {what}"


def _pool_changes(plan: FailoverPlan, deployed: DeployedStack) -> dict[str, list[PoolChange]]:
    """Per target cluster, the standby pools the plan scales (as the plan's commands do)."""
    changes: dict[str, list[PoolChange]] = {}
    for s in plan.standby:
        if s.nodes <= s.running_nodes:
            continue
        changes.setdefault(s.target, []).append(_change(s, deployed))
    return changes


def _change(s: StandbyScale, deployed: DeployedStack) -> PoolChange:
    cluster = deployed.cluster(s.target)
    ref = PoolRef(
        stack=deployed.name,
        owner=deployed.stack.owner,
        cluster=s.target,
        resource=cluster.resource,
        region=cluster.region,
        pool=s.pool,
        node_pool=cluster.cloud.node_pool_name(cluster.resource, s.pool),
        instance_type=s.instance_type,
    )
    return PoolChange(
        ref,
        max(s.nodes, s.min_nodes),
        s.nodes,
        max(s.nodes, s.max_nodes),
        new_nodes=s.nodes - s.running_nodes,
    )


def _weights(plan: FailoverPlan, deployed: DeployedStack) -> dict[str, dict[str, int]]:
    """Per failed cluster, its surviving targets in failover order, weighted by the GPUs each
    took; the first survivor alone when nothing was placed (as the plan's traffic step does)."""
    placed: dict[str, dict[str, int]] = {}
    for p in plan.placements:
        per = placed.setdefault(p.cluster, {})
        per[p.target] = per.get(p.target, 0) + p.gpus
    failover = deployed.stack.dr.failover if deployed.stack.dr else {}
    failed = set(plan.outage.clusters)
    weights: dict[str, dict[str, int]] = {}
    for step in plan.steps:
        if step.phase != 4:
            continue
        name = step.id.removeprefix("traffic-")
        survivors = [t for t in failover.get(name, ()) if t not in failed]
        mine = placed.get(name) or {survivors[0]: 1}
        weights[name] = {t: mine[t] for t in survivors if t in mine}
    return weights


def _traffic_ref(deployed: DeployedStack, name: str, weights: Mapping[str, int]) -> TrafficRef:
    cluster = deployed.cluster(name)
    return TrafficRef(
        stack=deployed.name,
        owner=deployed.stack.owner,
        source=name,
        source_resource=cluster.resource,
        region=cluster.region,
        home_region=deployed.home_regions[cluster.cloud.name],
        targets={t: deployed.cluster(t).resource for t in weights},
    )
