"""``infra dr check`` and ``infra dr plan``: the disaster-recovery commands.

``register`` adds them to the main parser (``infra/cli.py``). Exit status as everywhere: 0 all
feasible, 1 invalid stacks or an infeasible outage (or, with ``--strict``, an unprotected
cluster), 2 wrong usage such as an unknown ``--fail`` outage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from infra.catalog import default_catalog
from infra.console import add_load_timeout, problem_json, report_problems, table
from infra.dr.data import DataPath
from infra.dr.emit import check_document, plan_document
from infra.dr.outages import SCOPES, OutageError, parse_outage
from infra.dr.plan import (
    FailoverPlan,
    SharedOutage,
    StackCheck,
    check_stack,
    plan_outage,
    shared_outages,
)
from infra.errors import Problem, UsageError, unknown
from infra.pipeline import resolve_paths
from infra.resolve import ResolvedStack

if TYPE_CHECKING:
    from typing import Any

    SubParsers = argparse._SubParsersAction[Any]

__all__ = ["choose_stack", "choose_stacks", "register"]


def register(subparsers: SubParsers) -> None:
    """Add ``dr check`` and ``dr plan`` to the ``infra`` command's subparsers."""
    dr = subparsers.add_parser(
        "dr",
        help="disaster recovery: check every outage, print a failover plan",
        description="Disaster recovery: is every outage survivable, and how.",
    )
    dr.set_defaults(handler=lambda _args: _usage(dr))
    commands = dr.add_subparsers(dest="dr_command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="every outage: is the failover feasible? shortfalls, estimated RTO vs target",
        description=(
            "Plan every region outage (with --scope cloud, also every whole-cloud outage) of "
            "each stack and report whether the failover is feasible."
        ),
    )
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="stack files or directories (default: stacks/)"
    )
    check.add_argument(
        "--scope", choices=SCOPES, default="region", help="outages to try (default: region)"
    )
    check.add_argument(
        "--strict", action="store_true", help="a cluster without a failover entry is an error"
    )
    check.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    add_load_timeout(check)
    check.set_defaults(handler=_check)

    plan = commands.add_parser(
        "plan",
        help="the failover plan for an outage",
        description="Print the failover plan for one outage: steps, estimates, critical path.",
    )
    plan.add_argument("path", metavar="PATH", help="a stack file or a directory of them")
    plan.add_argument(
        "--fail",
        required=True,
        metavar="OUTAGE",
        help="a cluster name, CLOUD:REGION (e.g. aws:us-east-1) or a whole CLOUD",
    )
    plan.add_argument("--stack", metavar="NAME", help="the stack, when PATH defines several")
    plan.add_argument("--json", action="store_true", help="print the plan document (JSON)")
    add_load_timeout(plan)
    plan.set_defaults(handler=_plan)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


# -- check ----------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    resolution = resolve_paths(args.paths, timeout=args.load_timeout)
    if not resolution.ok:
        return report_problems(resolution.problems, args.json)
    catalog = default_catalog()
    checks = [check_stack(s, catalog, args.scope, args.strict) for s in resolution.stacks]
    for check in checks:
        for name in check.unprotected:
            level = "error" if args.strict else "warning"
            print(
                f"{level}: {check.stack}: cluster {name!r} has no failover entry (unprotected)",
                file=sys.stderr,
            )
        # What the plans cannot promise (a data path with no lag bound, an inexact node shape),
        # once per stack however many outages share it.
        for line in dict.fromkeys(w for p in check.plans for w in p.warnings()):
            print(f"warning: {check.stack}: {line}", file=sys.stderr)
    shared = [
        o
        for o in shared_outages([p for c in checks for p in c.plans], _regions(resolution.stacks))
        if len(o.plans) > 1
    ]
    if args.json:
        document = check_document(checks)
        files = {s.name: s.file for s in resolution.stacks}
        document["problems"] = [problem_json(p) for p in _check_problems(checks, files)]
        document["shared_outages"] = [_shared_json(o) for o in shared]
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print(_check_table(checks))
        if shared:
            print()
            print(_shared_text(shared))
        print()
        print(_check_summary(checks))
    return 0 if all(c.ok for c in checks) else 1


