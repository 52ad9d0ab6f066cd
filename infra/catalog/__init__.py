"""The GPU catalog: instance types per cloud and region, zones and Kubernetes versions.

Data files ship in ``infra/catalog/data`` (one set per cloud, sources in each file's header);
they are parsed once, on first use, into typed rows with indexes for the queries the resolver,
validator, cost report and DR planner make.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from importlib import resources
from pathlib import Path

from infra.errors import CatalogError

__all__ = [
    "KUBERNETES_STATUSES",
    "RDMA_KINDS",
    "Catalog",
    "KubernetesVersion",
    "Offer",
    "SpotPrice",
    "default_catalog",
    "price_header",
    "price_key",
    "price_line",
    "price_lines",
]

RDMA_KINDS = ("none", "efa", "infiniband", "erdma")
# A calendar row is "released" (the cloud offers it) or "planned" (announced with a future
# release date, not offered until someone confirms it and marks it released).
KUBERNETES_STATUSES = ("released", "planned")
_KUBERNETES_COLUMNS = (
    "version",
    "status",
    "release",
    "end_of_standard_support",
    "end_of_extended_support",
)

_OFFER_COLUMNS = (
    "instance_type",
    "gpu",
    "gpus",
    "gpu_memory_gib",
    "vcpus",
    "memory_gib",
    "rdma",
    "rdma_gbps",
    "region",
    "price_usd_hour",
    "boot_minutes",
)
# <cloud>_spot.csv (optional): a spot price snapshot per (instance type, region) of <cloud>.csv.
_SPOT_COLUMNS = ("instance_type", "region", "spot_min_usd_hour", "spot_max_usd_hour", "zones")


@dataclass(frozen=True, slots=True)
class Offer:
    """One instance type as offered in one region."""

    cloud: str
    instance_type: str
    gpu: str | None
    gpus: Fraction  # per node; a fraction for partial-GPU sizes such as Azure NVadsA10 v5
    gpu_memory_gib: float
    vcpus: int
    memory_gib: float
    rdma: str
    rdma_gbps: int
    region: str
    price_usd_hour: float | None
    boot_minutes: int

    @property
    def whole_gpus(self) -> int:
        """GPUs per node as an integer (0 for CPU and partial-GPU types)."""
        return int(self.gpus) if self.gpus.denominator == 1 else 0


@dataclass(frozen=True, slots=True)
class SpotPrice:
    """A spot price snapshot of one instance type in one region (``<cloud>_spot.csv``).

    Where the source prices each zone, ``min``/``max`` are the lowest and highest over the
    region's zones and ``zones`` says how many zone prices they span; where it gives one price
    per region, min == max and ``zones`` is None. Spot prices move hourly: this is a snapshot
    of the date the file's header gives (:meth:`Catalog.spot_info`), not a quote.
    """

    min_usd_hour: float
    max_usd_hour: float
    zones: int | None


@dataclass(frozen=True, slots=True)
class KubernetesVersion:
    """One minor version in a cloud's published calendar (``<cloud>_kubernetes.csv``)."""

    version: str
    status: str  # one of KUBERNETES_STATUSES
    release: date
    end_of_standard_support: date
    # None: infra's clusters of this cloud get no extended support (the cloud sells none, or
    # it needs a tier or plan infra does not set; each file's header says which)
    end_of_extended_support: date | None

    @property
    def last_day(self) -> date:
        """The end of support that applies to infra's clusters: extended where they get it,
        else standard. The version is unsupported from this day on (EKS: "on the end of
        extended support date, you can no longer create new clusters")."""
        return self.end_of_extended_support or self.end_of_standard_support

    def offered(self, today: date) -> bool:
        """Released by ``today`` and not yet at its end of support."""
        return self.status == "released" and self.release <= today < self.last_day


