"""``infra catalog refresh``: rebuild one cloud's ``<cloud>.csv`` from the cloud's own APIs.

The driver is cloud-neutral. Each cloud's fetcher lives in its package,
``infra/clouds/<cloud>/catalog_source.py``, loaded lazily by name (the clouds layer sits above
the catalog, so the catalog cannot import it statically). A fetcher module provides:

- ``SOURCES``: header lines naming the APIs it read (kept in the written file's header);
- ``fetch_region(region, known_types, endpoint) -> tuple[FetchedOffer, ...]``: the GPU types
  offered in ``region`` with their specs and on-demand price, limited to the families of
  ``known_types`` (the types the current file has; all GPU types when it has none). It raises
  :class:`RegionError` when the region cannot be read;
- ``boot_minutes_estimate(offer) -> int``: the file header's estimate rule for a type the
  current file does not have yet (boot time is not an API fact);
- optionally ``SPOT_SOURCES``: the spot price API(s) it read. A fetcher that has it sets
  :attr:`FetchedOffer.spot`, and the refresh rebuilds the refreshed regions' rows of
  ``<cloud>_spot.csv`` too (a type with no spot price there loses its spot row).

Each written file says when its prices were read: the refresh writes ``price_date@<regions>:``
and ``price_source@<regions>:`` header lines for the regions it rebuilt (the last of
``SOURCES`` is the price API), keeps the older lines for the other regions, and pins the rows
it kept unchanged in a rebuilt region (the CPU system-pool types) to their old date with
``price_date[<types>]@<regions>:`` lines (:meth:`infra.catalog.Catalog.price_info`).

The refresh never writes a partial catalog: every region is fetched first, and one failing
region stops it before anything is written. The new file replaces the old one atomically (a
temporary file in the same directory, then :func:`os.replace`, as ``infra/run.py`` writes its
records). Rows the APIs do not cover are kept: the CPU system-pool types (the loader, validator
and cost report need them) and every row of a region that was not refreshed.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import importlib.util
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Protocol, TypeVar, cast

from infra.catalog import (
    _OFFER_COLUMNS,
    _SPOT_COLUMNS,
    RDMA_KINDS,
    Catalog,
    Offer,
    SpotPrice,
    price_header,
    price_line,
)
from infra.errors import CatalogError

__all__ = [
    "DEFAULT_THRESHOLD_PCT",
    "REFRESHED_PREFIX",
    "Diff",
    "FetchedOffer",
    "FetchedSpot",
    "RefreshResult",
    "RegionError",
    "canonical_gpu",
    "data_directory",
    "diff",
    "refresh",
    "refreshable_clouds",
    "spot_over_zones",
]

DEFAULT_THRESHOLD_PCT = 5.0
REFRESHED_PREFIX = "refreshed:"
_SOURCE_MODULE = "infra.clouds.{cloud}.catalog_source"
_EPSILON_PCT = 1e-9  # float noise: a change of exactly the threshold is not over it


@dataclass(frozen=True, slots=True)
class FetchedSpot:
    """A type's spot price in a region as the API gives it: the lowest and highest over the
    region's zones and how many zone prices they span (``zones`` None: one price per region)."""

    low: float
    high: float
    zones: int | None


@dataclass(frozen=True, slots=True)
class FetchedOffer:
    """One GPU type in one region as a cloud's API describes it. ``None`` is a fact the API
    does not give (Azure's Resource SKUs name no GPU model): the driver takes it from the
    type's current row, or skips the type when there is none."""

    instance_type: str
    region: str
    gpu: str | None
    gpus: Fraction | None
    gpu_memory_gib: float | None
    vcpus: int
    memory_gib: float
    rdma: str
    rdma_gbps: int | None
    price_usd_hour: float | None
    spot: FetchedSpot | None = None  # set by a fetcher with SPOT_SOURCES


class RegionError(Exception):
    """A region the fetcher could not read (credentials, an API error, an unexpected answer)."""

    def __init__(self, region: str, reason: str) -> None:
        super().__init__(f"{region}: {reason}")
        self.region = region
        self.reason = reason


