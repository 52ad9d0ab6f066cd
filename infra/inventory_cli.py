"""``infra inventory``: every node pool as deployed, one row each, for a CMDB (docs/inventory.md).

``register`` adds the command to the main parser (``infra/cli.py``). Stack paths, problems and
exit status as ``infra cost`` and ``infra validate``: 0 success; 1 invalid stacks, their
problems one line each on stderr and nothing on stdout (with ``--json`` the usual document,
``ok`` false); 2 wrong usage. The rows come from :mod:`infra.inventory`; this module only
prints them: an aligned table by default, ``--json`` the versioned document, ``--csv`` RFC 4180
text with a header row. Nothing is written but standard output and error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from infra.catalog import default_catalog
from infra.console import add_load_timeout, money, report_problems, table
from infra.inventory import (
    PRIMARY,
    SCHEMA,
    InventoryRow,
    csv_text,
    inventory,
    inventory_document,
)
from infra.pipeline import resolve_paths

if TYPE_CHECKING:
    from typing import Any

    SubParsers = argparse._SubParsersAction[Any]

__all__ = ["register"]

_HEADERS = (
    "stack",
    "cluster",
    "pool",
    "where",
    "zones",
    "role",
    "instance type",
    "GPU",
    "GPUs/node",
    "nodes min/desired/max",
    "GPUs",
    "per hour",
)
_RIGHT = (8, 10, 11)  # the numbers


def register(subparsers: SubParsers) -> None:
    """Add ``inventory`` to the ``infra`` command's subparsers."""
    description = (
        "Every node pool as deployed (DR standby pools included), one row each: cluster, "
        "instance type, GPUs, region and zones, owner and tags, standby role and hourly cost."
    )
    sub = subparsers.add_parser(
        "inventory",
        help="every node pool as deployed, one row each, for a CMDB (table, JSON or CSV)",
        description=description,
    )
    sub.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="stack files or directories of them (default: stacks/)",
    )
    form = sub.add_mutually_exclusive_group()
    form.add_argument(
        "--json",
        action="store_true",
        help=f"print one JSON document on stdout ({{'schema': '{SCHEMA}', 'rows': [...]}})",
    )
    form.add_argument(
        "--csv", action="store_true", help="print CSV (RFC 4180) with a header row on stdout"
    )
    add_load_timeout(sub)
    sub.set_defaults(handler=_inventory)


def _inventory(args: argparse.Namespace) -> int:
    resolution = resolve_paths(args.paths, timeout=args.load_timeout)
    if not resolution.ok:
        return report_problems(resolution.problems, args.json, {"schema": SCHEMA, "rows": []})
    rows = inventory(resolution.stacks, default_catalog())
    if args.json:
        print(json.dumps(inventory_document(rows), indent=2))
    elif args.csv:
        sys.stdout.write(csv_text(rows))
    else:
        print(table(_HEADERS, [_table_row(r) for r in rows], right=_RIGHT))
        print()
        print(_summary(rows))
    return 0


def _table_row(row: InventoryRow) -> list[str]:
    return [
        row.stack,
        row.cluster,
        row.pool,
        f"{row.cloud}:{row.region}",
        ",".join(row.zones) or "-",
        _role_text(row),
        row.instance_type,
        row.gpu or "-",
        f"{row.gpus_per_node:g}" if row.gpu else "-",
        f"{row.nodes_min}/{row.nodes_desired}/{row.nodes_max}",
        f"{row.gpus:g}" if row.gpu else "-",
        money(row.hourly_usd),
    ]


def _role_text(row: InventoryRow) -> str:
    """``primary``, or the role with what it serves: the pools a standby pool carries, the
    clusters an automatic system pool takes in."""
    if row.role == PRIMARY:
        return PRIMARY
    served = row.standby_for_pools or row.standby_for
    return f"{row.role} for {', '.join(served)}" if served else row.role


def _summary(rows: Sequence[InventoryRow]) -> str:
    """The totals under the table: pools, clusters, stacks, GPUs now, and the hourly cost (the
    ``infra cost`` total), with where to find the columns the table leaves out."""
    stacks = len({r.stack for r in rows})
    clusters = len({(r.stack, r.cluster) for r in rows})
    gpus = sum(r.gpus for r in rows if r.gpu)
    hourly = sum(r.hourly_usd or 0.0 for r in rows)
    unpriced = sum(1 for r in rows if r.hourly_usd is None)
    missing = f" ({unpriced} pools have no price in the catalog)" if unpriced else ""
    return (
        f"{len(rows)} pools in {clusters} clusters of {stacks} stacks; {gpus:g} GPUs at the "
        f"desired node counts; {money(hourly)} per hour{missing}. Owner, tags and every other "
        "column: --json or --csv (docs/inventory.md)."
    )
