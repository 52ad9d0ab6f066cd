"""The ``infra`` command line. Exit status: 0 success, 1 invalid stacks or a failed operation,
2 wrong usage. ``--json`` prints one JSON document on stdout."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from infra import __version__
from infra.catalog import Catalog, Offer, default_catalog
from infra.catalog.refresh_cli import configure as configure_refresh
from infra.ci_cli import register as register_ci
from infra.clouds import CLOUDS
from infra.console import add_load_timeout, money, problem_json, report_problems, table
from infra.cost import StackCost, cost_of
from infra.deploy import deployed
from infra.dr.cli import register as register_dr
from infra.drill.cli import register as register_drill
from infra.errors import InfraError, Problem, UsageError, unknown
from infra.inventory_cli import register as register_inventory
from infra.model import Stack
from infra.output import inspect_output
from infra.pipeline import Resolution, resolve_paths
from infra.render import TARGETS, render_stacks
from infra.resolve import HOURS_PER_MONTH
from infra.run_cli import register as register_run

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """Usage errors become :class:`UsageError`, so ``--json`` gets its document for them too."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in arguments
    if sys.stdout is None:  # Python's stand-in when descriptor 1 was closed at start-up
        print(
            "infra: standard output is closed (redirect it to /dev/null to discard it)",
            file=sys.stderr,
        )
        return 1
    try:
        parser = _parser()
        args = parser.parse_args(arguments)
        if not getattr(args, "command", None):
            parser.print_help(sys.stderr)
            return 2
        code: int = args.handler(args)
        sys.stdout.flush()
        return code
    except UsageError as exc:
        return _fail(exc, as_json, 2, prefix="infra: error: ")
    except InfraError as exc:
        return _fail(exc, as_json, 1, prefix="infra: ")
    except (BrokenPipeError, ValueError) as exc:
        if isinstance(exc, ValueError) and not sys.stdout.closed:
            raise
        # stdout went away (a closed pipe or descriptor): say so where someone may read it.
        print("infra: standard output is closed; nothing more was printed", file=sys.stderr)
        return 1


def _fail(exc: InfraError, as_json: bool, code: int, prefix: str) -> int:
    """One line on stderr; with ``--json`` also the one JSON document, ``ok`` false."""
    problem = Problem("", "", "", str(exc))
    if as_json:
        document = {"ok": False, "problems": [problem_json(problem)]}
        print(json.dumps(document, indent=2, sort_keys=True))
    print(f"{prefix}{problem}", file=sys.stderr)  # Problem escapes what users typed
    return code


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="infra",
        description="GPU clusters on AWS, Azure and Alibaba Cloud from one Python definition.",
    )
    parser.add_argument("--version", action="version", version=f"infra {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def stack_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="stack files or directories of them (default: stacks/)",
        )
        sub.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        add_load_timeout(sub)
        return sub

    validate = stack_command("validate", "load and validate stacks; report every error at once")
    validate.set_defaults(handler=_validate)

    cost = stack_command("cost", "hourly and monthly cost per stack, cluster and pool")
    cost.set_defaults(handler=_cost)

    render = stack_command("render", "write Terraform, Pulumi and DR plans for the stacks")
    render.add_argument(
        "-o",
        "--out",
        default="build",
        metavar="DIR",
        help=(
            "output directory: new, empty or a previous render; replaced atomically, "
            "keeping files you added (default: build)"
        ),
    )
    render.add_argument(
        "--prune",
        action="store_true",
        help="delete roots no longer rendered even when they hold state or user files",
    )
    render.add_argument(
        "--target", default="all", choices=[*TARGETS, "all"], help="what to render (default: all)"
    )
    render.set_defaults(handler=_render)

    catalog = commands.add_parser(
        "catalog",
        help="where a GPU is offered, on which instance types, at what price",
        description="Show the GPU catalog, filtered by GPU, cloud and region.",
    )
    catalog.add_argument("--gpu", help="GPU model, e.g. H100")
    catalog.add_argument("--cloud", help="aws, azure or alicloud")
    catalog.add_argument("--region", help="the cloud's region code, e.g. us-east-1")
    catalog.add_argument(
        "--all", action="store_true", help="include CPU-only types (default: GPU types only)"
    )
    catalog.add_argument("--sources", action="store_true", help="print where the data comes from")
    catalog.add_argument(
        "--kubernetes",
        action="store_true",
        help="show each cloud's Kubernetes calendar (release and end-of-support dates)",
    )
    catalog.add_argument(
        "--sort",
        choices=_SORTS,
        help="order offers by price per node, price per GPU or GPUs per node (most first)",
    )
    catalog.add_argument("--min-gpus", metavar="N", help="only types with at least N GPUs per node")
    catalog.add_argument(
        "--min-gpu-memory", metavar="GB", help="only types with at least GB GiB of memory per GPU"
    )
    catalog.add_argument(
        "--rdma", action="store_true", help="only types with RDMA (EFA, InfiniBand or eRDMA)"
    )
    catalog.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    catalog.set_defaults(handler=_catalog)
    actions = catalog.add_subparsers(dest="action", metavar="ACTION")
    refresh = actions.add_parser(
        "refresh",
        help="rebuild one cloud's catalog file from its APIs and print the diff",
        description=(
            "Rebuild a cloud's catalog file from its APIs (the SDK's usual credentials), print "
            "what changed, and write it atomically; nothing is written when a region fails."
        ),
    )
    configure_refresh(refresh)

    register_dr(commands)
    register_drill(commands)
    register_run(commands)
    register_ci(commands)
    register_inventory(commands)

    schema = commands.add_parser(
        "schema",
        help="print the JSON schema of a stack (for editors)",
        description="Print the JSON schema of infra.Stack.",
    )
    schema.add_argument(
        "--json",
        action="store_true",
        help="wrap the schema in the usual document (ok, problems, schema)",
    )
    schema.set_defaults(handler=_schema)
    return parser


