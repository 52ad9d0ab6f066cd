"""``infra catalog refresh --cloud alicloud`` end to end against the local Alibaba Cloud endpoint
(tools/endpoints/alicloud.py) with the ECS SDK: DescribeInstanceTypes (paged),
DescribeAvailableResource, DescribePrice and DescribeSpotPriceHistory (paged by NextOffset)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import infra.clouds.alicloud.catalog_source as source
from infra.catalog import Catalog, Offer, SpotPrice, default_catalog
from infra.catalog.refresh_cli import configure
from infra.errors import CatalogError
from tools.endpoints.alicloud import AlicloudEndpoint

CLOUD = "alicloud"
REGIONS = ("cn-hangzhou", "cn-beijing")
ADDED = ("ecs.gn7-c12g1.3xlarge", "cn-hangzhou")  # alicloud.csv has gn7 in cn-beijing only
CLOSED = ("ecs.gn7i-c8g1.2xlarge", "cn-beijing")  # ClosedWithoutStock everywhere: not sold
RAISED = ("ecs.gn7e-c16g1.4xlarge", "cn-beijing")
NUDGED = ("ecs.gn7i-c16g1.4xlarge", "cn-hangzhou")
SECRET = "refresh-alicloud-secret-never-echoed"
QUOTE = 9.87  # what DescribePrice quotes for a type sold in the region that no public page prices
RAISED_SPOT = {"cn-beijing-h": 3.25, "cn-beijing-i": 4.5}  # per zone; the others: a third, both


def _spot_of(key: tuple[str, str], price: float) -> dict[str, float] | None:
    if key == NUDGED:
        return None  # no spot history: no spot row
    if key == RAISED:
        return RAISED_SPOT
    return {f"{key[1]}-h": round(price / 3, 4), f"{key[1]}-i": round(price / 3, 4)}


def _rows() -> list[Offer]:
    catalog = default_catalog()
    rows = [o for r in REGIONS for o in catalog.find(cloud=CLOUD, region=r)]
    template = catalog.any_offer(CLOUD, ADDED[0])
    assert template is not None and catalog.offer(CLOUD, *ADDED) is None
    assert catalog.offer(CLOUD, *CLOSED) is not None
    fields = {name: getattr(template, name) for name in Offer.__slots__}
    rows.append(Offer(**{**fields, "region": ADDED[1], "price_usd_hour": 4.21}))
    return rows


def _seed(currency: str = "USD") -> dict[str, Any]:
    offers, prices = [], []
    for row in _rows():
        key = (row.instance_type, row.region)
        offers.append(
            {
                "cloud": CLOUD,
                "region": row.region,
                "instance_type": row.instance_type,
                "zones": [f"{row.region}-h", f"{row.region}-i"],
                "stock": "ClosedWithoutStock" if key == CLOSED else "WithStock",
                "vcpus": row.vcpus,
                "memory_gib": row.memory_gib,
                "gpus": int(row.gpus),
                "gpu_spec": _spec(row.gpu),
                "gpu_memory_gib": row.gpu_memory_gib,
                "eri": 2 if row.rdma == "erdma" else 0,
            }
        )
        price = row.price_usd_hour if row.price_usd_hour is not None else QUOTE
        price = round(price * 1.3, 4) if key == RAISED else price
        price = round(price * 1.04, 4) if key == NUDGED else price
        prices.append(
            {
                "region": row.region,
                "instance_type": row.instance_type,
                "price": price,
                "currency": currency if row.region == REGIONS[1] else "USD",
                "spot": _spot_of(key, price),
            }
        )
    return {"offers": offers, "prices": prices}


def _spec(gpu: str | None) -> str:
    """GPUSpec as ECS spells it: "NVIDIA A100" for both A100 sizes, "NVIDIA T4"..."""
    if not gpu:
        return ""
    return "NVIDIA A100" if gpu.startswith("A100") else f"NVIDIA {gpu}"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIrefreshtest0001")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(source, "PAGE", 4)  # DescribeInstanceTypes in pages of 4: NextToken


@pytest.fixture
def api() -> Iterator[AlicloudEndpoint]:
    with AlicloudEndpoint(_seed()) as server:
        yield server


def _run(argv: list[str]) -> list[str]:
    parser = argparse.ArgumentParser(prog="infra catalog refresh")
    configure(parser)
    args = parser.parse_args(argv)
    lines: list[str] = []
    assert args.handler(args, lines.append) == 0
    return lines


def _argv(url: str, out: Path) -> list[str]:
    regions = [a for r in REGIONS for a in ("--region", r)]
    return ["--cloud", CLOUD, *regions, "--out", str(out), "--endpoint", f"alicloud={url}"]


def test_refresh_reads_types_availability_and_prices(api: AlicloudEndpoint, tmp_path: Path) -> None:
    lines = _run(_argv(api.url, tmp_path))
    types = len({o["instance_type"] for o in _seed()["offers"]})
    assert api.calls()["POST DescribeInstanceTypes"] >= len(REGIONS) * (types // 4)
    assert f"+ {ADDED[0]} {ADDED[1]}" in lines
    assert f"- {CLOSED[0]} {CLOSED[1]}" in lines
    assert any(
        line.startswith(f"~ {RAISED[0]} {RAISED[1]}:") and "+30.0 %" in line for line in lines
    )
    assert not any(line.startswith(f"~ {NUDGED[0]} ") for line in lines)
    unpriced = [o for o in _rows() if o.price_usd_hour is None]  # the API fills them in
    for offer in unpriced:
        assert any(
            line.startswith(f"~ {offer.instance_type} {offer.region}:") and "9.87" in line
            for line in lines
        ), offer
    changes = 1 + len(unpriced)
    assert lines[-2] == f"alicloud: 1 added, 1 removed, {changes} price changes over 5 %"

    catalog = Catalog.from_directory(tmp_path, [CLOUD])
    old = default_catalog()
    added = catalog.offer(CLOUD, *ADDED)
    assert added is not None
    assert added.gpu == "A100-40GB" and added.gpus == 1 and added.gpu_memory_gib == 40
    assert added.price_usd_hour == 4.21
    ex = catalog.offer(CLOUD, "ecs.ebmgn7ex.32xlarge", "cn-beijing")
    assert ex is not None and ex == old.offer(CLOUD, "ecs.ebmgn7ex.32xlarge", "cn-beijing")
    assert ex.rdma == "erdma" and ex.rdma_gbps == 160  # kept: the API gives no Gbit/s
    untouched = "cn-shanghai"
    assert catalog.find(cloud=CLOUD, region=untouched) == old.find(cloud=CLOUD, region=untouched)
    cpu = [o for o in old.find(cloud=CLOUD, region=REGIONS[0]) if not o.gpu]
    assert cpu and all(catalog.offer(CLOUD, o.instance_type, REGIONS[0]) == o for o in cpu)

    # Spot: alicloud.csv had no spot file; the refresh writes one for the refreshed regions,
    # each zone's newest row (the endpoint's older row is twice the price).
    assert (tmp_path / "alicloud_spot.csv").is_file() and "alicloud" not in old.spot_clouds
    assert catalog.spot(CLOUD, *RAISED) == SpotPrice(3.25, 4.5, 2)
    assert catalog.spot(CLOUD, *NUDGED) is None
    assert catalog.spot(CLOUD, *ADDED) == SpotPrice(round(4.21 / 3, 4), round(4.21 / 3, 4), 2)
    sold = [o for o in catalog.find(cloud=CLOUD) if o.region in REGIONS and o.gpu]
    assert len(catalog.spot_prices) == len(sold) - 1  # every GPU row of the regions but NUDGED
    assert f"alicloud spot: {len(sold) - 1} added, 0 removed, 0 price changes over 5 %" in lines
    assert api.calls()["POST DescribeSpotPriceHistory"] > len(sold)  # NextOffset followed
    when, where = catalog.spot_info(CLOUD, RAISED[0], RAISED[1])
    assert when == catalog.headers[CLOUD][-1].split()[1] and "DescribeSpotPriceHistory" in where
    assert catalog.spot_info(CLOUD, RAISED[0], untouched) == ("unknown", "unknown")


def test_a_region_priced_in_another_currency_writes_nothing(tmp_path: Path) -> None:
    with AlicloudEndpoint(_seed(currency="CNY")) as server, pytest.raises(CatalogError) as caught:
        _run(_argv(server.url, tmp_path))
    message = str(caught.value)
    assert message.startswith(f"refresh: alicloud/{REGIONS[1]}: DescribePrice answers in CNY")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_region_names_it(api: AlicloudEndpoint, tmp_path: Path) -> None:
    api.fail_next("DescribeAvailableResource", 403, "Forbidden.RAM", "User not authorized")
    with pytest.raises(CatalogError) as caught:
        _run(_argv(api.url, tmp_path))
    message = str(caught.value)
    assert message.startswith(f"refresh: alicloud/{REGIONS[0]}: ") and "Forbidden.RAM" in message
    assert SECRET not in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []
