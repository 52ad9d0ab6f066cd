"""``infra drill``: run a failover plan against the clouds' APIs (see docs/drills.md).

Dry-run by default: every call with its parameters, in order, and the estimated timeline.
``--execute`` makes the calls, journaled under ``--runs`` (default ``.infra/drills``) so that
``--resume RUN`` continues a drill that died without repeating a call, and ``--failback RUN``
returns the standby pools and the traffic to where RUN found them.

Safety: against an endpoint that is not on this machine (a real cloud), ``--execute`` asks for
the stack's name to be typed (or ``--yes``); an infeasible plan is refused unless ``--force``.
Exit status: 0 the drill recovered within the RTO (a dry run: the plan is feasible), 1 it did
not or the stacks are invalid, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.clouds import CLOUDS
from infra.console import add_load_timeout, problem_json, report_problems
from infra.dr.cli import choose_stack
from infra.drill.api import is_loopback
from infra.drill.executor import Settings
from infra.drill.journal import JournalState, new_run_id, run_directory
from infra.drill.run import Prepared, dry_run, execute, prepare
from infra.errors import InfraError, Problem, UsageError
from infra.pipeline import resolve_paths
from infra.run import parse_endpoints

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[Any]

__all__ = ["register"]


def register(subparsers: SubParsers) -> None:
    """Add ``drill`` to the ``infra`` command's subparsers."""
    drill = subparsers.add_parser(
        "drill",
        help="run a failover plan against the cloud APIs (dry-run unless --execute)",
        description=__doc__.split("\n\n", 1)[1].split("\nExit status")[0].replace("``", "")
        if __doc__
        else None,
    )
    drill.add_argument("path", metavar="PATH", help="a stack file or a directory of them")
    drill.add_argument(
        "--fail",
        required=True,
        metavar="OUTAGE",
        help="a cluster name, CLOUD:REGION (e.g. azure:eastus) or a whole CLOUD",
    )
    drill.add_argument("--stack", metavar="NAME", help="the stack, when PATH defines several")
    mode = drill.add_mutually_exclusive_group()
    mode.add_argument("--execute", action="store_true", help="make the calls (default: dry run)")
    mode.add_argument("--resume", metavar="RUN", help="continue an executed drill that stopped")
    mode.add_argument("--failback", metavar="RUN", help="undo drill RUN: traffic, then pools")
    drill.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="CLOUD=URL",
        help="a local API for a cloud (moto, the repo's local Azure/Alibaba endpoints)",
    )
    drill.add_argument("--yes", action="store_true", help="confirm prompts and manual steps")
    drill.add_argument("--force", action="store_true", help="execute an infeasible plan anyway")
    drill.add_argument(
        "--runs",
        default=".infra/drills",
        metavar="DIR",
        help="where run journals and reports go (default: .infra/drills)",
    )
    drill.add_argument(
        "--time-factor",
        type=_factor,
        default=None,
        metavar="F",
        help="scale waits and measured times for local endpoints that provision F times as "
        "fast as the cloud (default 1)",
    )
    drill.add_argument(
        "-j", "--parallel", type=int, default=8, metavar="N", help="steps at once (default 8)"
    )
    drill.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    add_load_timeout(drill)
    drill.set_defaults(handler=_drill)


def _factor(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number in (0, 1]")
    return value


def _drill(args: argparse.Namespace) -> int:
    resolution = resolve_paths([args.path], timeout=args.load_timeout)
    if not resolution.ok:
        return report_problems(resolution.problems, args.json)
    stack = choose_stack(resolution.stacks, args.stack, args.fail)
    runs = Path(args.runs)
    previous: dict[str, Any] = {}
    run_dir: Path | None = None
    if args.resume:
        run_dir = run_directory(runs, args.resume)
        previous = _request(run_dir, args.resume)
        if previous.get("stack") != stack.name or previous.get("outage") != args.fail:
            raise UsageError(
                f"--resume {args.resume}: that run drilled {previous.get('outage')!r} of "
                f"{previous.get('stack')!r}, not {args.fail!r} of {stack.name!r}"
            )
    endpoints = dict(previous.get("endpoints", {}))
    endpoints.update(parse_endpoints(args.endpoint, list(CLOUDS)))
    factor = args.time_factor or float(previous.get("time_factor", 1.0))
    prepared = prepare(stack, args.fail, endpoints)
    try:
        if not (args.execute or args.resume or args.failback):
            return _print(dry_run(prepared), args, prepared, None)
        plan = prepared.plan
        if not plan.feasible and not args.force and not args.failback:
            lines = "; ".join(plan.problems())
            raise InfraError(
                f"drill: outage {plan.outage.id} of {stack.name} is infeasible ({lines}); "
                "refusing to execute it (--force runs it anyway)"
            )
        _confirm(prepared, args)
        failback_of = None
        if args.failback:
            origin = run_directory(runs, args.failback)
            _request(origin, args.failback)
            failback_of = JournalState.load(origin)
            run = new_run_id(stack.name, f"{plan.outage.slug}-failback")
            run_dir = runs / run
        elif args.resume:
            assert run_dir is not None
            run = run_dir.name
            if previous.get("failback_of"):
                failback_of = JournalState.load(run_directory(runs, previous["failback_of"]))
        else:
            run = new_run_id(stack.name, plan.outage.slug)
            run_dir = runs / run
        assert run_dir is not None
        request = {
            "stack": stack.name,
            "stack_file": stack.file,
            "outage": args.fail,
            "endpoints": endpoints,
            "time_factor": factor,
            "failback_of": args.failback or previous.get("failback_of"),
        }
        progress = _Progress(sys.stderr, quiet=args.json)
        settings = Settings(
            approve=_approver(args.yes, progress),
            time_factor=factor,
            max_workers=max(1, args.parallel),
            progress=progress,
        )
        report = execute(prepared, run_dir, run, settings, request, failback_of)
        progress.close()
        from infra.drill.report import write_reports  # noqa: PLC0415

        paths = write_reports(report, run_dir)
        return _print(report, args, prepared, paths)
    finally:
        prepared.close()


def _request(directory: Path, run: str) -> dict[str, Any]:
    path = directory / "drill.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"{run}: no drill run there ({path} cannot be read)") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{run}: {path} is not a drill run")
    return data


