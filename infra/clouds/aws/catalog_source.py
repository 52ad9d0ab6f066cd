"""AWS's side of ``infra catalog refresh``: GPU instance types, where they are offered and their
on-demand Linux price, read with boto3 and its usual credential chain.

- EC2 ``DescribeInstanceTypeOfferings`` (``LocationType=region``) in the region: which types the
  region offers (``InstanceTypeOfferings[].InstanceType``).
- EC2 ``DescribeInstanceTypes`` (paginated; ``instance-type`` filter ``<family>.*``): ``VCpuInfo.
  DefaultVCpus``, ``MemoryInfo.SizeInMiB``, ``GpuInfo.Gpus[]`` (``Name``, ``Manufacturer``,
  ``Count``, ``MemoryInfo.SizeInMiB``), ``NetworkInfo.EfaSupported`` and ``NetworkInfo.
  NetworkCards[].PeakBandwidthInGbps`` (shapes: botocore ``data/ec2/2016-11-15/service-2.json``,
  ``InstanceTypeInfo``, ``GpuDeviceInfo``, ``NetworkCardInfo``).
- Price List ``GetProducts`` (``pricing``, API 2017-10-15, JSON protocol, target prefix
  ``AWSPriceListService``; served from us-east-1) with ``TERM_MATCH`` filters on ``instanceType``,
  ``regionCode``, ``operatingSystem=Linux``, ``tenancy=Shared``, ``preInstalledSw=NA``,
  ``capacitystatus=Used`` and ``licenseModel=No License required``: ``PriceList`` is a list of
  JSON strings, each ``{"product": {"attributes": {...}}, "terms": {"OnDemand": {<offer>:
  {"priceDimensions": {<rate>: {"unit": "Hrs", "pricePerUnit": {"USD": "..."}}}}}}}``
  (botocore ``data/pricing/2017-10-15/service-2.json``;
  https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html;
  attribute names as in a GetProducts answer: ``capacitystatus``, ``tenancy``, ``operatingSystem``,
  ``preInstalledSw``, ``licenseModel``).

- EC2 ``DescribeSpotPriceHistory`` (paginated; ``InstanceTypes`` = the GPU types found,
  ``ProductDescriptions`` ``Linux/UNIX`` and ``Linux/UNIX (Amazon VPC)``, ``StartTime`` =
  ``EndTime`` = now): "it also returns the last price change before the start time, which is the
  effective price as of the start time" (EC2 API reference, DescribeSpotPriceHistory), so each
  zone's newest item (``SpotPriceHistory[].Timestamp``) is its current price
  (``SpotPrice``, a string; ``AvailabilityZone``). Only the region's standard zones count
  (``<region><letter>``, e.g. ``us-east-1a``): Local Zones (``us-east-1-atl-2a``) are not where
  infra's node groups run (aws_zones.csv). A type's spot row is the lowest and highest over
  those zones and their count, as aws_spot.csv records.

``rdma_gbps`` of an EFA type is the sum of its network cards' peak bandwidth, the figure the
current aws.csv records (p5.48xlarge: 32 cards x 100 Gbit/s = 3200). ``--endpoint aws=URL``
sends EC2 and Price List calls to that URL, as the drill does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from infra.catalog.refresh import (
    FetchedOffer,
    FetchedSpot,
    RegionError,
    canonical_gpu,
    spot_over_zones,
)

__all__ = ["SOURCES", "SPOT_SOURCES", "boot_minutes_estimate", "family", "fetch_region"]

PRICING_REGION = "us-east-1"  # the Price List API's endpoint region
SOURCES = (
    "EC2 DescribeInstanceTypeOfferings (LocationType=region) and DescribeInstanceTypes "
    "(GpuInfo, VCpuInfo, MemoryInfo, NetworkInfo.EfaSupported/NetworkCards)",
    "AWS Price List GetProducts (AmazonEC2, on-demand, Linux, Shared tenancy, us-east-1 endpoint)",
)
SPOT_SOURCES = (
    "EC2 DescribeSpotPriceHistory (Linux/UNIX, StartTime = EndTime = the refresh time: each "
    "zone's current spot price; standard zones only)",
)
LINUX_SPOT = ("Linux/UNIX", "Linux/UNIX (Amazon VPC)")
_PRICE_FILTERS = (
    ("operatingSystem", "Linux"),
    ("tenancy", "Shared"),
    ("preInstalledSw", "NA"),
    ("capacitystatus", "Used"),
    ("licenseModel", "No License required"),
)
_CONFIG = Config(
    retries={"total_max_attempts": 3, "mode": "standard"},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="infra-catalog-refresh",
)


def family(instance_type: str) -> str:
    """``p5.48xlarge`` -> ``p5`` (EC2 names are ``<family>.<size>``)."""
    return instance_type.split(".", 1)[0]


def boot_minutes_estimate(offer: FetchedOffer) -> int:
    """aws.csv's header rule (an estimate, not an AWS figure): 15 min for 8-GPU p-types, 10 for
    the other GPU types."""
    return 15 if offer.instance_type.startswith("p") and (offer.gpus or 0) >= 8 else 10


def fetch_region(
    region: str, known_types: frozenset[str], endpoint: str | None
) -> tuple[FetchedOffer, ...]:
    """The region's GPU types in the families of ``known_types`` (all when it is empty)."""
    session = boto3.session.Session()
    try:
        ec2 = session.client("ec2", region_name=region, endpoint_url=endpoint, config=_CONFIG)
        pricing = session.client(
            "pricing", region_name=PRICING_REGION, endpoint_url=endpoint, config=_CONFIG
        )
        offered = _offered(ec2)
        families = sorted({family(t) for t in known_types})
        offers = []
        for info in _instance_types(ec2, families):
            name = info.get("InstanceType", "")
            if name not in offered or not (info.get("GpuInfo") or {}).get("Gpus"):
                continue
            offers.append(_offer(region, info, _price(pricing, name, region)))
        spot = _spot_prices(ec2, region, [o.instance_type for o in offers])
        return tuple(dataclasses.replace(o, spot=spot.get(o.instance_type)) for o in offers)
    except (ClientError, BotoCoreError) as exc:
        raise RegionError(region, _message(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise RegionError(
            region, f"unexpected answer from the EC2 or Price List API: {exc!r}"
        ) from None


def _offered(ec2: Any) -> set[str]:
    pages = ec2.get_paginator("describe_instance_type_offerings").paginate(LocationType="region")
    return {o["InstanceType"] for page in pages for o in page.get("InstanceTypeOfferings", [])}


def _instance_types(ec2: Any, families: Iterable[str]) -> Iterator[Mapping[str, Any]]:
    wanted = [f"{f}.*" for f in families]
    arguments: dict[str, Any] = {}
    if wanted:
        arguments["Filters"] = [{"Name": "instance-type", "Values": wanted}]
    for page in ec2.get_paginator("describe_instance_types").paginate(**arguments):
        yield from page.get("InstanceTypes", [])


def _offer(region: str, info: Mapping[str, Any], price: float | None) -> FetchedOffer:
    gpus = info["GpuInfo"]["Gpus"]
    count = sum(int(g["Count"]) for g in gpus)
    first = gpus[0]
    memory_gib = round(int(first["MemoryInfo"]["SizeInMiB"]) / 1024, 2)
    network = info.get("NetworkInfo") or {}
    efa = bool(network.get("EfaSupported"))
    bandwidth = sum(
        float(c.get("PeakBandwidthInGbps") or 0) for c in network.get("NetworkCards", [])
    )
    return FetchedOffer(
        instance_type=info["InstanceType"],
        region=region,
        gpu=canonical_gpu(str(first["Name"]), memory_gib),
        gpus=Fraction(count),
        gpu_memory_gib=memory_gib,
        vcpus=int(info["VCpuInfo"]["DefaultVCpus"]),
        memory_gib=round(int(info["MemoryInfo"]["SizeInMiB"]) / 1024, 2),
        rdma="efa" if efa else "none",
        rdma_gbps=int(bandwidth) if efa else 0,
        price_usd_hour=price,
    )


def _spot_prices(ec2: Any, region: str, types: Sequence[str]) -> dict[str, FetchedSpot]:
    """Each type's current spot price over the region's standard zones (none: no spot row)."""
    if not types:
        return {}
    now = dt.datetime.now(dt.UTC)
    zone = re.compile(re.escape(region) + "[a-z]")
    pages = ec2.get_paginator("describe_spot_price_history").paginate(
        InstanceTypes=sorted(set(types)),
        ProductDescriptions=list(LINUX_SPOT),
        StartTime=now,
        EndTime=now,
    )
    history: dict[str, list[tuple[str, dt.datetime, float]]] = {}
    for page in pages:
        for item in page.get("SpotPriceHistory", []):
            where = str(item.get("AvailabilityZone", ""))
            if item.get("ProductDescription") not in LINUX_SPOT or not zone.fullmatch(where):
                continue
            history.setdefault(str(item["InstanceType"]), []).append(
                (where, item["Timestamp"], float(item["SpotPrice"]))
            )
    spots = {kind: spot_over_zones(items) for kind, items in history.items()}
    return {kind: spot for kind, spot in spots.items() if spot is not None}


def _price(pricing: Any, instance_type: str, region: str) -> float | None:
    """The on-demand USD hourly price, or None when the Price List has no such product."""
    filters = [
        {"Type": "TERM_MATCH", "Field": field, "Value": value}
        for field, value in (
            ("instanceType", instance_type),
            ("regionCode", region),
            *_PRICE_FILTERS,
        )
    ]
    prices: set[float] = set()
    pages = pricing.get_paginator("get_products").paginate(ServiceCode="AmazonEC2", Filters=filters)
    for page in pages:
        for item in page.get("PriceList", []):
            document = json.loads(item) if isinstance(item, str) else item
            prices.update(_on_demand(document))
    if len(prices) > 1:
        raise RegionError(
            region, f"Price List gives {len(prices)} on-demand prices for {instance_type}"
        )
    return prices.pop() if prices else None


def _on_demand(document: Mapping[str, Any]) -> Iterator[float]:
    for term in (document.get("terms", {}).get("OnDemand") or {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            usd = (dimension.get("pricePerUnit") or {}).get("USD")
            if usd is not None and dimension.get("unit", "Hrs") == "Hrs":
                yield float(usd)


def _message(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "")
        return f"{operation}: {error.get('Code', '')}: {error.get('Message', '')}".strip()
    return str(exc)