# -- validate -------------------------------------------------------------------------------


def _resolve(args: argparse.Namespace) -> Resolution:
    resolution = resolve_paths(args.paths, timeout=args.load_timeout)
    if resolution.ok:
        for warning in resolution.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return resolution


def _validate(args: argparse.Namespace) -> int:
    resolution = _resolve(args)
    if not resolution.ok:
        return report_problems(resolution.problems, args.json, {"stacks": []})
    summary = [
        {
            "name": s.name,
            "file": s.file,
            "clusters": [
                {
                    "name": c.name,
                    "cloud": c.cloud,
                    "region": c.region,
                    "kubernetes_version": c.kubernetes_version,
                    "zones": list(c.zones),
                    "pools": [
                        {
                            "name": p.name,
                            "instance_type": p.instance_type,
                            "gpu": p.gpu,
                            "gpus": p.gpus,
                            "min_nodes": p.min_nodes,
                            "desired_nodes": p.desired_nodes,
                            "max_nodes": p.max_nodes,
                        }
                        for p in c.pools
                    ],
                }
                for c in s.clusters
            ],
        }
        for s in resolution.stacks
    ]
    if args.json:
        warnings = [problem_json(w) for w in resolution.warnings]
        document = {"ok": True, "problems": [], "warnings": warnings, "stacks": summary}
        print(json.dumps(document, indent=2, sort_keys=True))
        return 0
    rows = [
        [
            s.name,
            c.name,
            f"{c.cloud}:{c.region}",
            p.name,
            p.instance_type,
            str(p.gpus) if p.gpu else "-",
            f"{p.min_nodes}/{p.desired_nodes}/{p.max_nodes}",
        ]
        for s in resolution.stacks
        for c in s.clusters
        for p in c.pools
    ]
    print(
        table(
            ["stack", "cluster", "where", "pool", "instance type", "GPUs", "nodes min/desired/max"],
            rows,
            right=(5, 6),
        )
    )
    clusters = sum(len(s.clusters) for s in resolution.stacks)
    print(f"\nok: {len(resolution.stacks)} stacks, {clusters} clusters, {len(rows)} pools valid")
    return 0


# -- render -------------------------------------------------------------------------------