def _check_problems(checks: list[StackCheck], files: dict[str, str]) -> list[Problem]:
    """What makes ``dr check`` fail, as problems: infeasible outages, unprotected (--strict)."""
    problems = [
        Problem(files[c.stack], c.stack, "dr", f"outage {p.outage.id}: {line}")
        for c in checks
        for p in c.plans
        if not p.feasible
        for line in p.problems()
    ]
    problems += [
        Problem(files[c.stack], c.stack, f"dr.failover.{name}", "cluster has no failover entry")
        for c in checks
        if c.strict
        for name in c.unprotected
    ]
    return problems


def _check_table(checks: list[StackCheck]) -> str:
    rows = []
    for check in checks:
        for plan in check.plans:
            shortfalls = ", ".join(
                f"{s.cluster} {s.gpus} {s.gpu}" + (" RDMA" if s.rdma else "")
                for s in plan.shortfalls
            )
            rows.append(
                [
                    check.stack,
                    plan.outage.id,
                    ", ".join(plan.outage.clusters),
                    "yes" if plan.feasible else "NO",
                    shortfalls or "-",
                    _rto(plan),
                ]
            )
    return table(
        ["stack", "outage", "failed clusters", "feasible", "shortfalls", "est. RTO / target"],
        rows,
        right=(5,),
    )


def _check_summary(checks: list[StackCheck]) -> str:
    plans = [p for c in checks for p in c.plans]
    bad = [p for p in plans if not p.feasible]
    lines = [f"{p.stack} {p.outage.id}: {problem}" for p in bad for problem in p.problems()]
    unprotected = sum(len(c.unprotected) for c in checks)
    clusters = f"{unprotected} cluster{'' if unprotected == 1 else 's'} unprotected"
    if bad:
        lines.append(f"infra: {len(bad)} of {len(plans)} outages infeasible")
    elif any(c.strict and c.unprotected for c in checks):
        lines.append(f"infra: {clusters} (--strict)")
    else:
        lines.append(
            f"ok: {len(plans)} outages of {len(checks)} stacks feasible"
            + (f" ({clusters})" if unprotected else "")
        )
    return "\n".join(lines)


def _regions(stacks: Sequence[ResolvedStack]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(s.name, c.name): (c.cloud, c.region) for s in stacks for c in s.clusters}


def _shared_text(shared: Sequence[SharedOutage]) -> str:
    """Outages that hit several stacks: each stack's verdict, and the GPUs they place together
    in each target region (what a quota shared by their account must hold)."""
    lines = ["Outages that hit several stacks (GPUs placed together per target region):"]
    for outage in shared:
        verdicts = ", ".join(
            f"{p.stack} {'feasible' if p.feasible else 'NOT feasible'}" for p in outage.plans
        )
        lines.append(f"  {outage.id}: {verdicts}")
        for cloud, region, gpu, gpus in outage.placed:
            names = outage.stacks_by_target[(cloud, region, gpu)]
            lines.append(f"    {gpus} {gpu} in {cloud}:{region} ({', '.join(names)})")
    return "\n".join(lines)


def _shared_json(outage: SharedOutage) -> dict[str, object]:
    return {
        "id": outage.id,
        "feasible": outage.feasible,
        "stacks": [p.stack for p in outage.plans],
        "placed": [
            {
                "cloud": cloud,
                "region": region,
                "gpu": gpu,
                "gpus": gpus,
                "stacks": list(outage.stacks_by_target[(cloud, region, gpu)]),
            }
            for cloud, region, gpu, gpus in outage.placed
        ],
    }


def _rto(plan: FailoverPlan) -> str:
    target = f"{plan.rto_minutes}" if plan.rto_minutes is not None else "-"
    return f"{plan.estimated_rto_minutes} / {target} min"


# -- plan -----------------------------------------------------------------------------------


def _plan(args: argparse.Namespace) -> int:
    resolution = resolve_paths([args.path], timeout=args.load_timeout)
    if not resolution.ok:
        return report_problems(resolution.problems, args.json)
    stacks = choose_stacks(resolution.stacks, args.stack, args.fail)
    catalog = default_catalog()
    plans = [plan_outage(s, parse_outage(s, args.fail), catalog) for s in stacks]
    ok = all(p.feasible for p in plans)
    shared = shared_outages(plans, _regions(stacks)) if len(plans) > 1 else ()
    if args.json:
        problems = [
            problem_json(Problem(s.file, s.name, "dr", f"outage {p.outage.id}: {line}"))
            for s, p in zip(stacks, plans, strict=True)
            for line in p.problems()
        ]
        document: dict[str, object] = {
            "ok": ok,
            "problems": problems,
            "plans": [plan_document(p) for p in plans],
            "shared_outages": [_shared_json(o) for o in shared],
        }
        if len(plans) == 1:
            document["plan"] = plan_document(plans[0])
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print("\n\n".join(_plan_text(p) for p in plans))
        if shared:
            print()
            print(_shared_text(shared))
    return 0 if ok else 1