class _Source(Protocol):
    SOURCES: tuple[str, ...]

    def fetch_region(
        self, region: str, known_types: frozenset[str], endpoint: str | None
    ) -> tuple[FetchedOffer, ...]: ...

    def boot_minutes_estimate(self, offer: FetchedOffer) -> int: ...


@dataclass(frozen=True, slots=True)
class PriceChange:
    instance_type: str
    region: str
    old: float | None
    new: float | None

    @property
    def percent(self) -> float | None:
        if self.old is None or self.new is None or self.old == 0:
            return None
        return (self.new - self.old) / self.old * 100


@dataclass(frozen=True)
class SpotDiff:
    """What a refresh changes in ``<cloud>_spot.csv``: rows added and removed, and highest
    zone prices (the figure ``infra cost`` uses) that moved more than the threshold."""

    added: tuple[tuple[str, str], ...]
    removed: tuple[tuple[str, str], ...]
    price_changes: tuple[PriceChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.price_changes)

    def lines(self, cloud: str, threshold: float) -> list[str]:
        out = _change_lines(
            "spot ", "highest zone price", self.added, self.removed, self.price_changes
        )
        return [*out, _summary(f"{cloud} spot", self, threshold)]


@dataclass(frozen=True)
class Diff:
    """What a refresh changes, per (type, region)."""

    added: tuple[tuple[str, str], ...]
    removed: tuple[tuple[str, str], ...]
    price_changes: tuple[PriceChange, ...]
    skipped: tuple[str, ...] = ()
    spot: SpotDiff | None = None  # None: the spot file was not rebuilt

    @property
    def empty(self) -> bool:
        spot = self.spot is not None and not self.spot.empty
        return not (self.added or self.removed or self.price_changes or spot)

    def lines(self, cloud: str, threshold: float) -> list[str]:
        """The diff as printed: one line per change, then a summary line."""
        out = _change_lines("", "price", self.added, self.removed, self.price_changes)
        if self.spot is not None:
            out += self.spot.lines(cloud, threshold)
        out += [f"! {line}" for line in self.skipped]
        return [*out, _summary(cloud, self, threshold)]


def _change_lines(
    prefix: str,
    what: str,
    added: Iterable[tuple[str, str]],
    removed: Iterable[tuple[str, str]],
    changes: Iterable[PriceChange],
) -> list[str]:
    """``+``/``-`` lines of the pairs added and removed, ``~`` lines of the prices moved."""
    out = [f"+ {prefix}{t} {r}" for t, r in added]
    out += [f"- {prefix}{t} {r}" for t, r in removed]
    for change in changes:
        pct = change.percent
        shown = f" ({pct:+.1f} %)" if pct is not None else ""
        out.append(
            f"~ {prefix}{change.instance_type} {change.region}: {what} "
            f"{_price_text(change.old)} -> {_price_text(change.new)}{shown}"
        )
    return out


def _summary(name: str, changes: Diff | SpotDiff, threshold: float) -> str:
    return (
        f"{name}: {len(changes.added)} added, {len(changes.removed)} removed, "
        f"{len(changes.price_changes)} price changes over {threshold:g} %"
    )


@dataclass(frozen=True)
class RefreshResult:
    path: Path
    diff: Diff
    rows: tuple[Offer, ...] = field(repr=False)


# -- which clouds, which files ------------------------------------------------------------------


def data_directory() -> Path:
    """The packaged data directory (``infra/catalog/data``)."""
    return Path(str(resources.files("infra.catalog").joinpath("data")))


def refreshable_clouds(directory: Path | None = None) -> tuple[str, ...]:
    """Clouds with a ``<cloud>.csv`` in the data directory and a fetcher module in their
    package: the data files and the packages say which clouds there are, not a list here."""
    root = directory or data_directory()
    names = sorted(p.stem for p in root.glob("*.csv") if "_" not in p.stem)
    return tuple(n for n in names if importlib.util.find_spec(_module_name(n)) is not None)