def _render(args: argparse.Namespace) -> int:
    out = Path(args.out)
    # Refuse a directory that is not ours before any other work, so nothing is touched.
    previous = inspect_output(out)
    resolution = _resolve(args)
    if not resolution.ok:
        return report_problems(resolution.problems, args.json, {"out": args.out})
    targets = list(TARGETS) if args.target == "all" else [args.target]
    rendered = render_stacks(
        resolution.stacks,
        out,
        targets,
        default_catalog(),
        prune=args.prune,
        previous=previous,
    )
    manifest = rendered.manifest
    files, roots, kept = manifest["files"], manifest["roots"], manifest["kept"]
    assert isinstance(files, dict) and isinstance(roots, list) and isinstance(kept, list)
    if args.json:
        document = {
            "ok": True,
            "problems": [],
            "out": args.out,
            "manifest": manifest,
            "removed": list(rendered.removed),
            "pruned": list(rendered.pruned),
        }
        print(json.dumps(document, indent=2, sort_keys=True))
        return 0
    for unit in rendered.removed:
        print(f"removed {unit} (no longer rendered; it held only generated files)", file=sys.stderr)
    for unit in rendered.pruned:
        print(f"pruned {unit} with its state and user files (--prune)", file=sys.stderr)
    print(
        f"rendered {len(files)} files, {len(roots)} Terraform roots "
        f"({', '.join(targets)}) into {args.out}/"
        + (f"; kept {len(kept)} user file{'s' if len(kept) != 1 else ''}" if kept else "")
    )
    return 0


# -- cost -----------------------------------------------------------------------------------


def _cost(args: argparse.Namespace) -> int:
    resolution = _resolve(args)
    if not resolution.ok:
        return report_problems(resolution.problems, args.json, {"stacks": []})
    catalog = default_catalog()
    # Costed as deployed: DR standby pools included, priced at their running minimum.
    costs = cost_of([deployed(stack, catalog) for stack in resolution.stacks], catalog)
    strategies = {s.name: s.dr.strategy if s.dr else None for s in resolution.stacks}
    if args.json:
        print(json.dumps(_cost_document(costs, strategies), indent=2, sort_keys=True))
        return 0
    headers = [
        "stack",
        "cluster",
        "where",
        "pool",
        "instance type",
        "nodes",
        "per hour",
        f"per month ({HOURS_PER_MONTH} h)",
        "note",
    ]
    print(table(headers, _cost_rows(costs, strategies), right=(5, 6, 7)))
    # Reserved lines name their rate's source themselves (the note column).
    notes = {
        (
            line.cloud,
            "spot prices" if line.spot_snapshot else "prices",
            line.price_source,
            line.price_date,
        )
        for c in costs
        for line in c.lines
        if not line.reserved
    }
    print()
    for cloud, kind, source, when in sorted(notes):
        print(f"{cloud} {kind}: {source} (price date: {when})")
    return 0


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _cost_document(costs: Sequence[StackCost], strategies: dict[str, str | None]) -> dict[str, Any]:
    total = sum(c.hourly_usd for c in costs)
    return {
        "ok": True,
        "problems": [],
        "hours_per_month": HOURS_PER_MONTH,
        "currency": "USD",
        "stacks": [
            {
                "name": c.stack,
                "hourly": round(c.hourly_usd, 4),
                "monthly": round(c.hourly_usd * HOURS_PER_MONTH, 2),
                "complete": c.complete,
                "dr_strategy": strategies[c.stack],
                "standby_hourly": round(c.standby_hourly_usd, 4),
                "standby_monthly": round(c.standby_hourly_usd * HOURS_PER_MONTH, 2),
                "pools": [
                    {
                        "cluster": line.cluster,
                        "cloud": line.cloud,
                        "region": line.region,
                        "pool": line.pool,
                        "instance_type": line.instance_type,
                        "nodes": line.nodes,
                        "hourly": _rounded(line.hourly_usd, 4),
                        "monthly": _rounded(line.monthly_usd, 2),
                        "estimate": line.estimate,
                        "standby": line.standby,
                        "price_date": line.price_date,
                        "price_source": line.price_source,
                        "reserved": line.reserved,
                    }
                    for line in c.lines
                ],
            }
            for c in costs
        ],
        "total": {"hourly": round(total, 4), "monthly": round(total * HOURS_PER_MONTH, 2)},
    }


def _cost_rows(costs: Sequence[StackCost], strategies: dict[str, str | None]) -> list[list[str]]:
    def summary(stack: str, cluster: str, pool: str, hourly: float, note: str) -> list[str]:
        return [
            stack,
            cluster,
            "",
            pool,
            "",
            "",
            money(hourly),
            money(hourly * HOURS_PER_MONTH),
            note,
        ]

    rows: list[list[str]] = []
    for c in costs:
        strategy = strategies[c.stack]
        for line in c.lines:
            note = ""
            if line.estimate:
                note = (
                    "spot: estimate at spot snapshot (highest zone)"
                    if line.spot_snapshot
                    else "spot: estimate at on-demand price"
                )
            if line.standby:
                note = f"DR standby ({strategy})"
            if line.reserved:
                note = f"reserved: {line.price_source}"
            if line.hourly_usd is None:
                note = (
                    f"reserved: no rate ({line.price_source})"
                    if line.reserved
                    else "no price in the catalog"
                )
            rows.append(
                [
                    line.stack,
                    line.cluster,
                    f"{line.cloud}:{line.region}",
                    line.pool,
                    line.instance_type,
                    str(line.nodes),
                    money(line.hourly_usd),
                    money(line.monthly_usd),
                    note,
                ]
            )
        for cluster in dict.fromkeys(line.cluster for line in c.lines):
            rows.append(summary(c.stack, cluster, "(cluster)", c.cluster_hourly_usd(cluster), ""))
        if strategy:
            rows.append(
                summary(
                    c.stack,
                    "(standby)",
                    "",
                    c.standby_hourly_usd,
                    f"{strategy}: nodes only; storage and replication not priced",
                )
            )
        incomplete = "" if c.complete else "incomplete: some types have no price"
        rows.append(summary(c.stack, "(stack)", "", c.hourly_usd, incomplete))
    total = sum(c.hourly_usd for c in costs)
    rows.append(summary("(total)", "", "", total, ""))
    return rows


# -- catalog --------------------------------------------------------------------------------

_SORTS = ("price", "gpu-price", "gpus")


def _spot_note(catalog: Catalog, clouds: Sequence[str], regions: Iterable[str] = ()) -> str:
    """What the spot column shows, where it comes from, and which clouds have none."""
    with_spot = [c for c in clouds if c in catalog.spot_clouds]
    without = [c for c in clouds if c not in catalog.spot_clouds]
    parts = []
    for cloud in with_spot:
        when, source = catalog.spot_info(cloud)
        if (when, source) != ("unknown", "unknown"):  # a file only a refresh wrote has none
            parts.append(f"{cloud}: {source}, price date {when}")
        for region in catalog.refreshed_regions(cloud, regions, spot=True):
            when, source = catalog.spot_info(cloud, region=region)
            parts.append(f"{cloud} in {region}: {source}, price date {when}")
    note = (
        "spot: a snapshot, not a quote (spot prices move hourly); spot/h is the region's lowest "
        "spot price, over its zones where the source prices zones (the JSON gives the lowest "
        "and highest)"
    )
    if parts:
        note += "; " + "; ".join(parts)
    if without:
        note += f"; no public spot price in the catalog for {', '.join(without)}"
    return note + "; empty where the snapshot has none for the type there"


def _catalog(args: argparse.Namespace) -> int:
    catalog = default_catalog()
    _check_filter(catalog, args)
    min_gpus = _positive_number(args.min_gpus, "--min-gpus", whole=True)
    min_memory = _positive_number(args.min_gpu_memory, "--min-gpu-memory", whole=False)
    if args.kubernetes:
        return _kubernetes_calendar(catalog, args)
    if args.sources:
        if args.json:
            sources = {cloud: list(catalog.headers.get(cloud, ())) for cloud in catalog.clouds}
            print(json.dumps({"ok": True, "problems": [], "sources": sources}, indent=2))
            return 0
        for cloud in catalog.clouds:
            print(f"[{cloud}]")
            for line in catalog.headers.get(cloud, ()):
                print(f"  {line}")
        return 0
    offers = [
        o
        for o in catalog.find(gpu=args.gpu, cloud=args.cloud, region=args.region)
        if (args.all or o.gpu)
        and (min_gpus is None or o.gpus >= min_gpus)
        and (min_memory is None or o.gpu_memory_gib >= min_memory)
        and (not args.rdma or o.rdma != "none")
    ]
    offers.sort(key=lambda o: (o.gpu or "", o.cloud, o.region, o.whole_gpus, o.instance_type))
    if args.sort:
        offers.sort(key=_SORT_KEYS[args.sort])
    if args.json:
        document = {
            "ok": True,
            "problems": [],
            "offers": [_offer_json(o, catalog) for o in offers],
            "spot_note": _spot_note(catalog, catalog.clouds),
        }
        print(json.dumps(document, indent=2, sort_keys=True))
        return 0
    if not offers:
        print("no offers match", file=sys.stderr)
        return 0
    rows = [
        [
            o.gpu or "-",
            o.cloud,
            o.region,
            o.instance_type,
            str(o.gpus),
            _number(o.gpu_memory_gib),
            str(o.vcpus),
            _number(o.memory_gib),
            o.rdma if o.rdma == "none" else f"{o.rdma} {o.rdma_gbps}G",
            money(o.price_usd_hour),
            _per_gpu(o),
            _spot_cell(catalog, o),
            catalog.price_info(o.cloud, o.instance_type, o.region)[0].split(" (")[0],
            f"~{o.boot_minutes}",
        ]
        for o in offers
    ]
    print(
        table(
            [
                "GPU",
                "cloud",
                "region",
                "instance type",
                "GPUs",
                "GiB/GPU",
                "vCPU",
                "RAM GiB",
                "RDMA",
                "per hour",
                "per GPU-hour",
                "spot/h",
                "price date",
                "boot min (est.)",
            ],
            rows,
            right=(4, 5, 6, 7, 9, 10, 13),
        )
    )
    print("\nprices are USD on-demand Linux per node-hour.")
    print(_spot_note(catalog, sorted({o.cloud for o in offers}), {o.region for o in offers}))
    for cloud in sorted({o.cloud for o in offers}):
        when, source = catalog.price_info(cloud)
        print(f"{cloud} prices: {source} (price date: {when})")
        for region in catalog.refreshed_regions(cloud, {o.region for o in offers}):
            when, source = catalog.price_info(cloud, region=region)
            print(f"{cloud} prices in {region}: {source} (price date: {when})")
    return 0


def _spot_cell(catalog: Catalog, offer: Offer) -> str:
    spot = catalog.spot(offer.cloud, offer.instance_type, offer.region)
    return "" if spot is None else money(spot.min_usd_hour)


def _price_per_gpu(offer: Offer) -> float | None:
    """USD per GPU-hour (partial-GPU sizes divide by their fraction of a GPU)."""
    if offer.price_usd_hour is None or not offer.gpus:
        return None
    return offer.price_usd_hour / float(offer.gpus)


def _per_gpu(offer: Offer) -> str:
    value = _price_per_gpu(offer)
    return "-" if not offer.gpus else money(value)


def _last_if_none(value: float | None) -> tuple[bool, float]:
    """Sort key part: offers without a price go last, whatever the order."""
    return (value is None, value or 0.0)


_SORT_KEYS: dict[str, Any] = {
    "price": lambda o: _last_if_none(o.price_usd_hour),
    "gpu-price": lambda o: _last_if_none(_price_per_gpu(o)),
    "gpus": lambda o: -o.gpus,
}


def _positive_number(text: str | None, flag: str, *, whole: bool) -> float | None:
    """A flag's value as a number > 0 (an int for whole), or a usage error naming the flag."""
    if text is None:
        return None
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value < math.inf:  # also refuses nan and inf
        kind = "a whole number" if whole else "a number"
        raise UsageError(f"{flag}: {text!r} is not {kind} above 0 (allowed: e.g. {flag} 8)")
    return value


def _kubernetes_calendar(catalog: Catalog, args: argparse.Namespace) -> int:
    """Each cloud's calendar with the state of every version today."""
    today = date.today()
    clouds = [args.cloud] if args.cloud else list(catalog.clouds)
    entries = [
        (cloud, v, _support_state(catalog, cloud, v.version, today))
        for cloud in clouds
        for v in catalog.kubernetes_calendar(cloud)
    ]
    if args.json:
        document = {
            "ok": True,
            "problems": [],
            "today": today.isoformat(),
            "kubernetes": [
                {
                    "cloud": cloud,
                    "version": v.version,
                    "status": v.status,
                    "release": v.release.isoformat(),
                    "end_of_standard_support": v.end_of_standard_support.isoformat(),
                    "end_of_extended_support": (
                        v.end_of_extended_support.isoformat() if v.end_of_extended_support else None
                    ),
                    "state": state,
                    "default": catalog.default_kubernetes_version(cloud, today) == v.version,
                }
                for cloud, v, state in entries
            ],
        }
        print(json.dumps(document, indent=2, sort_keys=True))
        return 0
    rows = [
        [
            CLOUDS[cloud].kubernetes_service if cloud in CLOUDS else cloud,
            v.version,
            v.release.isoformat(),
            v.end_of_standard_support.isoformat(),
            v.end_of_extended_support.isoformat() if v.end_of_extended_support else "-",
            state,
        ]
        for cloud, v, state in entries
    ]
    print(
        table(
            [
                "service",
                "version",
                "release",
                "end of standard",
                "end of extended",
                "on " + str(today),
            ],
            rows,
        )
    )
    return 0


def _support_state(catalog: Catalog, cloud: str, version: str, today: date) -> str:
    entry = catalog.kubernetes_version(cloud, version)
    assert entry is not None
    if entry.status != "released" or entry.release > today:
        return "not released"
    if today >= entry.last_day:
        return "ended"
    state = "supported"
    if entry.end_of_extended_support and today >= entry.end_of_standard_support:
        state = "extended support (extra charge)"
    if version == catalog.default_kubernetes_version(cloud, today):
        state += ", default"
    return state


def _check_filter(catalog: Catalog, args: argparse.Namespace) -> None:
    if args.cloud is not None and args.cloud not in CLOUDS:
        raise UsageError(f"--cloud: {unknown('cloud', args.cloud, CLOUDS)}")
    if args.gpu is not None and args.gpu not in catalog.gpus:
        raise UsageError(f"--gpu: {unknown('GPU', args.gpu, catalog.gpus)}")
    if args.region is not None:
        regions = (
            catalog.regions(args.cloud)
            if args.cloud
            else tuple(r for c in catalog.clouds for r in catalog.regions(c))
        )
        if args.region not in regions:
            raise UsageError(f"--region: {unknown('region', args.region, regions)}")


def _offer_json(offer: Offer, catalog: Catalog) -> dict[str, Any]:
    when, source = catalog.price_info(offer.cloud, offer.instance_type, offer.region)
    spot = catalog.spot(offer.cloud, offer.instance_type, offer.region)
    spot_when = catalog.spot_info(offer.cloud, offer.instance_type, offer.region)[0]
    return {
        "price_usd_gpu_hour": _price_per_gpu(offer),
        # the spot snapshot's lowest zone price (kept for callers of the earlier key)
        "spot_price_usd_hour": None if spot is None else spot.min_usd_hour,
        "spot_min_usd_hour": None if spot is None else spot.min_usd_hour,
        "spot_max_usd_hour": None if spot is None else spot.max_usd_hour,
        "spot_price_date": None if spot is None else spot_when,
        "price_date": when,
        "price_source": source,
        "cloud": offer.cloud,
        "region": offer.region,
        "instance_type": offer.instance_type,
        "gpu": offer.gpu,
        "gpus": str(offer.gpus),
        "gpu_memory_gib": offer.gpu_memory_gib,
        "vcpus": offer.vcpus,
        "memory_gib": offer.memory_gib,
        "rdma": offer.rdma,
        "rdma_gbps": offer.rdma_gbps,
        "price_usd_hour": offer.price_usd_hour,
        "boot_minutes_estimate": offer.boot_minutes,
    }


def _number(value: float) -> str:
    return f"{value:g}"


# -- schema ---------------------------------------------------------------------------------


def _schema(args: argparse.Namespace) -> int:
    schema = Stack.model_json_schema()
    document = {"ok": True, "problems": [], "schema": schema} if args.json else schema
    print(json.dumps(document, indent=2, sort_keys=True))
    return 0