def _confirm(prepared: Prepared, args: argparse.Namespace) -> None:
    """Against a real cloud (an endpoint not on loopback), the stack's name must be typed."""
    touched = dict.fromkeys(s.cloud for s in prepared.steps)
    remote = sorted(CLOUDS[c].title for c in touched if not is_loopback(prepared.endpoints.get(c)))
    if not remote or args.yes:
        return
    name = prepared.stack.name
    if not sys.stdin.isatty():
        raise InfraError(
            f"drill: this changes {', '.join(remote)} for real; run it from a terminal to "
            f"confirm by typing the stack name, or pass --yes"
        )
    print(
        f"This drill changes {', '.join(remote)} for real (outage {prepared.plan.outage.id}). "
        f"Type the stack name ({name}) to go on: ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    if sys.stdin.readline().strip() != name:
        raise InfraError("drill: not confirmed; nothing was changed")


def _approver(yes: bool, progress: _Progress) -> Any:
    def approve(prompt: str) -> bool:
        if yes:
            progress.line(f"approved (--yes): {prompt}")
            return True
        if not sys.stdin.isatty():
            progress.line(f"needs a person (or --yes): {prompt}")
            return False
        progress.pause()
        print(f"{prompt}\nDone? [y/N] ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().lower()
        progress.resume()
        return answer in {"y", "yes"}

    return approve


class _Progress:
    """Live progress on stderr: a rich table of steps on a terminal, else one line per event."""

    def __init__(self, stream: Any, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.started = time.monotonic()
        self.rows: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        self._live: Any = None
        if not quiet and getattr(stream, "isatty", lambda: False)():
            from rich.console import Console  # noqa: PLC0415
            from rich.live import Live  # noqa: PLC0415

            self._live = Live(self._table(), console=Console(file=stream), refresh_per_second=8)
            self._live.start()

    def __call__(self, step: str, status: str, detail: str) -> None:
        with self._lock:
            self.rows[step] = (status, detail)
            if self._live is not None:
                self._live.update(self._table())
            elif not self.quiet:
                elapsed = time.monotonic() - self.started
                text = f"[{elapsed:7.1f}s] {step}: {status}" + (f" ({detail})" if detail else "")
                print(text, file=self.stream, flush=True)

    def line(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(text, markup=False, highlight=False)
        elif not self.quiet:
            print(text, file=self.stream, flush=True)

    def pause(self) -> None:
        if self._live is not None:
            self._live.stop()

    def resume(self) -> None:
        if self._live is not None:
            self._live.start()

    def close(self) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.stop()
            self._live = None

    def _table(self) -> Any:
        from rich.table import Table  # noqa: PLC0415

        table = Table(title=f"drill ({time.monotonic() - self.started:.1f} s)")
        for column in ("step", "status", "last"):
            table.add_column(column)
        for step, (status, detail) in self.rows.items():
            table.add_row(step, status, detail[:80])
        return table


def _print(
    report: Mapping[str, Any],
    args: argparse.Namespace,
    prepared: Prepared,
    paths: Mapping[str, Path] | None,
) -> int:
    plan = prepared.plan
    dry = report["mode"] == "dry-run"
    ok = plan.feasible if dry else bool(report["ok"])
    if args.json:
        problems = [
            problem_json(Problem(prepared.stack.file, prepared.stack.name, "dr", line))
            for line in report["problems"]
        ]
        document = {
            "ok": ok,
            "problems": problems,
            "report": dict(report),
            "files": {k: str(v) for k, v in (paths or {}).items()},
        }
        print(json.dumps(document, indent=2, sort_keys=True))
        return 0 if ok else 1
    if dry:
        print(_dry_text(report))
    else:
        from infra.drill.report import summary_lines  # noqa: PLC0415

        for line in summary_lines(report):
            print(line)
        for name, path in (paths or {}).items():
            print(f"report ({name}): {path}")
        print(f"run: {report['run']}")
    return 0 if ok else 1


def _dry_text(report: Mapping[str, Any]) -> str:
    lines = [
        f"{report['stack']}: drill of outage {report['outage']} ({report['outage_title']}), "
        "dry run: no call is made (--execute makes them)",
        "",
    ]
    for n, step in enumerate(report["steps"], start=1):
        after = ", ".join(step["depends_on"]) or "-"
        start, length = step["planned_start_minutes"], step["planned_minutes"]
        lines.append(
            f"{n}. {step['id']} [{step['cloud']} {step['region']}] "
            f"min {start}-{start + length}, after {after}{' (critical)' if step['critical'] else ''}"
        )
        if step["approval"]:
            lines.append(f"   manual step: {step['approval']}")
        for call in step["calls"]:
            marker = "change" if call["mutating"] else call.get("kind", "read")
            lines.append(f"   {marker:9} {call['describe']}")
    lines += [
        "",
        f"estimated RTO: {report['estimated_rto_minutes']} / {report['rto_minutes']} min",
    ]
    lines += [f"problem: {p}" for p in report["problems"]]
    return "\n".join(lines)
