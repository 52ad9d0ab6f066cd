"""The argparse wiring of ``infra catalog refresh`` (see :mod:`infra.catalog.refresh`).

``configure(parser)`` adds the arguments to a (sub)parser and sets ``handler=``; the handler
prints the diff and returns the exit code: 0 when the file was written, 1 (via
:class:`CatalogError`) when a region failed and nothing was written; bad input is a
:class:`UsageError` (exit 2 in ``infra.cli``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from infra.catalog.refresh import DEFAULT_THRESHOLD_PCT, refresh, refreshable_clouds
from infra.endpoints import parse_endpoints
from infra.errors import UsageError, unknown

__all__ = ["configure", "handle"]


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``--cloud``, ``--region``, ``--out``, ``--endpoint`` and ``--threshold``."""
    parser.add_argument("--cloud", required=True, help="the cloud whose <cloud>.csv to rebuild")
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="R",
        help="refresh this region only (repeatable; default: every region of the current file)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write <cloud>.csv to DIR instead of the packaged data directory",
    )
    parser.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="CLOUD=URL",
        help="send the cloud's API calls to URL (a local endpoint), as `infra drill` does",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD_PCT,
        metavar="PCT",
        help=f"report price changes above PCT %% (default {DEFAULT_THRESHOLD_PCT:g})",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, out: Callable[[str], None] | None = None) -> int:
    """Refresh, print the diff (one line per change and a summary), return 0."""
    echo = out or _print
    clouds = refreshable_clouds()
    if args.cloud not in clouds:
        raise UsageError(f"--cloud: {unknown('cloud', args.cloud, clouds)}")
    if not 0 <= args.threshold < 1000:
        raise UsageError(f"--threshold {args.threshold:g}: expected a percentage (0 to 1000)")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {str(args.out)!r}: not a directory")
    endpoints = parse_endpoints(args.endpoint, clouds)
    result = refresh(
        args.cloud,
        regions=args.region,
        out=args.out,
        endpoint=endpoints.get(args.cloud),
        threshold=args.threshold,
    )
    for line in result.diff.lines(args.cloud, args.threshold):
        echo(line)
    echo(f"wrote {result.path}")
    return 0


def _print(line: str) -> None:
    print(line, file=sys.stdout)
