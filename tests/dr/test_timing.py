"""The timing model: the shipped data file and its parser."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from infra.catalog import Catalog
from infra.clouds import CLOUDS
from infra.dr.timing import COMPONENTS, TimingModel, default_timing, minutes
from infra.errors import CatalogError
from tests.dr.conftest import TIMING_CSV


def shipped_text() -> str:
    return resources.files("infra.dr").joinpath("data", "timing.csv").read_text(encoding="utf-8")


def test_shipped_model_covers_every_cloud() -> None:
    model = default_timing()
    assert set(model.clouds) == set(CLOUDS)
    for cloud in CLOUDS:
        timing = model.for_cloud(cloud)
        assert timing.traffic_seconds > 0 and timing.verify > 0


def test_shipped_file_says_estimate_and_gives_a_basis_per_value() -> None:
    text = shipped_text()
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "ESTIMATE" in header
    body = io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))
    rows = list(csv.DictReader(body))
    assert len(rows) == len(CLOUDS) * len(COMPONENTS)
    for row in rows:
        assert row["basis"].strip()
        # a "documented" value must cite one of the sources listed in the header
        if row["kind"] == "documented":
            assert "[" in row["basis"] and "]" in row["basis"], row


def test_nodes_ready_adds_catalog_boot_time(catalog: Catalog) -> None:
    timing = TimingModel.parse(TIMING_CSV).for_cloud("aws")
    offer = catalog.offer("aws", "p5.48xlarge", "us-west-2")
    assert offer is not None
    assert timing.nodes_ready_seconds(offer) == 15 * 60 + 60
    assert timing.health_check_detection_seconds == 90
    assert minutes(61) == 2 and minutes(60) == 1 and minutes(0) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("aws,verify,300,seconds", "aws,verify,300,minutes"), "unit must be seconds"),
        (
            ("aws,verify,300,seconds,estimate,test value", "aws,verify,300,seconds,guess,x"),
            "kind must be",
        ),
        (
            ("aws,verify,300,seconds,estimate,test value", "aws,verify,300,seconds,estimate,"),
            "needs its basis",
        ),
        (("aws,verify,300", "aws,verify,-1"), "must be >= 0"),
        (("aws,verify,300", "aws,verify,5m"), "not an integer"),
        (("aws,verify,", "aws,verfy,"), "unknown component"),
    ],
)
def test_parse_errors_name_the_row(change: tuple[str, str], message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        TimingModel.parse(TIMING_CSV.replace(*change))


def test_missing_component_and_unknown_cloud() -> None:
    text = "\n".join(
        line for line in TIMING_CSV.splitlines() if not line.startswith("azure,verify")
    )
    with pytest.raises(CatalogError, match="'azure' lacks verify"):
        TimingModel.parse(text)
    with pytest.raises(CatalogError, match="no timing rows for cloud 'gcp'"):
        TimingModel.parse(TIMING_CSV).for_cloud("gcp")
