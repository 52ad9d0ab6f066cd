"""``infra ci matrix``: the roots of a render to plan, as a CI job matrix (see :mod:`infra.ci`).

Without ``--json`` stdout is the matrix itself, compact on one line, for
``echo "matrix=$(infra ci matrix -o build)" >> "$GITHUB_OUTPUT"``; with ``--json`` it is the
usual document, ``{"ok": true, "matrix": ..., "problems": []}``. No root selected is an empty
matrix and exit 0. Exit status 1 for a directory that holds no render (or no Terraform roots)
and for a matrix larger than the CI system accepts; 2 for wrong usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from infra.ci import FORMATS, MATRIX_LIMITS, matrix, matrix_roots
from infra.errors import InfraError
from infra.run import load_roots, select_roots

if TYPE_CHECKING:
    from typing import Any

    SubParsers = argparse._SubParsersAction[Any]

__all__ = ["register"]


def register(subparsers: SubParsers) -> None:
    """Add ``ci matrix`` to the ``infra`` command's subparsers."""
    ci = subparsers.add_parser(
        "ci",
        help="for CI pipelines: the roots of a render as a job matrix",
        description="Helpers for CI pipelines over a render.",
    )
    ci.set_defaults(handler=lambda _args: _usage(ci))
    commands = ci.add_subparsers(dest="ci_command", metavar="COMMAND")
    description = (
        "Print the Terraform roots of a render to plan as a CI job matrix: GitHub Actions "
        "strategy.matrix ({'include': [...]}) or GitLab parallel:matrix ([{'ROOT': ...}, ...])."
    )
    sub = commands.add_parser(
        "matrix", help="the roots to plan as a GitHub or GitLab job matrix", description=description
    )
    sub.add_argument(
        "-o", "--out", default="build", metavar="DIR", help="the render (default: build)"
    )
    which = sub.add_mutually_exclusive_group()
    which.add_argument(
        "--changed",
        action="store_true",
        help="only roots changed since their last successful plan or apply (and dependants)",
    )
    which.add_argument("--since", metavar="REF", help="only roots whose files differ from git REF")
    sub.add_argument(
        "--format",
        dest="form",
        choices=FORMATS,
        default="github",
        help="the matrix shape (default: github)",
    )
    sub.add_argument(
        "--json", action="store_true", help="print one JSON document (ok, matrix, problems)"
    )
    sub.set_defaults(handler=_matrix)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _matrix(args: argparse.Namespace) -> int:
    out = Path(args.out)
    roots = load_roots(out)
    selected = select_roots(out, roots, changed=args.changed, since=args.since)
    entries = matrix_roots(roots, selected)
    limit = MATRIX_LIMITS[args.form]
    if len(entries) > limit:
        raise InfraError(
            f"{out}: {len(entries)} roots to plan, more than the {limit} jobs a {args.form} "
            "matrix may create; select fewer with --changed or --since"
        )
    value = matrix(entries, args.form)
    if args.json:
        document = {"ok": True, "matrix": value, "problems": []}
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print(json.dumps(value, separators=(",", ":"), sort_keys=True))
    print(f"infra ci matrix: {len(entries)} of {len(roots)} roots", file=sys.stderr)
    return 0
