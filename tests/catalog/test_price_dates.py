"""Which date and source a price carries: header lines scoped to types and regions, the lines a
refresh writes for the regions it rebuilt, and a spot file a refresh creates."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from infra.catalog import Catalog, SpotPrice, default_catalog, price_header, price_key
from infra.catalog.refresh import (
    FetchedOffer,
    FetchedSpot,
    data_directory,
    dated_header,
    refresh,
)
from tests.catalog.sources import fetched
from tests.conftest import run_cli

DAY = dt.date(2026, 12, 3)

HEADER = (
    "a data file",
    "price_date: 2026-01-01",
    "price_source: a snapshot",
    "price_date[big.1,big.2]: 2026-02-02",
    "price_date@east: 2026-03-03",
    "price_date[big.1]@east,west: 2026-04-04",
)


def test_the_most_specific_line_wins() -> None:
    assert price_header(HEADER, None) == ("2026-01-01", "a snapshot")
    assert price_header(HEADER, "small.1", "west") == ("2026-01-01", "a snapshot")
    assert price_header(HEADER, "big.2", "west")[0] == "2026-02-02"  # types
    assert price_header(HEADER, "big.2", "east")[0] == "2026-03-03"  # region beats types
    assert price_header(HEADER, "big.1", "west")[0] == "2026-04-04"  # both
    assert price_header(HEADER, "small.1", "east") == ("2026-03-03", "a snapshot")
    # Among equally specific lines, the last.
    assert price_header((*HEADER, "price_date: 2026-05-05"), "small.1")[0] == "2026-05-05"


def test_price_keys() -> None:
    assert price_key("price_date") == ("price_date", (), ())
    assert price_key("price_source[a, b]@r1,r2") == ("price_source", ("a", "b"), ("r1", "r2"))
    assert price_key("retrieved") is None and price_key("price_dated") is None


def test_a_refresh_dates_its_regions_and_pins_the_rows_it_kept() -> None:
    header = dated_header(HEADER, "2026-12-03", ["east"], "an API", [("cpu.1", "east")])
    assert "price_date@east: 2026-03-03" not in header  # superseded by the refresh
    assert "price_date[big.1]@west: 2026-04-04" in header  # east taken out, west kept
    assert price_header(header, "big.1", "east") == ("2026-12-03", "an API, read 2026-12-03")
    assert price_header(header, "big.2", "east")[0] == "2026-12-03"
    assert price_header(header, "big.1", "west")[0] == "2026-04-04"
    # The kept row keeps what it had (east's old line) rather than the refresh's date.
    assert price_header(header, "cpu.1", "east") == ("2026-03-03", "a snapshot")
    # A second refresh of the same region keeps the pin and does not pile up lines.
    again = dated_header(header, "2026-12-04", ["east"], "an API", [("cpu.1", "east")])
    assert price_header(again, "cpu.1", "east") == ("2026-03-03", "a snapshot")
    assert price_header(again, "big.2", "east")[0] == "2026-12-04"
    assert len(again) == len(header)


class _WithSpot:
    """Alibaba's current GPU rows of a region, each with a spot price of half its price."""

    SOURCES = ("a test price API",)
    SPOT_SOURCES = ("a test spot API",)

    def fetch_region(
        self, region: str, known_types: frozenset[str], endpoint: str | None
    ) -> tuple[FetchedOffer, ...]:
        rows = default_catalog().find(cloud="alicloud", region=region)
        return tuple(
            fetched(
                o, None if o.price_usd_hour is None else FetchedSpot(o.price_usd_hour / 2, 4e9, 2)
            )
            for o in rows
            if o.gpu
        )

    def boot_minutes_estimate(self, offer: FetchedOffer) -> int:
        return 10


