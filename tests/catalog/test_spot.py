"""Spot price snapshots (infra/catalog/data/<cloud>_spot.csv): loaded strictly, shown by
``infra catalog`` and used by ``infra cost`` for spot pools."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from infra import Cluster, NodePool, Stack
from infra.catalog import Catalog, SpotPrice, default_catalog
from infra.cost import CostLine, cost_of
from infra.errors import CatalogError
from infra.resolve import ResolvedStack
from infra.validate import validate_stacks
from tests.conftest import ROOT, run_cli

DATA = ROOT / "infra" / "catalog" / "data"
SPOT_HEADER = "instance_type,region,spot_min_usd_hour,spot_max_usd_hour,zones\n"

# Read from skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv at commit 00148f2 (read_file
# offset 2556000): p5.48xlarge us-east-1 SpotPrice per zone use1-az1 55.040000, use1-az2
# 19.253100, use1-az3 21.154300, use1-az4 55.040000, use1-az5 25.752200, use1-az6 17.628900
# (the Local Zone row use1-atl2-az1 10.239700 is left out); us-east-2 use2-az1 11.254300,
# use2-az2 11.561600, use2-az3 11.991200.
P5_USE1 = SpotPrice(min_usd_hour=17.6289, max_usd_hour=55.04, zones=6)
P5_USE2 = SpotPrice(min_usd_hour=11.2543, max_usd_hour=11.9912, zones=3)
# catalogs/v6/azure/vms.csv at commit 098741e (read_file offset 334000):
# Standard_NC24ads_A100_v4 eastus SpotPrice 0.444433 (one price per region).
NC24_EASTUS = SpotPrice(min_usd_hour=0.4444, max_usd_hour=0.4444, zones=None)


def test_shipped_spot_rows_read_from_the_source() -> None:
    catalog = default_catalog()
    assert catalog.spot("aws", "p5.48xlarge", "us-east-1") == P5_USE1
    assert catalog.spot("aws", "p5.48xlarge", "us-east-2") == P5_USE2
    assert catalog.spot("azure", "Standard_NC24ads_A100_v4", "eastus") == NC24_EASTUS
    # every zone row of p5.4xlarge in us-east-1 has an empty SpotPrice: no row
    assert catalog.spot("aws", "p5.4xlarge", "us-east-1") is None
    assert catalog.spot_info("aws") == (
        "undated (snapshot commit 00148f2)",
        "AWS EC2 spot prices via the SkyPilot catalog (SpotPrice column, per availability zone)",
    )
    assert catalog.spot_clouds == ("aws", "azure")  # Alibaba: no public spot source found


def test_every_spot_row_is_a_catalog_row_and_in_order() -> None:
    catalog = default_catalog()
    assert catalog.spot_prices
    for (cloud, instance_type, region), spot in catalog.spot_prices.items():
        offer = catalog.offer(cloud, instance_type, region)
        assert offer is not None, (cloud, instance_type, region)
        assert 0 < spot.min_usd_hour <= spot.max_usd_hour
        if offer.price_usd_hour is not None:
            # the source has no spot price above its on-demand price for these pairs
            assert spot.max_usd_hour <= offer.price_usd_hour, (cloud, instance_type, region)
        assert (spot.zones is None) == (cloud == "azure")


def _copy(tmp_path: Path, cloud: str) -> Path:
    for suffix in ("", "_zones", "_kubernetes"):
        shutil.copy(DATA / f"{cloud}{suffix}.csv", tmp_path)
    return tmp_path


def test_directory_without_spot_file_loads(tmp_path: Path) -> None:
    catalog = Catalog.from_directory(_copy(tmp_path, "aws"))
    assert catalog.spot("aws", "p5.48xlarge", "us-east-1") is None
    assert catalog.spot_info("aws") == ("unknown", "unknown")
    assert catalog.spot_clouds == ()


def test_spot_file_in_a_directory_loads(tmp_path: Path) -> None:
    directory = _copy(tmp_path, "aws")
    (directory / "aws_spot.csv").write_text(
        "# price_date: 2026-01-01\n# price_source: test\n"
        + SPOT_HEADER
        + "p5.48xlarge,us-east-1,17.6289,55.04,6\n"
    )
    catalog = Catalog.from_directory(directory)
    assert catalog.spot("aws", "p5.48xlarge", "us-east-1") == P5_USE1
    assert catalog.spot_info("aws") == ("2026-01-01", "test")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("p5.48xlarge,us-east-1,cheap,55.04,6", "aws_spot.csv:3: could not convert"),
        ("p5.48xlarge,us-east-1,56,55.04,6", "aws_spot.csv:3: spot prices out of order"),
        ("p5.48xlarge,us-east-1,0,55.04,6", "aws_spot.csv:3: spot prices out of order"),
        ("p5.48xlarge,us-east-1,1,inf,6", "aws_spot.csv:3: spot prices out of order"),
        ("p5.48xlarge,us-east-1,1,2,0", "aws_spot.csv:3: zones must be at least 1"),
        ("p5.48xlarge,us-east-1,1,2,two", "aws_spot.csv:3: invalid literal"),
        ("p5.48xlarge,us-east-1,1,2", "aws_spot.csv:3: wrong number of columns"),
        ("p5.48xlarge,eu-west-1,1,2,3", "aws_spot.csv:3: p5.48xlarge in eu-west-1 is not a row"),
        ("g9.huge,us-east-1,1,2,3", "aws_spot.csv:3: g9.huge in us-east-1 is not a row"),
    ],
)
def test_malformed_spot_file_names_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    directory = _copy(tmp_path, "aws")
    (directory / "aws_spot.csv").write_text("# test\n" + SPOT_HEADER + row + "\n")
    with pytest.raises(CatalogError) as info:
        Catalog.from_directory(directory)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_duplicate_spot_row_and_bad_header(tmp_path: Path) -> None:
    directory = _copy(tmp_path, "aws")
    row = "p5.48xlarge,us-east-1,1,2,3\n"
    (directory / "aws_spot.csv").write_text(SPOT_HEADER + row + row)
    with pytest.raises(CatalogError, match=r"^aws_spot\.csv:3: duplicate row"):
        Catalog.from_directory(directory)
    (directory / "aws_spot.csv").write_text("instance_type,region,spot\n" + row)
    with pytest.raises(CatalogError, match=r"^aws_spot\.csv: header must be"):
        Catalog.from_directory(directory)


def test_catalog_json_and_table_show_spot_prices() -> None:
    result = run_cli("catalog", "--gpu", "H100", "--cloud", "aws", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    offers = {(o["instance_type"], o["region"]): o for o in document["offers"]}
    p5 = offers[("p5.48xlarge", "us-east-1")]
    assert p5["spot_min_usd_hour"] == 17.6289 and p5["spot_max_usd_hour"] == 55.04
    assert p5["spot_price_usd_hour"] == 17.6289
    small = offers[("p5.4xlarge", "us-east-1")]
    assert small["spot_min_usd_hour"] is None and small["spot_max_usd_hour"] is None
    assert small["spot_price_usd_hour"] is None
    assert "snapshot" in document["spot_note"] and "move hourly" in document["spot_note"]
    assert "no public spot price in the catalog for alicloud" in document["spot_note"]

    table = run_cli("catalog", "--gpu", "H100", "--cloud", "aws", "--region", "us-east-1")
    assert table.returncode == 0
    (row,) = [line for line in table.stdout.splitlines() if "p5.48xlarge" in line]
    assert "$17.63" in row  # spot/h: the lowest zone price
    assert "AWS EC2 spot prices via the SkyPilot catalog" in table.stdout


def _resolved(*pools: NodePool, region: str = "us-east-2") -> list[ResolvedStack]:
    """One AWS cluster with ``pools``, validated against the shipped catalog."""
    stack = Stack(
        name="s",
        owner="ml",
        environment="dev",
        clusters=[
            Cluster(name="c", cloud="aws", region=region, cidr="10.0.0.0/16", pools=list(pools))
        ],
    )
    resolved, problems = validate_stacks([("s.py", stack)], default_catalog())
    assert problems == []
    return list(resolved)


def _cost_lines(*pools: NodePool, region: str = "us-east-2") -> list[CostLine]:
    (cost,) = cost_of(_resolved(*pools, region=region), default_catalog())
    return list(cost.lines)


def test_cost_of_a_spot_pool_uses_the_highest_zone_spot_price() -> None:
    spot, on_demand = _cost_lines(
        NodePool(name="spot", instance_type="p5.48xlarge", nodes=2, spot=True),
        NodePool(name="od", instance_type="p5.48xlarge", nodes=2),
    )
    assert spot.estimate and spot.spot_snapshot
    assert spot.hourly_usd == pytest.approx(2 * P5_USE2.max_usd_hour)
    assert spot.price_source == default_catalog().spot_info("aws")[1]
    assert spot.price_date == "undated (snapshot commit 00148f2)"
    assert not on_demand.estimate and not on_demand.spot_snapshot
    assert on_demand.hourly_usd == pytest.approx(2 * 55.04)
    assert on_demand.price_source.startswith("AWS on-demand Linux list prices")


def test_cost_of_a_spot_pool_without_a_spot_row_stays_on_demand() -> None:
    (line,) = _cost_lines(
        NodePool(name="spot", instance_type="p5.4xlarge", nodes=1, spot=True), region="us-east-1"
    )
    assert line.estimate and not line.spot_snapshot
    assert line.hourly_usd == pytest.approx(6.88)  # the on-demand rate
    assert line.price_date == "2026-07-20"


def test_cost_without_a_catalog_is_on_demand() -> None:
    resolved = _resolved(NodePool(name="spot", instance_type="p5.48xlarge", nodes=1, spot=True))
    ((line,),) = [c.lines for c in cost_of(resolved)]
    assert line.estimate and not line.spot_snapshot and line.hourly_usd == pytest.approx(55.04)


def test_cost_table_says_which_spot_estimate() -> None:
    result = run_cli("cost", "stacks/minimal.py")  # research-sandbox: an L40S spot pool
    assert result.returncode == 0, result.stderr
    assert "spot: estimate at spot snapshot (highest zone)" in result.stdout