def choose_stacks(
    stacks: tuple[ResolvedStack, ...], name: str | None, outage: str
) -> tuple[ResolvedStack, ...]:
    """The stack ``--stack`` names, else every stack of PATH in which ``outage`` exists: one
    region or cloud outage hits every stack with clusters there, and they are planned together."""
    if name is not None or len(stacks) <= 1:
        return (choose_stack(stacks, name, outage),)
    matching = []
    errors = []
    for stack in stacks:
        try:
            parse_outage(stack, outage)
        except OutageError as exc:
            errors.append(str(exc))
        else:
            matching.append(stack)
    if not matching:
        raise OutageError(f"--fail: {'; '.join(errors)}")
    return tuple(matching)


def choose_stack(stacks: tuple[ResolvedStack, ...], name: str | None, outage: str) -> ResolvedStack:
    """The stack ``--stack`` names, else the only one of PATH in which ``outage`` exists."""
    if name is not None:
        chosen = [s for s in stacks if s.name == name]
        if not chosen:
            raise UsageError(f"--stack: {unknown('stack', name, [s.name for s in stacks])}")
        return chosen[0]
    if len(stacks) == 1:
        return stacks[0]
    if not stacks:
        raise UsageError("PATH defines no stack")
    matching = []
    errors = []
    for stack in stacks:
        try:
            parse_outage(stack, outage)
        except OutageError as exc:
            errors.append(str(exc))
        else:
            matching.append(stack)
    if len(matching) == 1:
        return matching[0]
    if matching:
        raise UsageError(
            f"--fail: outage {outage!r} is in several stacks "
            f"({', '.join(s.name for s in matching)}); choose one with --stack"
        )
    raise OutageError(f"--fail: {'; '.join(errors)}")


def _plan_text(plan: FailoverPlan) -> str:
    lines = [
        f"{plan.stack}: outage {plan.outage.id} ({plan.outage.title}), "
        f"failed: {', '.join(plan.outage.clusters)}",
    ]
    if plan.placements:
        lines += [
            "",
            table(
                ["failed cluster", "GPU", "RDMA", "target", "target GPU", "GPUs"],
                [
                    [
                        p.cluster,
                        p.gpu,
                        "yes" if p.rdma else "no",
                        p.target,
                        p.target_gpu,
                        str(p.gpus),
                    ]
                    for p in plan.placements
                ],
                right=(5,),
            ),
        ]
    if plan.data:
        lines += [
            "",
            table(
                ["failed cluster", "target", "data path", "lag", "RPO"],
                [
                    [d.source, d.target, d.mechanism, _lag(d), _rpo_verdict(d, plan)]
                    for d in plan.data
                ],
            ),
        ]
    if plan.steps:
        lines += [
            "",
            table(
                ["#", "step", "phase", "minutes", "start-finish", "after", "critical"],
                [
                    [
                        str(i),
                        s.id,
                        str(s.phase),
                        str(s.minutes),
                        f"{s.start}-{s.finish}",
                        ", ".join(s.depends_on) or "-",
                        "*" if s.critical else "",
                    ]
                    for i, s in enumerate(plan.steps, start=1)
                ],
                right=(0, 3, 4),
            ),
        ]
    lines += [
        "",
        f"critical path: {' -> '.join(plan.critical_path) or '(no steps)'}",
        f"estimated RTO: {_rto(plan)} (estimates: infra/dr/data/timing.csv)",
    ]
    lines += [f"unprotected: {name} (no failover entry)" for name in plan.unprotected]
    lines += [f"problem: {line}" for line in plan.problems()]
    lines += [f"warning: {line}" for line in plan.warnings()]
    lines.append("feasible" if plan.feasible else "NOT feasible")
    return "\n".join(lines)


def _lag(path: DataPath) -> str:
    if path.kind == "none":
        return "-"
    return f"<= {path.lag_minutes} min" if path.lag_minutes is not None else "no bound"


def _rpo_verdict(path: DataPath, plan: FailoverPlan) -> str:
    if path.kind == "none" or plan.rpo_minutes is None:
        return "-"
    if path.lag_minutes is None:
        return "not promised"
    return "met" if path.problem(plan.rpo_minutes) is None else "MISSED"
