"""Alibaba Cloud's side of ``infra catalog refresh``: ECS GPU instance types, where they are sold
and their pay-as-you-go price, read with the ECS SDK the drill uses (``alibabacloud_ecs20140526``,
ECS API 2014-05-26, RPC) and the SDK's default credential chain.

- ``DescribeInstanceTypes`` (paged by ``NextToken``, ``MaxResults`` at most 100;
  https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstancetypes):
  ``InstanceTypes.InstanceType[]`` with ``InstanceTypeId``, ``InstanceTypeFamily``,
  ``CpuCoreCount``, ``MemorySize`` (GiB), ``GPUAmount``, ``GPUSpec`` ("NVIDIA A10"),
  ``GPUMemorySize`` (GiB per GPU) and ``EriQuantity`` (elastic RDMA interfaces).
- ``DescribeAvailableResource`` (``DestinationResource=InstanceType``,
  ``InstanceChargeType=PostPaid``;
  https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeavailableresource):
  a type is sold in the region when some zone lists it with a ``StatusCategory`` other than
  ``ClosedWithoutStock`` (retired, no stock left).
- ``DescribePrice`` (``ResourceType=instance``, ``PriceUnit=Hour``, pay-as-you-go by default;
  https://help.aliyun.com/document_detail/107829.html): ``PriceInfo.Price.OriginalPrice`` (the list
  price; ``TradePrice`` is after the account's discounts) and ``Currency``. The catalog is in USD:
  an answer in another currency (a China-site account answers CNY) fails the region rather than
  mixing currencies.

- ``DescribeSpotPriceHistory`` (``NetworkType=vpc``, ``InstanceType``, ``OSType=linux``; the
  default window, the three hours before now; paged by ``Offset``/``NextOffset``;
  https://help.aliyun.com/document_detail/60400.html): ``SpotPrices.SpotPriceType[]`` with
  ``ZoneId``, ``Timestamp``, ``SpotPrice`` and the answer's ``Currency``. Each zone's newest row
  is its current price; the type's spot row is the lowest and highest over the zones and their
  count. USD only, as for DescribePrice.

``rdma`` is ``erdma`` when ``EriQuantity`` > 0; its Gbit/s is not in these answers, so a type the
current alicloud.csv knows keeps its figure and a new one gets 0. The client is the drill's
(``AlicloudDrill``: ``--endpoint alicloud=URL`` sends the calls there).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models  # type: ignore[import-untyped]

from infra.catalog.refresh import (
    FetchedOffer,
    FetchedSpot,
    RegionError,
    canonical_gpu,
    spot_over_zones,
)
from infra.clouds.alicloud.drill import CLOUD, AlicloudDrill, _body, _call_error, _runtime
from infra.drill.api import Call

__all__ = ["SOURCES", "SPOT_SOURCES", "boot_minutes_estimate", "family", "fetch_region"]

PAGE = 100  # DescribeInstanceTypes' largest MaxResults since 2023-11-15
MAX_PAGES = 100
CLOSED = "ClosedWithoutStock"
SOURCES = (
    "Alibaba Cloud ECS DescribeInstanceTypes (CpuCoreCount, MemorySize, GPUAmount, GPUSpec, "
    "GPUMemorySize, EriQuantity)",
    "ECS DescribeAvailableResource (InstanceType, PostPaid)",
    "ECS DescribePrice (instance, Hour, pay-as-you-go OriginalPrice in USD)",
)
SPOT_SOURCES = (
    "ECS DescribeSpotPriceHistory (vpc, linux, the last three hours: each zone's newest SpotPrice "
    "in USD)",
)


def family(instance_type: str) -> str:
    """``ecs.gn7i-c8g1.2xlarge`` -> ``ecs.gn7i`` (as ``InstanceTypeFamily`` names it)."""
    parts = instance_type.split(".")
    return f"{parts[0]}.{parts[1].split('-')[0]}" if len(parts) > 2 else instance_type


def boot_minutes_estimate(offer: FetchedOffer) -> int:
    """alicloud.csv's header rule (an estimate, not an Alibaba figure): 20 min for bare-metal
    (``ebm``) GPU types, 10 for GPU VM types."""
    return 20 if offer.instance_type.startswith("ecs.ebm") else 10


def fetch_region(
    region: str, known_types: frozenset[str], endpoint: str | None
) -> tuple[FetchedOffer, ...]:
    """The region's GPU types in the families of ``known_types`` (all GPU types when empty)."""
    drill = AlicloudDrill(endpoint)
    operation = "DescribeAvailableResource"
    try:
        ecs = drill._ecs(region)
        sold = _sold(ecs, region)
        families = {family(t) for t in known_types}
        offers = []
        operation = "DescribeInstanceTypes"
        for info in list(_instance_types(ecs)):
            name = str(info.get("InstanceTypeId", ""))
            gpus = int(info.get("GPUAmount") or 0)
            kind = str(info.get("InstanceTypeFamily") or family(name))
            if gpus <= 0 or name not in sold or (families and kind not in families):
                continue
            operation = "DescribePrice"
            price = _price(ecs, region, name)
            operation = "DescribeSpotPriceHistory"
            offers.append(_offer(region, info, price, _spot(ecs, region, name)))
            operation = "DescribeInstanceTypes"
        return tuple(offers)
    except RegionError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise RegionError(region, f"unexpected answer from ECS {operation}: {exc!r}") from None
    except Exception as exc:  # every SDK, HTTP and credential error: one line, no secret
        call = Call(CLOUD, region, "ecs", operation, {}, False)
        raise RegionError(region, str(_call_error(call, exc))) from None
    finally:
        drill.close()


