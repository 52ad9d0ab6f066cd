"""The GPU catalog: instance types per cloud and region, zones and Kubernetes versions.

Data files ship in ``infra/catalog/data`` (one set per cloud, sources in each file's header);
they are parsed once, on first use, into typed rows with indexes for the queries the resolver,
validator, cost report and DR planner make.
"""

from __future__ import annotations

import csv
import functools
import io
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path

from infra.errors import CatalogError

__all__ = [
    "RDMA_KINDS",
    "Catalog",
    "KubernetesVersion",
    "Offer",
    "default_catalog",
]

RDMA_KINDS = ("none", "efa", "infiniband", "erdma")

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
class KubernetesVersion:
    version: str
    end_of_standard_support: str


@dataclass(frozen=True)
class Catalog:
    """Typed, indexed catalog rows for every cloud."""

    offers: tuple[Offer, ...]
    zones: Mapping[tuple[str, str], tuple[str, ...]]
    kubernetes: Mapping[str, tuple[KubernetesVersion, ...]]
    headers: Mapping[str, tuple[str, ...]]
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

    def zones_of(self, cloud: str, region: str) -> tuple[str, ...]:
        return self.zones.get((cloud, region), ())

    def kubernetes_versions(self, cloud: str) -> tuple[str, ...]:
        return tuple(v.version for v in self.kubernetes.get(cloud, ()))

    def default_kubernetes_version(self, cloud: str) -> str | None:
        versions = self.kubernetes_versions(cloud)
        return max(versions, key=_version_key) if versions else None

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
        """Load ``<cloud>.csv``, ``<cloud>_zones.csv`` and ``<cloud>_kubernetes.csv``."""
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
            for suffix in ("", "_zones", "_kubernetes")
        }
        return cls._parse(names, files)

    @classmethod
    def _parse(cls, clouds: Iterable[str], files: Mapping[str, str | None]) -> Catalog:
        offers: list[Offer] = []
        zones: dict[tuple[str, str], list[str]] = defaultdict(list)
        kubernetes: dict[str, tuple[KubernetesVersion, ...]] = {}
        headers: dict[str, tuple[str, ...]] = {}
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
            kube_text = files.get(f"{cloud}_kubernetes.csv")
            if kube_text is not None:
                _, kube_rows = _split(
                    f"{cloud}_kubernetes.csv", kube_text, ("version", "end_of_standard_support")
                )
                kubernetes[cloud] = tuple(
                    sorted(
                        (
                            KubernetesVersion(r["version"], r["end_of_standard_support"])
                            for _, r in kube_rows
                        ),
                        key=lambda v: _version_key(v.version),
                    )
                )
        return cls(
            offers=tuple(offers),
            zones={k: tuple(v) for k, v in zones.items()},
            kubernetes=kubernetes,
            headers=headers,
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
        for suffix in ("", "_zones", "_kubernetes"):
            name = f"{cloud}{suffix}.csv"
            entry = data.joinpath(name)
            files[name] = entry.read_text(encoding="utf-8") if entry.is_file() else None
    return Catalog._parse(clouds, files)


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


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())
