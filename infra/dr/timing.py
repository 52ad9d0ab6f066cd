"""The DR timing model: how long each failover step takes, per cloud, as data.

The numbers live in ``infra/dr/data/timing.csv`` (every one an estimate; the file's header gives
the basis and the sources of each) and are parsed once, on first use, into typed rows. Instance
boot times come from the catalog (``Offer.boot_minutes``), so the model here covers only what a
failover adds around them: the scale call, GPU readiness, the DNS change and the checks.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from infra.catalog import Offer
from infra.errors import CatalogError

__all__ = ["COMPONENTS", "CloudTiming", "TimingModel", "default_timing", "minutes"]

_COLUMNS = ("cloud", "component", "value", "unit", "kind", "basis")
_KINDS = ("configured", "documented", "estimate", "included")

COMPONENTS: Mapping[str, str] = MappingProxyType(
    {
        "dns_propagation": "seconds",
        "dns_ttl": "seconds",
        "gpu_ready": "seconds",
        "health_check_failures": "count",
        "health_check_interval": "seconds",
        "node_join": "seconds",
        "replication_check": "seconds",
        "scale_api": "seconds",
        "verify": "seconds",
    }
)
"""Every component a cloud must give, with its unit."""


@dataclass(frozen=True, slots=True)
class CloudTiming:
    """One cloud's row set of the timing model (seconds unless named otherwise)."""

    cloud: str
    scale_api: int
    node_join: int
    gpu_ready: int
    dns_propagation: int
    dns_ttl: int
    health_check_interval: int
    health_check_failures: int
    replication_check: int
    verify: int

    def nodes_ready_seconds(self, offer: Offer) -> int:
        """From a scale call returning to nodes of ``offer`` with GPUs allocatable."""
        return offer.boot_minutes * 60 + self.node_join + self.gpu_ready

    @property
    def traffic_seconds(self) -> int:
        """From a DNS change to every resolver serving the new answer."""
        return self.dns_propagation + self.dns_ttl

    @property
    def health_check_detection_seconds(self) -> int:
        """How long the DNS service's own health checks take to mark an endpoint down."""
        return self.health_check_interval * self.health_check_failures


@dataclass(frozen=True)
class TimingModel:
    """The timing rows of every cloud, with the file's header for provenance."""

    clouds: Mapping[str, CloudTiming]
    header: tuple[str, ...]

    def for_cloud(self, cloud: str) -> CloudTiming:
        """The timings of ``cloud``; a cloud without rows is a packaging error."""
        try:
            return self.clouds[cloud]
        except KeyError:
            raise CatalogError(
                f"timing.csv: no timing rows for cloud {cloud!r} "
                f"(has: {', '.join(sorted(self.clouds))})"
            ) from None

    @classmethod
    def parse(cls, text: str, name: str = "timing.csv") -> TimingModel:
        """Parse the CSV text; every cloud must give every component exactly once."""
        lines = text.splitlines()
        header = tuple(line[1:].strip() for line in lines if line.startswith("#"))
        body = [line for line in lines if not line.startswith("#")]
        reader = csv.DictReader(io.StringIO("\n".join(body)))
        if tuple(reader.fieldnames or ()) != _COLUMNS:
            raise CatalogError(f"{name}: header must be {','.join(_COLUMNS)}")
        values: dict[str, dict[str, int]] = {}
        for row in reader:
            where = f"{name}: {row.get('cloud')}/{row.get('component')}"
            component = row["component"]
            if component not in COMPONENTS:
                raise CatalogError(f"{where}: unknown component (allowed: {', '.join(COMPONENTS)})")
            if row["unit"] != COMPONENTS[component]:
                raise CatalogError(f"{where}: unit must be {COMPONENTS[component]}")
            if row["kind"] not in _KINDS:
                raise CatalogError(f"{where}: kind must be one of {', '.join(_KINDS)}")
            if not (row["basis"] or "").strip():
                raise CatalogError(f"{where}: every value needs its basis")
            try:
                value = int(row["value"])
            except ValueError:
                raise CatalogError(f"{where}: value {row['value']!r} is not an integer") from None
            if value < 0:
                raise CatalogError(f"{where}: value must be >= 0")
            per_cloud = values.setdefault(row["cloud"], {})
            if component in per_cloud:
                raise CatalogError(f"{where}: given twice")
            per_cloud[component] = value
        clouds: dict[str, CloudTiming] = {}
        for cloud, given in sorted(values.items()):
            missing = sorted(set(COMPONENTS) - set(given))
            if missing:
                raise CatalogError(f"{name}: cloud {cloud!r} lacks {', '.join(missing)}")
            clouds[cloud] = CloudTiming(cloud=cloud, **given)
        return cls(clouds=MappingProxyType(clouds), header=header)


@functools.cache
def default_timing() -> TimingModel:
    """The timing model shipped with infra, parsed once on first use."""
    text = resources.files("infra.dr").joinpath("data", "timing.csv").read_text(encoding="utf-8")
    return TimingModel.parse(text)


def minutes(seconds: int) -> int:
    """Whole minutes, rounded up: a plan never promises less time than the model gives."""
    return math.ceil(seconds / 60)
