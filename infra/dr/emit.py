"""DR artifacts: per outage, the plan as JSON for machines and as a Markdown runbook for people.

``dr_files`` is pure (stack in, ``{relative path: text}`` out). It writes one pair per region
outage of the stack and, when the stack spans several clouds, one pair per whole-cloud outage too
(a single-cloud stack's cloud outage leaves nothing to fail over to, so it would only repeat that
everything is lost). Single-cluster outages are not written: clusters of a region fail together,
and ``infra dr plan PATH --fail CLUSTER`` prints one on demand.

Output is deterministic: sorted keys, lists in a defined order, no timestamps.
"""

from __future__ import annotations

import json
from typing import Any

import jinja2

from infra.assets import templates_dir
from infra.catalog import Catalog
from infra.clouds import CLOUDS
from infra.dr.outages import Outage, cloud_outages, region_outages
from infra.dr.plan import PHASES, FailoverPlan, FailoverPlanner, StackCheck
from infra.dr.timing import TimingModel, default_timing
from infra.resolve import ResolvedStack

__all__ = [
    "SCHEMA_VERSION",
    "check_document",
    "dr_files",
    "emitted_outages",
    "plan_document",
    "plan_json",
    "runbook",
]

SCHEMA_VERSION = 1
_TEMPLATE = "runbook.md.j2"


def emitted_outages(stack: ResolvedStack) -> tuple[Outage, ...]:
    """The outages ``dr_files`` writes: every region, and every cloud of a multi-cloud stack."""
    clouds = cloud_outages(stack)
    return region_outages(stack) + (clouds if len(clouds) > 1 else ())


def dr_files(
    stack: ResolvedStack, catalog: Catalog, timing: TimingModel | None = None
) -> dict[str, str]:
    """``dr/<stack>/<outage-slug>.json`` and ``.md`` for every emitted outage of ``stack``."""
    planner = FailoverPlanner(stack, catalog, timing or default_timing())
    environment = _environment()
    files: dict[str, str] = {}
    for outage in emitted_outages(stack):
        plan = planner.plan(outage)
        base = f"dr/{stack.name}/{outage.slug}"
        files[f"{base}.json"] = plan_json(plan)
        files[f"{base}.md"] = runbook(plan, environment)
    return files


def plan_json(plan: FailoverPlan) -> str:
    """The plan document as the ``.json`` file holds it (and ``dr plan --json`` prints it)."""
    return json.dumps(plan_document(plan), indent=2, sort_keys=True) + "\n"


def plan_document(plan: FailoverPlan) -> dict[str, Any]:
    """The plan as JSON-ready data (``schema_version`` 1)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "stack": plan.stack,
        "outage": {
            "kind": plan.outage.kind,
            "id": plan.outage.id,
            "slug": plan.outage.slug,
            "title": plan.outage.title,
            "cloud": plan.outage.cloud,
            "region": plan.outage.region,
            "clusters": list(plan.outage.clusters),
        },
        "strategy": plan.strategy,
        "rpo_minutes": plan.rpo_minutes,
        "rto_minutes": plan.rto_minutes,
        "estimated_rto_minutes": plan.estimated_rto_minutes,
        "estimates": "step durations are estimates: infra/dr/data/timing.csv and catalog boot_minutes",
        "feasible": plan.feasible,
        "within_rto": plan.within_rto,
        "problems": list(plan.problems()),
        "warnings": list(plan.warnings()),
        "data": [
            {
                "source": d.source,
                "target": d.target,
                "kind": d.kind,
                "mechanism": d.mechanism,
                "interval_minutes": d.interval_minutes,
                "lag_minutes": d.lag_minutes,
                "basis": d.basis,
                "metric": d.metric,
                "metric_note": d.metric_note,
            }
            for d in plan.data
        ],
        "unreachable_state": list(plan.unreachable_state),
        "no_system_pool": list(plan.no_system_pool),
        "unprotected": list(plan.unprotected),
        "stranded": list(plan.stranded),
        "demand": [
            {"cluster": d.cluster, "gpu": d.gpu, "rdma": d.rdma, "gpus": d.gpus}
            for d in plan.demand
        ],
        "headroom": [
            {"cluster": h.cluster, "gpu": h.gpu, "rdma": h.rdma, "gpus": h.gpus}
            for h in plan.headroom
        ],
        "placements": [
            {
                "cluster": p.cluster,
                "gpu": p.gpu,
                "rdma": p.rdma,
                "target": p.target,
                "target_gpu": p.target_gpu,
                "gpus": p.gpus,
            }
            for p in plan.placements
        ],
        "shortfalls": [
            {"cluster": s.cluster, "gpu": s.gpu, "rdma": s.rdma, "gpus": s.gpus}
            for s in plan.shortfalls
        ],
        "missing_standby": [
            {"target": m.target, "gpu": m.gpu, "gpus": m.gpus} for m in plan.missing_standby
        ],
        "standby": [
            {
                "target": s.target,
                "gpu": s.gpu,
                "pool": s.pool,
                "instance_type": s.instance_type,
                "gpus": s.gpus,
                "nodes": s.nodes,
                "running_nodes": s.running_nodes,
                "min_nodes": s.min_nodes,
                "max_nodes": s.max_nodes,
            }
            for s in plan.standby
        ],
        "steps": [
            {
                "id": s.id,
                "phase": s.phase,
                "title": s.title,
                "cluster": s.cluster,
                "cloud": s.cloud,
                "region": s.region,
                "action": s.action,
                "commands": list(s.commands),
                "verify": s.verify,
                "verify_commands": list(s.verify_commands),
                "rollback": s.rollback,
                "rollback_commands": list(s.rollback_commands),
                "minutes": s.minutes,
                "depends_on": list(s.depends_on),
                "start_minute": s.start,
                "finish_minute": s.finish,
                "critical": s.critical,
            }
            for s in plan.steps
        ],
        "critical_path": list(plan.critical_path),
    }


def check_document(checks: list[StackCheck]) -> dict[str, Any]:
    """``infra dr check --json``: every outage of every stack with its verdict."""
    return {
        "ok": all(c.ok for c in checks),
        "schema_version": SCHEMA_VERSION,
        "stacks": [
            {
                "name": c.stack,
                "scope": c.scope,
                "strict": c.strict,
                "ok": c.ok,
                "unprotected": list(c.unprotected),
                "outages": [
                    {
                        "id": p.outage.id,
                        "kind": p.outage.kind,
                        "slug": p.outage.slug,
                        "clusters": list(p.outage.clusters),
                        "feasible": p.feasible,
                        "problems": list(p.problems()),
                        "shortfalls": [
                            {"cluster": s.cluster, "gpu": s.gpu, "rdma": s.rdma, "gpus": s.gpus}
                            for s in p.shortfalls
                        ],
                        "estimated_rto_minutes": p.estimated_rto_minutes,
                        "rto_minutes": p.rto_minutes,
                    }
                    for p in c.plans
                ],
            }
            for c in checks
        ],
    }


def runbook(plan: FailoverPlan, environment: jinja2.Environment | None = None) -> str:
    """The plan as a Markdown runbook (``templates/runbook.md.j2``)."""
    env = environment or _environment()
    return env.get_template(_TEMPLATE).render(
        plan=plan,
        phases=PHASES,
        clouds={name: cloud.title for name, cloud in CLOUDS.items()},
    )


def _environment() -> jinja2.Environment:
    # StrictUndefined: a misspelt variable fails the render instead of printing nothing.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown, not HTML; commands must stay verbatim
    )