@dataclass(frozen=True)
class Catalog:
    """Typed, indexed catalog rows for every cloud."""

    offers: tuple[Offer, ...]
    zones: Mapping[tuple[str, str], tuple[str, ...]]
    kubernetes: Mapping[str, tuple[KubernetesVersion, ...]]
    headers: Mapping[str, tuple[str, ...]]
    # (cloud, instance type, region) -> spot snapshot, and each <cloud>_spot.csv's header lines
    spot_prices: Mapping[tuple[str, str, str], SpotPrice] = field(default_factory=dict)
    spot_headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _by_type: dict[tuple[str, str], dict[str, Offer]] = field(init=False, repr=False)
    _by_gpu: dict[tuple[str, str, str], tuple[Offer, ...]] = field(init=False, repr=False)
    _regions: dict[str, tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_type: dict[tuple[str, str], dict[str, Offer]] = defaultdict(dict)
        by_gpu: dict[tuple[str, str, str], list[Offer]] = defaultdict(list)
        regions: dict[str, set[str]] = defaultdict(set)
        for offer in self.offers:
            by_type[(offer.cloud, offer.instance_type)][offer.region] = offer
            if offer.gpu:
                by_gpu[(offer.cloud, offer.region, offer.gpu)].append(offer)
            regions[offer.cloud].add(offer.region)
        for cloud, region in self.zones:
            regions[cloud].add(region)
        object.__setattr__(self, "_by_type", dict(by_type))
        object.__setattr__(self, "_by_gpu", {k: tuple(v) for k, v in by_gpu.items()})
        object.__setattr__(self, "_regions", {k: tuple(sorted(v)) for k, v in regions.items()})

    # -- queries ---------------------------------------------------------------------------
    @property
    def clouds(self) -> tuple[str, ...]:
        return tuple(sorted(self._regions))

    def regions(self, cloud: str) -> tuple[str, ...]:
        return self._regions.get(cloud, ())

    @functools.cached_property
    def gpus(self) -> tuple[str, ...]:
        """Every GPU model any cloud offers."""
        return tuple(sorted({o.gpu for o in self.offers if o.gpu}))

    def instance_types(self, cloud: str) -> tuple[str, ...]:
        return tuple(sorted(t for c, t in self._by_type if c == cloud))

    def offer(self, cloud: str, instance_type: str, region: str) -> Offer | None:
        return self._by_type.get((cloud, instance_type), {}).get(region)

    def offered_regions(self, cloud: str, instance_type: str) -> tuple[str, ...]:
        return tuple(sorted(self._by_type.get((cloud, instance_type), {})))

    def any_offer(self, cloud: str, instance_type: str) -> Offer | None:
        """The type's row in some region (its specs are the same everywhere)."""
        rows = self._by_type.get((cloud, instance_type))
        return rows[min(rows)] if rows else None

    def gpu_offers(self, cloud: str, region: str, gpu: str) -> tuple[Offer, ...]:
        return self._by_gpu.get((cloud, region, gpu), ())

    def gpu_regions(self, cloud: str, gpu: str) -> tuple[str, ...]:
        return tuple(sorted(r for c, r, g in self._by_gpu if c == cloud and g == gpu))

    def price_info(
        self, cloud: str, instance_type: str | None = None, region: str | None = None
    ) -> tuple[str, str]:
        """(date, source) of a cloud's prices, from its file's ``price_date:`` and
        ``price_source:`` header lines. A key may name types and regions, ``price_date[t1,t2]:``,
        ``price_date@r1,r2:`` or ``price_date[t1]@r1:``; the most specific line that matches
        wins (types and region, then region, then types, then the plain line; among equals, the
        last). "unknown" where the file does not say. ``infra catalog refresh`` writes the
        region lines of the regions it rebuilt."""
        return price_header(self.headers.get(cloud, ()), instance_type, region)

    def refreshed_regions(
        self, cloud: str, regions: Iterable[str], *, spot: bool = False
    ) -> tuple[str, ...]:
        """Those of ``regions`` that a ``price_date@...`` line of the cloud's file (of its
        ``<cloud>_spot.csv`` with ``spot``) names: the regions a refresh rebuilt, sorted."""
        lines = (self.spot_headers if spot else self.headers).get(cloud, ())
        named = {r for _, types, places, _ in price_lines(lines) if not types for r in places}
        return tuple(sorted(named & set(regions)))

    def spot(self, cloud: str, instance_type: str, region: str) -> SpotPrice | None:
        """The spot snapshot of ``instance_type`` in ``region`` (None: the cloud's
        ``<cloud>_spot.csv`` has no row for it, or the cloud has no such file)."""
        return self.spot_prices.get((cloud, instance_type, region))

    @property
    def spot_clouds(self) -> tuple[str, ...]:
        """Clouds with a spot price file."""
        return tuple(sorted(self.spot_headers))

    def spot_info(
        self, cloud: str, instance_type: str | None = None, region: str | None = None
    ) -> tuple[str, str]:
        """(date, source) of a cloud's spot snapshot, from the ``price_date:`` and
        ``price_source:`` lines of ``<cloud>_spot.csv`` (same format as :meth:`price_info`;
        "unknown" where the file does not say or there is no file)."""
        return price_header(self.spot_headers.get(cloud, ()), instance_type, region)

    def zones_of(self, cloud: str, region: str) -> tuple[str, ...]:
        return self.zones.get((cloud, region), ())

    def kubernetes_calendar(self, cloud: str) -> tuple[KubernetesVersion, ...]:
        """Every version the cloud's calendar lists, oldest first (past ones included)."""
        return self.kubernetes.get(cloud, ())

    def kubernetes_version(self, cloud: str, version: str) -> KubernetesVersion | None:
        return next((v for v in self.kubernetes_calendar(cloud) if v.version == version), None)

    def kubernetes_versions(self, cloud: str, today: date | None = None) -> tuple[str, ...]:
        """Versions offered on ``today`` (default: the real date), oldest first."""
        day = today or date.today()
        return tuple(v.version for v in self.kubernetes_calendar(cloud) if v.offered(day))

    def default_kubernetes_version(self, cloud: str, today: date | None = None) -> str | None:
        """The newest version offered on ``today``. The clouds publish one calendar per cloud,
        not per region, so this is the newest every region of that cloud supports."""
        versions = self.kubernetes_versions(cloud, today)
        return versions[-1] if versions else None

    def stale_kubernetes(self, today: date | None = None) -> tuple[str, ...]:
        """What the calendars themselves say is out of date on ``today``: a planned version
        whose release date has passed (confirm it and mark it released, or fix its date), and
        a cloud whose newest released version is older than a version the file records as
        released by now. Empty when every calendar is current."""
        day = today or date.today()
        problems: list[str] = []
        for cloud, versions in sorted(self.kubernetes.items()):
            released = [v for v in versions if v.status == "released" and v.release <= day]
            for v in versions:
                if v.status == "planned" and v.release <= day:
                    problems.append(
                        f"{cloud}_kubernetes.csv: {v.version} is planned for {v.release}, which "
                        "has passed (confirm it in the cloud's calendar and mark it released)"
                    )
            due = [v for v in versions if v.release <= day]
            if due and released:
                newest_due = max(due, key=lambda v: _version_key(v.version))
                newest = max(released, key=lambda v: _version_key(v.version))
                if _version_key(newest.version) < _version_key(newest_due.version):
                    problems.append(
                        f"{cloud}_kubernetes.csv: newest released version {newest.version} is "
                        f"older than {newest_due.version}, released {newest_due.release}"
                    )
        return tuple(problems)

    def find(
        self,
        *,
        gpu: str | None = None,
        cloud: str | None = None,
        region: str | None = None,
    ) -> tuple[Offer, ...]:
        """Offers matching every filter given (GPU offers only when ``gpu`` is given)."""
        return tuple(
            o
            for o in self.offers
            if (gpu is None or o.gpu == gpu)
            and (cloud is None or o.cloud == cloud)
            and (region is None or o.region == region)
        )

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def from_directory(cls, directory: Path | str, clouds: Sequence[str] | None = None) -> Catalog:
        """Load ``<cloud>.csv``, ``<cloud>_zones.csv``, ``<cloud>_kubernetes.csv`` and
        ``<cloud>_spot.csv`` (each but the first optional)."""
        root = Path(directory)
        if not root.is_dir():
            raise CatalogError(f"catalog: {str(root)!r} is not a directory")
        names = clouds or sorted(p.stem for p in root.glob("*.csv") if "_" not in p.stem)
        if not names:
            raise CatalogError(
                f"catalog: {str(root)!r} holds no catalog files (allowed: <cloud>.csv, "
                "with <cloud>_zones.csv and <cloud>_kubernetes.csv beside it)"
            )
        files = {
            f"{name}{suffix}.csv": _read_text(root / f"{name}{suffix}.csv")
            for name in names
            for suffix in _SUFFIXES
        }
        return cls._parse(names, files)

    @classmethod
    def _parse(cls, clouds: Iterable[str], files: Mapping[str, str | None]) -> Catalog:
        offers: list[Offer] = []
        zones: dict[tuple[str, str], list[str]] = defaultdict(list)
        kubernetes: dict[str, tuple[KubernetesVersion, ...]] = {}
        headers: dict[str, tuple[str, ...]] = {}
        spot_prices: dict[tuple[str, str, str], SpotPrice] = {}
        spot_headers: dict[str, tuple[str, ...]] = {}
        for cloud in clouds:
            main = files.get(f"{cloud}.csv")
            if main is None:
                raise CatalogError(f"catalog: no data file for cloud {cloud!r}")
            header, rows = _split(f"{cloud}.csv", main, _OFFER_COLUMNS)
            headers[cloud] = header
            seen: set[tuple[str, str]] = set()
            for lineno, row in rows:
                offer = _offer(cloud, row, f"{cloud}.csv:{lineno}")
                key = (offer.instance_type, offer.region)
                if key in seen:
                    raise CatalogError(f"{cloud}.csv:{lineno}: duplicate row for {key}")
                seen.add(key)
                offers.append(offer)
            zone_text = files.get(f"{cloud}_zones.csv")
            if zone_text is not None:
                for _, row in _split(f"{cloud}_zones.csv", zone_text, ("region", "zone"))[1]:
                    zones[(cloud, row["region"])].append(row["zone"])
            spot_text = files.get(f"{cloud}_spot.csv")
            if spot_text is not None:
                name = f"{cloud}_spot.csv"
                spot_header, spot_rows = _split(name, spot_text, _SPOT_COLUMNS)
                spot_headers[cloud] = spot_header
                for lineno, row in spot_rows:
                    where = f"{name}:{lineno}"
                    key = (row["instance_type"], row["region"])
                    if key not in seen:
                        raise CatalogError(
                            f"{where}: {key[0]} in {key[1]} is not a row of {cloud}.csv (a spot "
                            "price needs the type's on-demand row)"
                        )
                    if (cloud, *key) in spot_prices:
                        raise CatalogError(f"{where}: duplicate row for {key}")
                    spot_prices[(cloud, *key)] = _spot(row, where)
            kube_text = files.get(f"{cloud}_kubernetes.csv")
            if kube_text is not None:
                name = f"{cloud}_kubernetes.csv"
                _, kube_rows = _split(name, kube_text, _KUBERNETES_COLUMNS)
                kubernetes[cloud] = tuple(
                    sorted(
                        (_kubernetes(r, f"{name}:{lineno}") for lineno, r in kube_rows),
                        key=lambda v: _version_key(v.version),
                    )
                )
        return cls(
            offers=tuple(offers),
            zones={k: tuple(v) for k, v in zones.items()},
            kubernetes=kubernetes,
            headers=headers,
            spot_prices=spot_prices,
            spot_headers=spot_headers,
        )


@functools.cache
def default_catalog() -> Catalog:
    """The catalog shipped with infra (or the one ``INFRA_CATALOG_DIR`` names), parsed once
    on first use."""
    override = os.environ.get("INFRA_CATALOG_DIR")
    if override:
        try:
            return Catalog.from_directory(override)
        except CatalogError as exc:
            raise CatalogError(f"INFRA_CATALOG_DIR: {exc}") from None
    data = resources.files("infra.catalog").joinpath("data")
    # One <cloud>.csv per cloud (beside its _zones and _kubernetes files): the data files say
    # which clouds there are, so adding a cloud adds files, not a name here.
    clouds = tuple(
        sorted(
            entry.name.removesuffix(".csv")
            for entry in data.iterdir()
            if entry.name.endswith(".csv") and "_" not in entry.name
        )
    )
    files: dict[str, str | None] = {}
    for cloud in clouds:
        for suffix in _SUFFIXES:
            name = f"{cloud}{suffix}.csv"
            entry = data.joinpath(name)
            files[name] = entry.read_text(encoding="utf-8") if entry.is_file() else None
    return Catalog._parse(clouds, files)


_SUFFIXES = ("", "_zones", "_kubernetes", "_spot")


def price_key(key: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """``price_date[t1,t2]@r1`` -> ``("price_date", ("t1", "t2"), ("r1",))``; None for a key
    that is not a price line's (see :meth:`Catalog.price_info`)."""
    head, _, places = key.strip().partition("@")
    name, _, types = head.strip().removesuffix("]").partition("[")
    if name.strip() not in _PRICE_KEYS:
        return None
    return (
        name.strip(),
        tuple(t.strip() for t in types.split(",") if t.strip()),
        tuple(r.strip() for r in places.split(",") if r.strip()),
    )


_PRICE_KEYS = ("price_date", "price_source")


PriceLine = tuple[str, tuple[str, ...], tuple[str, ...], str]  # name, types, regions, value


def price_line(line: str) -> PriceLine | None:
    """A header line as a price line (None: it is not one)."""
    key, sep, value = line.partition(":")
    parsed = price_key(key) if sep else None
    return None if parsed is None else (*parsed, value.strip())


def price_lines(lines: Iterable[str]) -> Iterator[PriceLine]:
    """The price lines among header ``lines``."""
    for line in lines:
        parsed = price_line(line)
        if parsed is not None:
            yield parsed


def price_header(
    lines: Iterable[str], instance_type: str | None, region: str | None = None
) -> tuple[str, str]:
    """(price_date, price_source) from a data file's header lines (see Catalog.price_info)."""
    best: dict[str, tuple[int, str]] = dict.fromkeys(_PRICE_KEYS, (-1, "unknown"))
    for name, types, regions, value in price_lines(lines):
        if (types and instance_type not in types) or (regions and region not in regions):
            continue
        rank = 2 * bool(regions) + bool(types)
        if rank >= best[name][0]:
            best[name] = (rank, value)
    return best["price_date"][1], best["price_source"][1]


def _read_text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _split(
    name: str, text: str, columns: Sequence[str]
) -> tuple[tuple[str, ...], list[tuple[int, dict[str, str]]]]:
    """Header comment lines, then rows keyed by column, each with its line number."""
    lines = text.splitlines()
    header = tuple(line[1:].strip() for line in lines if line.startswith("#"))
    body_start = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    reader = csv.DictReader(io.StringIO("\n".join(lines[body_start:])))
    if tuple(reader.fieldnames or ()) != tuple(columns):
        raise CatalogError(
            f"{name}: header must be {','.join(columns)} (found {','.join(reader.fieldnames or [])})"
        )
    rows = []
    for offset, row in enumerate(reader):
        if any(value is None for value in row.values()):
            raise CatalogError(f"{name}:{body_start + offset + 2}: wrong number of columns")
        rows.append((body_start + offset + 2, {k: v.strip() for k, v in row.items()}))
    return header, rows


def _offer(cloud: str, row: Mapping[str, str], where: str) -> Offer:
    try:
        rdma = row["rdma"]
        if rdma not in RDMA_KINDS:
            raise ValueError(f"rdma {rdma!r} not one of {', '.join(RDMA_KINDS)}")
        gpu = row["gpu"] or None
        gpus = Fraction(row["gpus"])
        if (gpu is None) != (gpus == 0):
            raise ValueError("gpu and gpus must both be set or both be empty/0")
        price = row["price_usd_hour"]
        return Offer(
            cloud=cloud,
            instance_type=row["instance_type"],
            gpu=gpu,
            gpus=gpus,
            gpu_memory_gib=float(row["gpu_memory_gib"]),
            vcpus=int(row["vcpus"]),
            memory_gib=float(row["memory_gib"]),
            rdma=rdma,
            rdma_gbps=int(float(row["rdma_gbps"])),
            region=row["region"],
            price_usd_hour=float(price) if price else None,
            boot_minutes=int(row["boot_minutes"]),
        )
    except (ValueError, ZeroDivisionError) as exc:
        raise CatalogError(f"{where}: {exc}") from None


def _spot(row: Mapping[str, str], where: str) -> SpotPrice:
    try:
        low = float(row["spot_min_usd_hour"])
        high = float(row["spot_max_usd_hour"])
        zones = int(row["zones"]) if row["zones"] else None
    except ValueError as exc:
        raise CatalogError(f"{where}: {exc}") from None
    if not (math.isfinite(high) and 0 < low <= high):
        raise CatalogError(
            f"{where}: spot prices out of order (allowed: 0 < spot_min_usd_hour <= "
            f"spot_max_usd_hour, found {row['spot_min_usd_hour']} and {row['spot_max_usd_hour']})"
        )
    if zones is not None and zones < 1:
        raise CatalogError(f"{where}: zones must be at least 1 or empty (found {zones})")
    return SpotPrice(min_usd_hour=low, max_usd_hour=high, zones=zones)


def _kubernetes(row: Mapping[str, str], where: str) -> KubernetesVersion:
    try:
        if row["status"] not in KUBERNETES_STATUSES:
            raise ValueError(
                f"status {row['status']!r} not one of {', '.join(KUBERNETES_STATUSES)}"
            )
        extended = row["end_of_extended_support"]
        version = KubernetesVersion(
            version=row["version"],
            status=row["status"],
            release=date.fromisoformat(row["release"]),
            end_of_standard_support=date.fromisoformat(row["end_of_standard_support"]),
            end_of_extended_support=date.fromisoformat(extended) if extended else None,
        )
    except ValueError as exc:
        raise CatalogError(f"{where}: {exc}") from None
    if not version.release < version.end_of_standard_support <= version.last_day:
        raise CatalogError(
            f"{where}: dates out of order (allowed: release < end_of_standard_support <= "
            "end_of_extended_support)"
        )
    return version


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())
