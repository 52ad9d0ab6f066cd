"""A drill from start to end: plan the outage, build the steps, run or print them, report.

``prepare`` plans the outage from the stack as the user wrote it and names every resource from
the deploy plan (what ``infra render`` created); ``dry_run`` and ``execute`` give the report
document (:mod:`infra.drill.report` writes it as JSON, Markdown and HTML).

Measured times: a step's start and end are the journal's wall-clock times, counted from the
first start of the run (so a resumed drill's recovery includes the time it was down), divided
by the time factor (1 against a cloud).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.catalog import default_catalog
from infra.clouds import CLOUDS
from infra.deploy import DeployedStack, deploy_plan
from infra.dr.outages import parse_outage
from infra.dr.plan import FailoverPlan, plan_outage
from infra.drill.api import DrillAdapter
from infra.drill.executor import Executor, Settings
from infra.drill.journal import Journal, JournalState
from infra.drill.steps import DrillStep, drill_steps, failback_steps
from infra.errors import InfraError
from infra.resolve import ResolvedStack

__all__ = ["Prepared", "dry_run", "execute", "prepare", "report_document"]


@dataclass
class Prepared:
    """Everything a drill needs, computed once."""

    stack: ResolvedStack
    plan: FailoverPlan
    deployed: DeployedStack
    adapters: dict[str, DrillAdapter]
    steps: tuple[DrillStep, ...]
    endpoints: Mapping[str, str]

    def close(self) -> None:
        for adapter in self.adapters.values():
            adapter.close()


def prepare(stack: ResolvedStack, outage: str, endpoints: Mapping[str, str]) -> Prepared:
    """Plan ``outage`` of ``stack`` and build its drill, with one adapter per cloud it touches."""
    catalog = default_catalog()
    plan = plan_outage(stack, parse_outage(stack, outage), catalog)
    deployed = deploy_plan(stack, catalog)
    # Every step runs on its own cloud (a verify step's pool reads are on a target that has its
    # own wait step), so these are all the clouds a drill or its failback calls.
    clouds = dict.fromkeys(s.cloud for s in plan.steps)

    adapters: dict[str, DrillAdapter] = {}
    for name in clouds:
        try:
            adapters[name] = CLOUDS[name].drill_adapter(endpoints.get(name))
        except ImportError as exc:
            raise InfraError(
                f"drill: the {CLOUDS[name].title} SDK is not installed ({exc.name}): "
                "pip install 'infra[drill]'"
            ) from exc
    steps = drill_steps(plan, deployed, adapters)
    return Prepared(stack, plan, deployed, adapters, steps, dict(endpoints))


def dry_run(prepared: Prepared) -> dict[str, Any]:
    """The report of a drill that makes no call: every call with its parameters, in order."""
    return report_document(prepared, prepared.steps, None, "", "dry-run", 1.0, failback=False)


def execute(
    prepared: Prepared,
    directory: Path,
    run: str,
    settings: Settings,
    request: Mapping[str, Any],
    failback_of: JournalState | None = None,
) -> dict[str, Any]:
    """Run (or resume: the journal in ``directory`` says what is done) the drill, or with
    ``failback_of`` its failback; return the report document."""
    state = JournalState.load(directory) if (directory / "journal.jsonl").exists() else None
    steps = prepared.steps
    if failback_of is not None:
        steps = failback_steps(
            prepared.plan,
            prepared.deployed,
            prepared.adapters,
            failback_of.done_steps(),
            failback_of.snapshots,
        )
    with Journal(directory) as journal:
        if state is None:
            _write_request(directory, request)
            journal.append("start", run=run, request=dict(request))
            state = JournalState.load(directory)
        else:
            journal.append("resume", run=run)
        Executor(run, steps, prepared.adapters, journal, state, settings).run()
        journal.append("end", run=run)
    final = JournalState.load(directory)
    return report_document(
        prepared,
        steps,
        final,
        run,
        "execute",
        settings.time_factor,
        failback=failback_of is not None,
    )


def report_document(
    prepared: Prepared,
    steps: tuple[DrillStep, ...],
    state: JournalState | None,
    run: str,
    mode: str,
    time_factor: float,
    failback: bool,
) -> dict[str, Any]:
    """The report (the shape :mod:`infra.drill.report` documents) of a dry or executed run."""
    plan = prepared.plan
    start = state.start_time if state else None

    def minutes(t: float | None) -> float | None:
        if t is None or start is None:
            return None
        return round((t - start) / 60 / time_factor, 2)

    rows = []
    ends: list[float] = []
    for step in steps:
        record = state.steps.get(step.id, {}) if state else {}
        status = record.get("status", "pending" if state else "planned")
        started = state.started.get(step.id) if state else None
        ended = record.get("t") if status in {"done", "approved", "failed"} else None
        if ended is not None and status in {"done", "approved"}:
            ends.append(float(ended))
        rows.append(
            {
                "id": step.id,
                "title": step.title,
                "phase": step.phase,
                "cloud": step.cloud,
                "region": step.region,
                "depends_on": list(step.depends_on),
                "critical": step.critical,
                "planned_start_minutes": step.planned_start,
                "planned_minutes": step.planned_minutes,
                "status": status,
                "measured_start_minutes": minutes(started),
                "measured_minutes": (
                    None
                    if started is None or ended is None
                    else round((float(ended) - started) / 60 / time_factor, 2)
                ),
                "error": record.get("error"),
                "approval": step.approval,
                "commands": list(step.commands),
                "calls": _calls(step, state),
            }
        )
    recovered = bool(state) and all(r["status"] in {"done", "approved"} for r in rows)
    measured = minutes(max(ends)) if recovered and ends else None
    rpo_checks = [
        {
            "cluster": r["cluster"],
            "step": r["step"],
            "newest": r.get("newest"),
            "age_minutes": r.get("age_minutes"),
            "ok": r["ok"],
            "detail": r["detail"],
        }
        for r in (state.rpo if state else [])
    ]
    problems = [f"{r['id']}: {r['error']}" for r in rows if r["status"] == "failed" and r["error"]]
    if state and not recovered and not problems:
        problems.append("the drill did not finish every step")
    rto = plan.rto_minutes
    rto_met = None if measured is None or rto is None else measured <= rto
    if rto_met is False:
        problems.append(f"measured recovery {measured} min exceeds the RTO {rto} min")
    if not plan.feasible:
        problems += [f"plan: {line}" for line in plan.problems()]
    finished = state.ends[-1]["t"] if state and state.ends else None
    return {
        "run": run,
        "stack": plan.stack,
        "outage": plan.outage.id,
        "outage_title": plan.outage.title,
        "mode": mode,
        "failback": failback,
        "started": _iso(start),
        "finished": _iso(finished),
        "time_factor": time_factor,
        "rto_minutes": rto,
        "rpo_minutes": plan.rpo_minutes,
        "estimated_rto_minutes": plan.estimated_rto_minutes,
        "measured_rto_minutes": None if failback else measured,
        "measured_seconds": (
            None if measured is None or start is None else round(max(ends) - start, 2)
        ),
        "rto_met": None if failback else rto_met,
        "rpo": {
            "ok": None if not rpo_checks else all(c["ok"] for c in rpo_checks),
            "checks": rpo_checks,
        },
        "prechecks": [
            {
                "step": r["step"],
                "pool": r.get("pool", ""),
                "check": r.get("check", ""),
                "ok": r["ok"],
                "detail": r["detail"],
            }
            for r in (state.prechecks if state else [])
        ],
        "endpoints": dict(prepared.endpoints),
        "steps": rows,
        "ok": bool(state) and recovered and rto_met is not False and not problems,
        "problems": problems,
    }


def _calls(step: DrillStep, state: JournalState | None) -> list[dict[str, Any]]:
    if state is None:
        planned = [*step.sizes, *step.prechecks, *step.ops]
        return [
            {
                "describe": op.call.describe(),
                "mutating": op.call.mutating,
                "kind": op.kind,
                "status": "planned",
                "attempts": 0,
                "seconds": None,
                "error": None,
            }
            for op in planned
        ]
    calls = []
    for record in state.records:
        if record.get("step") != step.id or record.get("event") not in {"call", "result"}:
            continue
        status = "done" if record.get("ok") else "failed"
        if record.get("how") == "reconciled":
            status = "reconciled"
        calls.append(
            {
                "describe": record.get("describe", ""),
                "mutating": bool(record.get("mutating")),
                "status": status,
                "attempts": record.get("attempts", 0),
                "seconds": record.get("seconds"),
                "error": record.get("error"),
            }
        )
    return calls


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def _write_request(directory: Path, request: Mapping[str, Any]) -> None:
    path = directory / "drill.json"
    temporary = directory / ".drill.json.tmp"
    with temporary.open("w") as handle:
        handle.write(json.dumps(dict(request), indent=2, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