def test_a_refresh_with_spot_prices_writes_a_spot_file_where_there_was_none(
    tmp_path: Path,
) -> None:
    old = default_catalog()
    assert "alicloud" not in old.spot_clouds
    region = old.regions("alicloud")[0]
    result = refresh("alicloud", regions=[region], out=tmp_path, source=_WithSpot())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alicloud.csv", "alicloud_spot.csv"]
    catalog = Catalog.from_directory(tmp_path, ["alicloud"])
    priced = [o for o in old.find(cloud="alicloud", region=region) if o.gpu and o.price_usd_hour]
    assert priced
    for offer in priced:
        assert offer.price_usd_hour is not None
        low = round(offer.price_usd_hour / 2, 4)
        assert catalog.spot("alicloud", offer.instance_type, region) == SpotPrice(low, 4e9, 2)
    assert result.diff.spot is not None and len(result.diff.spot.added) == len(priced)
    when, source = catalog.spot_info("alicloud", priced[0].instance_type, region)
    assert source.startswith("a test spot API, read ") and when == source.rsplit(" ", 1)[1]
    assert catalog.spot_info("alicloud") == ("unknown", "unknown")  # no other region priced


def test_infra_catalog_shows_the_refreshed_regions_dates(tmp_path: Path) -> None:
    data = data_directory()
    for name in ("alicloud_zones.csv", "alicloud_kubernetes.csv"):
        shutil.copy(data / name, tmp_path)
    region = default_catalog().regions("alicloud")[0]
    refresh("alicloud", regions=[region], out=tmp_path, source=_WithSpot(), today=DAY)
    shown = run_cli("catalog", "--cloud", "alicloud", catalog_dir=tmp_path)
    assert shown.returncode == 0, shown.stderr
    rows = [line.split() for line in shown.stdout.splitlines()]
    rows = [row for row in rows if len(row) > 3 and row[1] == "alicloud"]
    assert {row[2] for row in rows} > {region}
    assert rows and all((DAY.isoformat() in row) == (row[2] == region) for row in rows)
    assert f"alicloud prices in {region}: a test price API, read {DAY} (price date: {DAY})" in (
        shown.stdout
    )
    assert f"alicloud in {region}: a test spot API, read {DAY}, price date {DAY}" in shown.stdout
    as_json = json.loads(
        run_cli("catalog", "--cloud", "alicloud", "--json", catalog_dir=tmp_path).stdout
    )
    dated = {o["region"] == region: o["price_date"] for o in as_json["offers"] if o["gpu"]}
    assert dated[True] == DAY.isoformat() and dated[False] != DAY.isoformat()


def test_shipped_p5_4xlarge_rows_carry_their_own_sources() -> None:
    catalog = default_catalog()
    assert catalog.price_info("aws", "p5.4xlarge", "us-east-1")[0] == "2026-07-20"  # Karpenter
    for region in ("us-east-2", "us-west-2", "ap-northeast-1"):
        offer = catalog.offer("aws", "p5.4xlarge", region)
        assert offer is not None and offer.gpu == "H100" and offer.rdma == "efa"
        when, source = catalog.price_info("aws", "p5.4xlarge", region)
        assert when.startswith("undated (SkyPilot catalog snapshot commit 00148f2")
        assert "SkyPilot" in source
    assert catalog.price_info("aws", "p5.48xlarge", "us-east-2") == catalog.price_info("aws")


def test_infra_cost_dates_a_refreshed_region_and_the_rows_it_kept(tmp_path: Path) -> None:
    shutil.copytree(data_directory(), tmp_path, dirs_exist_ok=True)
    refresh("alicloud", regions=["cn-beijing"], out=tmp_path, source=_WithSpot(), today=DAY)
    shown = run_cli("cost", "stacks/llm_train.py", "--json", catalog_dir=tmp_path)
    assert shown.returncode == 0, shown.stderr
    pools = {
        (p["cluster"], p["pool"]): p
        for stack in json.loads(shown.stdout)["stacks"]
        for p in stack["pools"]
    }
    gpu, system = pools[("ali-bj", "a100")], pools[("ali-bj", "system")]
    assert (gpu["price_date"], gpu["price_source"]) == (
        DAY.isoformat(),
        f"a test price API, read {DAY}",
    )
    old = default_catalog().price_info("alicloud", "ecs.g7.2xlarge", "cn-beijing")
    assert (system["price_date"], system["price_source"]) == old  # a CPU row the refresh kept
    assert pools[("aws-use1", "system")]["price_date"] == default_catalog().price_info("aws")[0]