def _sold(ecs: Any, region: str) -> set[str]:
    request = ecs_models.DescribeAvailableResourceRequest(
        region_id=region, destination_resource="InstanceType", instance_charge_type="PostPaid"
    )
    body = _body(ecs.describe_available_resource_with_options(request, _runtime()))
    sold: set[str] = set()
    for zone in _list(body.get("AvailableZones"), "AvailableZone"):
        for resource in _list(zone.get("AvailableResources"), "AvailableResource"):
            for item in _list(resource.get("SupportedResources"), "SupportedResource"):
                if item.get("StatusCategory") != CLOSED:
                    sold.add(str(item.get("Value")))
    return sold


def _instance_types(ecs: Any) -> Iterator[Mapping[str, Any]]:
    token: str | None = None
    for _ in range(MAX_PAGES):
        request = ecs_models.DescribeInstanceTypesRequest(max_results=PAGE, next_token=token)
        body = _body(ecs.describe_instance_types_with_options(request, _runtime()))
        yield from _list(body.get("InstanceTypes"), "InstanceType")
        token = body.get("NextToken") or None
        if not token:
            return
    raise ValueError(f"DescribeInstanceTypes: more than {MAX_PAGES} pages")


def _offer(
    region: str, info: Mapping[str, Any], price: float | None, spot: FetchedSpot | None
) -> FetchedOffer:
    memory = float(info.get("GPUMemorySize") or 0)
    eri = int(info.get("EriQuantity") or 0)
    return FetchedOffer(
        instance_type=str(info["InstanceTypeId"]),
        region=region,
        gpu=canonical_gpu(str(info["GPUSpec"]), memory) if info.get("GPUSpec") else None,
        gpus=Fraction(int(info["GPUAmount"])),
        gpu_memory_gib=memory or None,
        vcpus=int(info["CpuCoreCount"]),
        memory_gib=float(info["MemorySize"]),
        rdma="erdma" if eri > 0 else "none",
        rdma_gbps=None if eri > 0 else 0,
        price_usd_hour=price,
        spot=spot,
    )


def _price(ecs: Any, region: str, instance_type: str) -> float | None:
    request = ecs_models.DescribePriceRequest(
        region_id=region, resource_type="instance", instance_type=instance_type, price_unit="Hour"
    )
    body = _body(ecs.describe_price_with_options(request, _runtime()))
    price = (body.get("PriceInfo") or {}).get("Price") or {}
    if price.get("OriginalPrice") is None:
        return None
    currency = str(price.get("Currency") or "")
    if currency != "USD":
        raise RegionError(
            region,
            f"DescribePrice answers in {currency or 'no currency'} for {instance_type}; the "
            "catalog is in USD (use an international-site account)",
        )
    return float(price["OriginalPrice"])


def _spot(ecs: Any, region: str, instance_type: str) -> FetchedSpot | None:
    """The type's current Linux spot price per zone, as (lowest, highest, zones); None when the
    history has no row for it."""
    history: list[tuple[str, str, float]] = []
    offset: int | None = None
    for _ in range(MAX_PAGES):
        request = ecs_models.DescribeSpotPriceHistoryRequest(
            region_id=region,
            network_type="vpc",
            instance_type=instance_type,
            ostype="linux",
            offset=offset,
        )
        body = _body(ecs.describe_spot_price_history_with_options(request, _runtime()))
        rows = _list(body.get("SpotPrices"), "SpotPriceType")
        if rows and str(body.get("Currency") or "") != "USD":
            raise RegionError(
                region,
                f"DescribeSpotPriceHistory answers in {body.get('Currency') or 'no currency'} "
                f"for {instance_type}; the catalog is in USD (use an international-site account)",
            )
        history += [
            (str(row["ZoneId"]), str(row["Timestamp"]), float(row["SpotPrice"])) for row in rows
        ]
        following = int(body.get("NextOffset") or 0)
        if not rows or following <= (offset or 0):
            break
        offset = following
    else:
        raise ValueError(f"DescribeSpotPriceHistory: more than {MAX_PAGES} pages")
    return spot_over_zones(history)  # ISO 8601 UTC timestamps: newest sorts last


def _list(container: Any, key: str) -> list[Mapping[str, Any]]:
    """RPC lists come wrapped: ``{"AvailableZone": [...]}``."""
    if not isinstance(container, Mapping):
        return []
    items = container.get(key) or []
    return [i for i in items if isinstance(i, Mapping)]