def _module_name(cloud: str) -> str:
    return _SOURCE_MODULE.format(cloud=cloud)


def _load_source(cloud: str) -> _Source:
    module: ModuleType = importlib.import_module(_module_name(cloud))
    return cast(_Source, module)


# -- the refresh --------------------------------------------------------------------------------


def refresh(
    cloud: str,
    *,
    regions: Sequence[str] = (),
    out: Path | None = None,
    endpoint: str | None = None,
    threshold: float = DEFAULT_THRESHOLD_PCT,
    today: dt.date | None = None,
    source: _Source | None = None,
    progress: Callable[[str], None] | None = None,
) -> RefreshResult:
    """Fetch every region, build the new file, write it atomically, return the diff.

    Raises :class:`CatalogError` (nothing written) when a region fails."""
    current_dir = data_directory()
    current_path = current_dir / f"{cloud}.csv"
    text = current_path.read_text(encoding="utf-8")
    spot_path = current_dir / f"{cloud}_spot.csv"
    current_spot = spot_path.read_text(encoding="utf-8") if spot_path.is_file() else None
    current_files = {f"{cloud}.csv": text}
    if current_spot is not None:
        current_files[spot_path.name] = current_spot
    current = Catalog._parse([cloud], current_files)
    header = current.headers[cloud]
    old_rows = current.offers
    wanted = tuple(dict.fromkeys(regions)) or current.regions(cloud)
    if not wanted:
        raise CatalogError(f"refresh: {cloud}: no regions in {cloud}.csv and none given")
    fetcher = source or _load_source(cloud)
    known = frozenset(o.instance_type for o in old_rows if o.gpu)
    fetched: list[FetchedOffer] = []
    for region in wanted:
        if progress:
            progress(f"{cloud}/{region}: fetching")
        try:
            fetched.extend(fetcher.fetch_region(region, known, endpoint))
        except RegionError as exc:
            raise CatalogError(
                f"refresh: {cloud}/{exc.region}: {_one_line(exc.reason)} (nothing written)"
            ) from None
    rows, skipped = _merge(cloud, old_rows, fetched, set(wanted), fetcher)
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    kept = [(o.instance_type, o.region) for o in old_rows if o.region in wanted and not o.gpu]
    dated = dated_header(header, day, wanted, fetcher.SOURCES[-1], kept)
    document = render(dated, rows, _refreshed_line(day, cloud, wanted, fetcher.SOURCES))
    files = {f"{cloud}.csv": document}
    spot_sources: tuple[str, ...] = getattr(fetcher, "SPOT_SOURCES", ())
    pairs = {(o.instance_type, o.region) for o in rows}
    spot_diff: SpotDiff | None = None
    if spot_sources:
        # Rebuilt: the refreshed regions' spot rows are the APIs' (a type without a spot price
        # there loses its row); the other regions' rows stay if their pair is still a row.
        old_spot = {(t, r): v for (_, t, r), v in current.spot_prices.items()}
        new_spot = {k: v for k, v in old_spot.items() if k[1] not in wanted and k in pairs}
        for item in fetched:
            key = (item.instance_type, item.region)
            if item.spot is None or key not in pairs or item.region not in wanted:
                continue
            low, high = round(item.spot.low, 4), round(item.spot.high, 4)
            if not 0 < low <= high:
                skipped.append(f"{key[0]} {key[1]}: spot price {item.spot.low!r} not kept")
                continue
            new_spot[key] = SpotPrice(low, high, item.spot.zones)
        header_lines = current.spot_headers.get(cloud) or _new_spot_header(cloud)
        files[spot_path.name] = render_spot(
            dated_header(header_lines, day, wanted, spot_sources[0], ()),
            new_spot,
            _refreshed_line(day, cloud, wanted, spot_sources, spot=True),
        )
        spot_diff = diff_spot(old_spot, new_spot, threshold)
    elif current_spot is not None:
        # The spot snapshot (not refreshed) keeps only the rows of pairs the new file still
        # has: every spot row must be a row of <cloud>.csv, or the catalog would not load.
        pruned, dropped = prune_spot(current_spot, pairs)
        files[spot_path.name] = pruned
        skipped += [
            f"{t} {r}: spot row dropped, no longer a row of {cloud}.csv" for t, r in dropped
        ]
    changes = diff(old_rows, rows, threshold)
    changes = Diff(changes.added, changes.removed, changes.price_changes, tuple(skipped), spot_diff)
    Catalog._parse([cloud], files)  # the loader takes them, or nothing moves
    directory = out if out is not None else current_dir
    spot = files.get(spot_path.name)
    # The spot file first (its rows are pairs of both the old and the new <cloud>.csv, or it
    # is written beside the new one); in place, only when it changed. With --out, beside the
    # new file: a whole catalog.
    if spot is not None and (out is not None or spot != current_spot):
        write_atomically(directory / spot_path.name, spot)
    write_atomically(directory / f"{cloud}.csv", document)
    return RefreshResult(directory / f"{cloud}.csv", changes, rows)


def _new_spot_header(cloud: str) -> tuple[str, ...]:
    return (
        f"{cloud} spot prices for infra (GPU types of {cloud}.csv), written by "
        "`infra catalog refresh`.",
        "columns: instance_type and region as in the catalog file; spot_min_usd_hour / "
        "spot_max_usd_hour = the lowest / highest current spot price, USD per hour (Linux), over "
        "the region's zones; zones = how many zone prices they span (empty: one per region).",
        "spot prices move hourly: these are the figures of the refresh date, for estimates only.",
    )


def render_spot(
    header: Sequence[str], rows: Mapping[tuple[str, str], SpotPrice], refreshed: str
) -> str:
    """``<cloud>_spot.csv``'s text: header (its ``refreshed:`` line replaced), columns, rows."""
    cells = [
        [kind, region, _number(p.min_usd_hour), _number(p.max_usd_hour), _cell(p.zones)]
        for (kind, region), p in sorted(rows.items())
    ]
    return _csv_text(header, refreshed, _SPOT_COLUMNS, cells)


def diff_spot(
    old: Mapping[tuple[str, str], SpotPrice],
    new: Mapping[tuple[str, str], SpotPrice],
    threshold: float,
) -> SpotDiff:
    """Spot rows added and removed, and highest zone prices moved over ``threshold`` %."""
    before = {key: price.max_usd_hour for key, price in old.items()}
    after = {key: price.max_usd_hour for key, price in new.items()}
    return SpotDiff(*_compare(before, after, threshold))


def dated_header(
    header: Sequence[str],
    day: str,
    regions: Sequence[str],
    source: str,
    kept: Iterable[tuple[str, str]],
) -> list[str]:
    """``header`` with its price lines brought up to a refresh of ``regions`` on ``day``.

    Lines that name regions lose the refreshed ones (and go when none is left); then come
    ``price_date@<regions>: <day>`` and ``price_source@<regions>: <source>``, and for each
    (type, region) in ``kept`` (a row the refresh did not rebuild) the date and source it had,
    as ``[types]@regions`` lines, so it does not take the refresh's date."""
    refreshed = set(regions)
    pinned: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for kind, region in kept:
        when, where = price_header(header, kind, region)
        for name, value in (("price_date", when), ("price_source", where)):
            if value != "unknown":
                pinned.setdefault((name, value, region), []).append((kind, region))
    out: list[str] = []
    for line in header:
        parsed = price_line(line)
        if parsed is None or not parsed[2]:
            out.append(line)
            continue
        name, types, places, value = parsed
        left = [r for r in places if r not in refreshed]
        if left:
            out.append(_price_line(name, types, left, value))
    names = sorted(refreshed)
    out.append(_price_line("price_date", (), names, day))
    out.append(_price_line("price_source", (), names, f"{source}, read {day}"))
    grouped: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    for (name, value, region), members in sorted(pinned.items()):
        kinds = tuple(sorted({k for k, _ in members}))
        grouped.setdefault((name, value, kinds), []).append(region)
    for (name, value, kinds), pinned_regions in sorted(grouped.items()):
        out.append(_price_line(name, kinds, sorted(pinned_regions), value))
    return out


