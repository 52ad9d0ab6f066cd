"""``infra catalog refresh --cloud azure`` end to end against the local ARM endpoint
(tools/endpoints/azure.py): Resource SKUs through azure-mgmt-compute and the Retail Prices API
(Linux, Windows and Spot meters, paged by NextPageLink) over plain HTTP."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tools.endpoints.azure as azure_endpoint
from infra.catalog import Catalog, Offer, SpotPrice, default_catalog
from infra.catalog.refresh_cli import configure
from infra.errors import CatalogError
from tools.endpoints.azure import AzureEndpoint

CLOUD = "azure"
REGIONS = ("eastus", "westus2")
ADDED = ("Standard_NC40ads_H100_v5", "westus2")  # a size azure.csv lacks in westus2
RESTRICTED = ("Standard_NC24ads_A100_v4", "eastus")  # Location restriction: not offered
RAISED = ("Standard_ND96isr_H100_v5", "eastus")
NUDGED = ("Standard_NC48ads_A100_v4", "eastus")
PARTIAL = ("Standard_NV6ads_A10_v5", "eastus")  # 1/6 GPU: SKUs give no fraction
NO_SPOT = ("Standard_NC96ads_A100_v4", "eastus")  # no Spot meter: its spot row goes
SPOT = 20.5  # RAISED's Spot meter (azure_spot.csv has no row for it: one is added)


def _rows() -> list[Offer]:
    catalog = default_catalog()
    rows = [o for r in REGIONS for o in catalog.find(cloud=CLOUD, region=r)]
    template = catalog.any_offer(CLOUD, ADDED[0])
    assert template is not None and catalog.offer(CLOUD, *ADDED) is None
    rows.append(Offer(**{**_fields(template), "region": ADDED[1], "price_usd_hour": 7.35}))
    return rows


def _fields(offer: Offer) -> dict[str, Any]:
    return {name: getattr(offer, name) for name in Offer.__slots__}


def _seed() -> dict[str, Any]:
    offers, prices = [], []
    for row in _rows():
        offer: dict[str, Any] = {
            "cloud": CLOUD,
            "region": row.region,
            "instance_type": row.instance_type,
            "zones": ["1", "2", "3"],
            "vcpus": row.vcpus,
            "memory_gib": row.memory_gib,
            "rdma": row.rdma == "infiniband",
            "restricted": (row.instance_type, row.region) == RESTRICTED,
        }
        if row.gpus and row.gpus.denominator == 1:
            offer["gpus"] = int(row.gpus)
        offers.append(offer)
        price = row.price_usd_hour
        assert price is not None
        if (row.instance_type, row.region) == RAISED:
            price = round(price * 1.25, 4)
        if (row.instance_type, row.region) == NUDGED:
            price = round(price * 0.99, 4)
        entry: dict[str, Any] = {
            "cloud": CLOUD,
            "region": row.region,
            "instance_type": row.instance_type,
            "price": price,
        }
        if (row.instance_type, row.region) == NO_SPOT:
            entry["spot"] = None
        if (row.instance_type, row.region) == RAISED:
            entry["spot"] = SPOT
        prices.append(entry)
    return {"offers": offers, "prices": prices}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[AzureEndpoint]:
    with pytest.MonkeyPatch.context() as patch:
        for key in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"):
            patch.delenv(key, raising=False)
        patch.setattr(azure_endpoint, "RETAIL_PAGE", 1)  # every meter on a page of its own
        with AzureEndpoint(_seed()) as api:
            yield api


def _run(argv: list[str]) -> list[str]:
    parser = argparse.ArgumentParser(prog="infra catalog refresh")
    configure(parser)
    args = parser.parse_args(argv)
    lines: list[str] = []
    assert args.handler(args, lines.append) == 0
    return lines


def _argv(endpoint: AzureEndpoint, out: Path) -> list[str]:
    regions = [a for r in REGIONS for a in ("--region", r)]
    return ["--cloud", CLOUD, *regions, "--out", str(out), "--endpoint", f"azure={endpoint.url}"]


def test_refresh_reads_skus_and_retail_prices(endpoint: AzureEndpoint, tmp_path: Path) -> None:
    endpoint.reset_calls()
    lines = _run(_argv(endpoint, tmp_path))
    assert f"+ {ADDED[0]} {ADDED[1]}" in lines
    assert f"- {RESTRICTED[0]} {RESTRICTED[1]}" in lines
    assert any(
        line.startswith(f"~ {RAISED[0]} {RAISED[1]}:") and "+25.0 %" in line for line in lines
    )
    assert not any(line.startswith(f"~ {NUDGED[0]} ") for line in lines)
    assert lines[-2] == "azure: 1 added, 1 removed, 1 price changes over 5 %"

    catalog = Catalog.from_directory(tmp_path, [CLOUD])
    old = default_catalog()
    added = catalog.offer(CLOUD, *ADDED)
    template = old.any_offer(CLOUD, ADDED[0])
    assert added is not None and template is not None
    assert added.gpu == template.gpu and added.gpus == template.gpus
    assert added.gpu_memory_gib == template.gpu_memory_gib
    assert added.price_usd_hour == 7.35  # the Linux meter, not Windows (x1.5) or Spot (x0.2)
    nudged, before = catalog.offer(CLOUD, *NUDGED), old.offer(CLOUD, *NUDGED)
    assert nudged is not None and before is not None and before.price_usd_hour is not None
    assert nudged.price_usd_hour == round(before.price_usd_hour * 0.99, 4)
    partial = catalog.offer(CLOUD, *PARTIAL)
    assert partial == old.offer(CLOUD, *PARTIAL)  # the 1/6 GPU kept
    big = catalog.offer(CLOUD, *RAISED)
    assert big is not None and big.rdma == "infiniband" and big.rdma_gbps == 3200
    assert catalog.find(cloud=CLOUD, region="japaneast") == old.find(
        cloud=CLOUD, region="japaneast"
    )
    # Spot: the Linux Spot meter (not Windows Spot, x 1.5), one price per region.
    assert catalog.spot(CLOUD, *RAISED) == SpotPrice(SPOT, SPOT, None)
    assert catalog.spot(CLOUD, *NUDGED) == SpotPrice(
        *[round(nudged.price_usd_hour * 0.2, 4)] * 2, None
    )
    assert catalog.spot(CLOUD, *NO_SPOT) is None and old.spot(CLOUD, *NO_SPOT) is not None
    assert catalog.spot(CLOUD, *ADDED) is not None
    assert f"+ spot {RAISED[0]} {RAISED[1]}" in lines
    assert f"- spot {NO_SPOT[0]} {NO_SPOT[1]}" in lines
    for (cloud, kind, region), spot in old.spot_prices.items():
        if cloud == CLOUD and region not in REGIONS:
            assert catalog.spot(CLOUD, kind, region) == spot
    day = catalog.headers[CLOUD][-1].split()[1]
    assert catalog.spot_info(CLOUD, RAISED[0], RAISED[1])[0] == day
    assert catalog.price_info(CLOUD, RAISED[0], RAISED[1])[0] == day
    assert catalog.price_info(CLOUD, RAISED[0], "japaneast") == old.price_info(CLOUD, RAISED[0])
    calls = endpoint.calls()
    assert calls["GET ResourceSkus_List"] >= len(REGIONS)
    sizes = len([o for o in catalog.find(cloud=CLOUD) if o.region in REGIONS and o.gpu])
    assert calls["GET RetailPrices_List"] >= 3 * sizes  # three meters, one a page: NextPageLink


def test_a_failing_region_writes_nothing(endpoint: AzureEndpoint, tmp_path: Path) -> None:
    endpoint.fail_next("ResourceSkus_List", 403, "AuthorizationFailed", "no read access")
    with pytest.raises(CatalogError) as caught:
        _run(_argv(endpoint, tmp_path))
    assert str(caught.value).startswith(f"refresh: azure/{REGIONS[0]}: ")
    assert "AuthorizationFailed" in str(caught.value) and "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []
