"""``infra plan``, ``infra apply``, ``infra destroy``, ``infra drift`` and ``infra bootstrap``:
Terraform over the roots of a render (see :mod:`infra.run`).

Exit status: 0 every root succeeded (and, for drift, none drifted), 1 a root failed, was skipped
or drifted, 2 wrong usage. Progress goes to stderr, one line per root; the summary table (or,
with ``--json``, one JSON document) to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from infra.console import table
from infra.run import BOOTSTRAP, OPERATIONS, RootResult, Run, parse_endpoints, run_roots

if TYPE_CHECKING:
    from typing import Any

    SubParsers = argparse._SubParsersAction[Any]

__all__ = ["register"]

_HELP = {
    "plan": "terraform plan every root of a render (saved plans, for apply)",
    "apply": "apply the saved plans of infra plan, in order; refuses stale plans",
    "destroy": "destroy every root of a render, in reverse order; keeps log buckets and state",
    "drift": "which roots' real state differs from their code (plan -detailed-exitcode)",
    BOOTSTRAP: "create each stack's state backend (its _global root), once, before the first plan",
}
_DESCRIPTION = {
    "destroy": (
        "Destroy every root of a render, in reverse order. What holds data that outlives the "
        "roots is kept and named in the result: a cluster's access-log bucket (versioned, holding "
        "logs) is taken out of the root's state before the destroy, and the _global root, whose "
        "state backend holds every root's state (prevent_destroy), is not destroyed. "
        "--delete-logs deletes the access-log buckets with their logs instead. See Teardown in "
        "modules/aws-gpu-cluster/README.md and modules/state-backend-aws/README.md."
    ),
    BOOTSTRAP: (
        "Create each stack's state backend: a _global root whose backend does not exist yet is "
        'applied with local state (a generated backend "local" override), its state is moved '
        "into the backend it created (terraform init -migrate-state) and the local state is "
        "removed. Where the backend exists already it does nothing, so it is safe to run again; "
        "a bootstrap that was interrupted continues from its local state."
    ),
}


def register(subparsers: SubParsers) -> None:
    """Add the Terraform runner's commands to the ``infra`` command's subparsers."""
    for operation in (*OPERATIONS, BOOTSTRAP):
        sub = subparsers.add_parser(
            operation,
            help=_HELP[operation],
            description=_DESCRIPTION.get(operation, _HELP[operation]),
        )
        sub.add_argument(
            "-o", "--out", default="build", metavar="DIR", help="the render (default: build)"
        )
        sub.add_argument(
            "-j", "--jobs", type=_jobs, default=4, metavar="N", help="roots at once (default: 4)"
        )
        if operation != BOOTSTRAP:
            which = sub.add_mutually_exclusive_group()
            which.add_argument(
                "--changed",
                action="store_true",
                help="only roots changed since their last successful plan or apply "
                "(and dependants)",
            )
            which.add_argument(
                "--since", metavar="REF", help="only roots whose files differ from git REF"
            )
            sub.add_argument(
                "--root",
                action="append",
                default=[],
                metavar="PATH",
                help="only this root (terraform/<stack>/<root>; repeatable): a CI matrix job's",
            )
        if operation == "destroy":
            sub.add_argument(
                "--delete-logs",
                action="store_true",
                help="also delete the clusters' access-log buckets with every log in them "
                "(kept by default)",
            )
        sub.add_argument(
            "--endpoint",
            action="append",
            default=[],
            metavar="CLOUD=URL",
            help="point a cloud's provider and state backend at a local API (aws=URL)",
        )
        sub.add_argument(
            "--timeout",
            type=float,
            default=3600.0,
            metavar="SECONDS",
            help="per Terraform command (default: 3600)",
        )
        sub.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        sub.set_defaults(handler=_handler(operation))


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


def _handler(operation: str) -> Any:
    def handle(args: argparse.Namespace) -> int:
        run = Run(
            Path(args.out),
            operation,
            jobs=args.jobs,
            changed=getattr(args, "changed", False),
            since=getattr(args, "since", None),
            endpoints=parse_endpoints(args.endpoint),
            timeout=args.timeout,
            progress=_progress,
            delete_logs=getattr(args, "delete_logs", False),
            only=tuple(getattr(args, "root", ())),
        )
        results = run_roots(run)
        return _report(operation, results, args.json)

    return handle


def _progress(result: RootResult, done: int, total: int) -> None:
    width = 20
    filled = width * done // max(total, 1)
    bar = "#" * filled + "." * (width - filled)
    detail = "  ".join(
        part for part in (str(result.changes) if result.changes else "", result.message) if part
    )
    print(
        f"[{bar}] {done}/{total} {result.status:<7} {result.path}  {detail}",
        file=sys.stderr,
        flush=True,
    )


def _drifted(operation: str, result: RootResult) -> bool:
    return operation == "drift" and result.changes is not None and not result.changes.empty


def _report(operation: str, results: list[RootResult], as_json: bool) -> int:
    failed = [r for r in results if not r.ok]
    drifted = [r for r in results if _drifted(operation, r)]
    ok = not failed and not drifted
    if as_json:
        document = {
            "ok": ok,
            "operation": operation,
            "roots": [
                {
                    "path": r.path,
                    "status": r.status,
                    "add": r.changes.add if r.changes else None,
                    "change": r.changes.change if r.changes else None,
                    "destroy": r.changes.destroy if r.changes else None,
                    "drifted": _drifted(operation, r),
                    "message": r.message,
                    "seconds": round(r.seconds, 1),
                }
                for r in results
            ],
            "problems": [
                {
                    "file": "",
                    "stack": "",
                    "path": r.path,
                    "message": r.message,
                    "text": f"{r.path}: {r.message}",
                }
                for r in failed
            ],
        }
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        rows = [
            [
                r.path,
                r.status + (" (drift)" if _drifted(operation, r) else ""),
                *(
                    (str(r.changes.add), str(r.changes.change), str(r.changes.destroy))
                    if r.changes
                    else ("", "", "")
                ),
                f"{r.seconds:.1f}",
            ]
            for r in results
        ]
        print(
            table(
                ["root", "status", "add", "change", "destroy", "seconds"], rows, right=(2, 3, 4, 5)
            )
        )
    for r in results:
        if r.message and r.status != "skipped":
            message = r.message.removeprefix(f"{r.path}: ")
            print(f"infra: {r.path}: {message}", file=sys.stderr)
    if drifted:
        print(f"infra: {len(drifted)} root(s) drifted from their code", file=sys.stderr)
    summary = f"infra {operation}: {len(results) - len(failed)} of {len(results)} roots ok"
    print(summary, file=sys.stderr)
    return 0 if ok else 1