def _price_line(name: str, types: Sequence[str], regions: Sequence[str], value: str) -> str:
    kinds = f"[{','.join(types)}]" if types else ""
    places = f"@{','.join(regions)}" if regions else ""
    return f"{name}{kinds}{places}: {value}"


def prune_spot(text: str, pairs: set[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """``<cloud>_spot.csv`` without the rows whose (instance type, region) is not in ``pairs``,
    comments and column line kept as they are; and the pairs of the rows it dropped."""
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    for line in text.splitlines(keepends=True):
        fields = line.split(",", 2)
        data = not line.startswith("#") and len(fields) == 3 and fields[0] != "instance_type"
        if not data or (fields[0], fields[1]) in pairs:
            kept.append(line)
        else:
            dropped.append((fields[0], fields[1]))
    return "".join(kept), dropped


def _merge(
    cloud: str,
    old_rows: Sequence[Offer],
    fetched: Iterable[FetchedOffer],
    regions: set[str],
    fetcher: _Source,
) -> tuple[tuple[Offer, ...], list[str]]:
    """New rows: fetched GPU rows of the refreshed regions, the old CPU rows and every old row
    of the other regions. Facts the API lacks come from the type's old row (any region)."""
    by_type: dict[str, Offer] = {}
    for offer in sorted(old_rows, key=lambda o: (o.instance_type, o.region)):
        by_type.setdefault(offer.instance_type, offer)
    kept = [o for o in old_rows if o.region not in regions or not o.gpu]
    skipped: list[str] = []
    new: dict[tuple[str, str], Offer] = {(o.instance_type, o.region): o for o in kept}
    for item in fetched:
        if item.region not in regions:
            continue
        old = by_type.get(item.instance_type)
        gpu = item.gpu or (old.gpu if old else None)
        memory = item.gpu_memory_gib if item.gpu_memory_gib is not None else None
        if memory is None and old is not None:
            memory = old.gpu_memory_gib
        gpus = item.gpus if item.gpus is not None else (old.gpus if old else None)
        if gpu is None or memory is None or not gpus:
            skipped.append(
                f"{item.instance_type} {item.region}: skipped, the API gives no GPU model, "
                f"count or memory and {cloud}.csv has no row for the type"
            )
            continue
        rdma_gbps = item.rdma_gbps
        if rdma_gbps is None:
            rdma_gbps = old.rdma_gbps if old is not None and item.rdma != "none" else 0
        if item.rdma not in RDMA_KINDS:
            raise CatalogError(
                f"refresh: {cloud}/{item.region}: {item.instance_type}: rdma {item.rdma!r} "
                f"(allowed: {', '.join(RDMA_KINDS)})"
            )
        boot = old.boot_minutes if old is not None else fetcher.boot_minutes_estimate(item)
        new[(item.instance_type, item.region)] = Offer(
            cloud=cloud,
            instance_type=item.instance_type,
            gpu=gpu,
            gpus=gpus,
            gpu_memory_gib=memory,
            vcpus=item.vcpus,
            memory_gib=item.memory_gib,
            rdma=item.rdma,
            rdma_gbps=rdma_gbps,
            region=item.region,
            price_usd_hour=item.price_usd_hour,
            boot_minutes=boot,
        )
    return tuple(sorted(new.values(), key=lambda o: (o.instance_type, o.region))), skipped


def diff(old: Iterable[Offer], new: Iterable[Offer], threshold: float) -> Diff:
    """Types added and removed per region, and prices that moved more than ``threshold`` %
    (a price that appears or disappears always counts)."""
    before = {(o.instance_type, o.region): o.price_usd_hour for o in old}
    after = {(o.instance_type, o.region): o.price_usd_hour for o in new}
    return Diff(*_compare(before, after, threshold))


def _compare(
    before: Mapping[tuple[str, str], float | None],
    after: Mapping[tuple[str, str], float | None],
    threshold: float,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], tuple[PriceChange, ...]]:
    """Pairs added, pairs removed, and prices of the pairs in both that moved more than
    ``threshold`` % (a price that appears or disappears always counts)."""
    changes = []
    for key in sorted(before.keys() & after.keys()):
        change = PriceChange(*key, before[key], after[key])
        if change.old == change.new:
            continue
        pct = change.percent
        if pct is None or abs(pct) > threshold + _EPSILON_PCT:
            changes.append(change)
    added = tuple(sorted(after.keys() - before.keys()))
    return added, tuple(sorted(before.keys() - after.keys())), tuple(changes)


# -- the file -----------------------------------------------------------------------------------


def render(header: Sequence[str], rows: Iterable[Offer], refreshed: str) -> str:
    """The CSV text: the old header (its ``refreshed:`` line replaced), the column line, rows."""
    # Each column is the Offer field of the same name, so a column the loader gains is written
    # as soon as Offer carries it.
    cells = [[_cell(getattr(o, column)) for column in _OFFER_COLUMNS] for o in rows]
    return _csv_text(header, refreshed, _OFFER_COLUMNS, cells)


def _csv_text(
    header: Sequence[str], refreshed: str, columns: Sequence[str], rows: Iterable[Sequence[str]]
) -> str:
    """``# `` header lines (the old ``refreshed:`` line replaced by ``refreshed``), the column
    line and the rows."""
    lines = [f"# {line}" if line else "#" for line in header]
    lines = [line for line in lines if not line.startswith(f"# {REFRESHED_PREFIX}")]
    lines.append(f"# {refreshed}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return "\n".join(lines) + "\n" + buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)  # str, int, Fraction ("1/3")


def _refreshed_line(
    day: str, cloud: str, regions: Sequence[str], sources: Sequence[str], *, spot: bool = False
) -> str:
    what = (
        "spot rows of those regions rebuilt, the other regions' kept where their pair is still "
        "a row"
        if spot
        else "GPU rows of those regions rebuilt; CPU system-pool rows, boot estimates and facts "
        "the APIs do not give kept from the previous file"
    )
    return (
        f"{REFRESHED_PREFIX} {day} by `infra catalog refresh --cloud {cloud}` for regions "
        f"{', '.join(regions)} ({what}); APIs read: " + "; ".join(sources)
    )


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``: a reader
    sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _number(value: float) -> str:
    """``22.35``, ``2048``, ``5.672``: at most 4 decimals, no trailing zeros."""
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _price_text(value: float | None) -> str:
    return "none" if value is None else _number(value)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:300]


# -- helpers for the fetchers -------------------------------------------------------------------


def canonical_gpu(name: str, memory_gib: float) -> str:
    """The catalog's GPU name for an API's: ``NVIDIA A100`` with 80 GiB -> ``A100-80GB``.

    The catalog splits A100 by memory (40 and 80 GB parts) and files the 94 GB H100 NVL apart
    from the 80 GB H100 (issue 15; see the data file headers); other models keep the API's name
    without the vendor prefix."""
    model = name.strip()
    for prefix in ("NVIDIA ", "Nvidia ", "Tesla "):
        model = model.removeprefix(prefix)
    model = model.strip()
    if model.upper().startswith("A100"):
        return "A100-80GB" if memory_gib > 60 else "A100-40GB"
    if model.upper().startswith("H100") and ("NVL" in model.upper() or memory_gib > 90):
        return "H100-NVL"
    return model


Stamp = TypeVar("Stamp", str, dt.datetime)


def spot_over_zones(items: Iterable[tuple[str, Stamp, float]]) -> FetchedSpot | None:
    """A spot row from an API's price history: (zone, timestamp, price) items, each zone's
    newest price counted once, as the lowest, highest and number of zones (None: no item)."""
    newest: dict[str, tuple[Stamp, float]] = {}
    for zone, stamp, price in items:
        if zone not in newest or stamp >= newest[zone][0]:
            newest[zone] = (stamp, price)
    prices = [price for _, price in newest.values()]
    return FetchedSpot(min(prices), max(prices), len(prices)) if prices else None
