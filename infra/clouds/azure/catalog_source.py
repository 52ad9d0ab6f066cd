"""Azure's side of ``infra catalog refresh``: VM sizes from Resource SKUs, prices from the public
Retail Prices API.

- **Resource SKUs** (``ComputeManagementClient.resource_skus.list(filter="location eq
  '<region>'")``, Microsoft.Compute ResourceSkus_List 2021-07-01,
  https://learn.microsoft.com/rest/api/compute/resource-skus/list): ``resourceType``
  ``virtualMachines``, ``name``, ``family``, ``capabilities[]`` (``vCPUs``, ``MemoryGB``,
  ``GPUs``, ``RdmaEnabled``: the names ``az vm list-skus`` shows) and ``restrictions[]``: a
  ``Location`` restriction naming the region (reason ``NotAvailableForSubscription``) means the
  subscription cannot deploy the size there, so it is not offered. The client is the drill's
  (``AzureDrill.clients``): DefaultAzureCredential against Azure, a fixed local token against a
  loopback ``--endpoint``.
- **Retail Prices** (``GET https://prices.azure.com/api/retail/prices?$filter=...``, public, no
  credential; https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices):
  OData ``$filter`` on ``serviceName``, ``armRegionName``, ``armSkuName`` and ``priceType``;
  answers ``{"BillingCurrency", "CustomerEntityId", "CustomerEntityType", "Items": [...],
  "NextPageLink", "Count"}``, followed page by page while ``NextPageLink`` is set. The Linux
  pay-as-you-go price is the ``Consumption`` item in USD whose ``productName`` does not end in
  "Windows" and whose ``skuName``/``meterName`` say neither "Spot" nor "Low Priority", per hour:
  the selection Azure/karpenter-provider-azure's price generator makes (cited in azure.csv's
  header). The spot price is the same answer's Linux ``Consumption`` item whose ``skuName``
  ends in " Spot" (a Spot meter: ``skuName``/``meterName`` "<size> Spot", the ``productName``
  of the Linux meter), the newest by ``effectiveStartDate``; Azure prices spot per region, not
  per zone. ``--endpoint azure=URL`` sends these to ``URL/api/retail/prices`` too.

Resource SKUs name no GPU model or GPU memory: those (and ``rdma_gbps``) come from the size's row
in the current azure.csv; a GPU size the file does not know is reported and left out. Partial-GPU
sizes (NVadsA10 v5: 1/6, 1/3, 1/2 GPU) keep the file's fraction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

import requests
from azure.core.exceptions import AzureError

from infra.catalog.refresh import FetchedOffer, FetchedSpot, RegionError
from infra.clouds.azure.drill import AzureDrill
from infra.drill.api import CallError, is_loopback

__all__ = ["RETAIL_PRICES", "SOURCES", "SPOT_SOURCES", "boot_minutes_estimate", "fetch_region"]

RETAIL_PRICES = "https://prices.azure.com/api/retail/prices"
TIMEOUT_S = 30
MAX_PAGES = 50  # a size in a region has a handful of meters; a loop past this is a bad answer
SOURCES = (
    "Azure Resource SKUs (Microsoft.Compute ResourceSkus_List: vCPUs, MemoryGB, GPUs, "
    "RdmaEnabled, Location restrictions)",
    "Azure Retail Prices API (prices.azure.com/api/retail/prices, priceType Consumption, USD, "
    "Linux, not Spot/Low Priority)",
)
SPOT_SOURCES = (
    "Azure Retail Prices API (prices.azure.com/api/retail/prices, priceType Consumption, USD, "
    "Linux, the Spot meter: one price per region)",
)


def boot_minutes_estimate(offer: FetchedOffer) -> int:
    """azure.csv's header rule (an estimate, not an Azure figure): 15 min for ND sizes, 10 for
    the other GPU sizes."""
    return 15 if offer.instance_type.startswith("Standard_ND") else 10


def fetch_region(
    region: str, known_types: frozenset[str], endpoint: str | None
) -> tuple[FetchedOffer, ...]:
    """The region's GPU sizes in the SKU families of ``known_types`` (all GPU sizes when empty)."""
    drill = AzureDrill(endpoint)
    try:
        skus = _skus(drill, region)
        families = {s.get("family") for s in skus if s.get("name") in known_types}
        session = requests.Session()
        session.trust_env = not is_loopback(endpoint)  # a local endpoint ignores HTTP(S)_PROXY
        base = f"{endpoint.rstrip('/')}/api/retail/prices" if endpoint else RETAIL_PRICES
        offers = []
        for sku in skus:
            name = str(sku.get("name", ""))
            caps = _capabilities(sku)
            gpus = int(float(caps.get("gpus", "0") or 0))
            in_scope = sku.get("family") in families if families else gpus > 0
            if not in_scope or _restricted(sku, region) or not (gpus or name in known_types):
                continue
            price, spot = _prices(session, base, region, name)
            offers.append(_offer(region, name, caps, gpus, price, spot))
        return tuple(offers)
    except (AzureError, CallError, requests.RequestException) as exc:
        raise RegionError(region, _message(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise RegionError(
            region, f"unexpected answer from Resource SKUs or Retail Prices: {exc!r}"
        ) from None
    finally:
        drill.close()


def _skus(drill: AzureDrill, region: str) -> list[dict[str, Any]]:
    listed = drill.clients.compute.resource_skus.list(filter=f"location eq '{region}'")
    return [
        dict(s.as_dict()) for s in listed if (s.resource_type or "").lower() == "virtualmachines"
    ]


def _capabilities(sku: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(c.get("name", "")).lower(): str(c.get("value", ""))
        for c in sku.get("capabilities") or []
    }


def _restricted(sku: Mapping[str, Any], region: str) -> bool:
    """A Location restriction for ``region``: the subscription cannot deploy the size there."""
    for restriction in sku.get("restrictions") or []:
        if str(restriction.get("type", "")).lower() != "location":
            continue
        info = restriction.get("restriction_info") or {}
        places = [*(restriction.get("values") or []), *(info.get("locations") or [])]
        if region.lower() in {str(p).lower() for p in places}:
            return True
    return False


def _offer(
    region: str,
    name: str,
    caps: Mapping[str, str],
    gpus: int,
    price: float | None,
    spot: float | None,
) -> FetchedOffer:
    return FetchedOffer(
        instance_type=name,
        region=region,
        gpu=None,  # Resource SKUs do not name the GPU model
        gpus=Fraction(gpus) if gpus else None,
        gpu_memory_gib=None,
        vcpus=int(caps["vcpus"]),
        memory_gib=float(caps["memorygb"]),
        rdma="infiniband" if caps.get("rdmaenabled", "").lower() == "true" else "none",
        rdma_gbps=None if caps.get("rdmaenabled", "").lower() == "true" else 0,
        price_usd_hour=price,
        spot=None if spot is None else FetchedSpot(spot, spot, None),
    )


def _prices(
    session: requests.Session, base: str, region: str, size: str
) -> tuple[float | None, float | None]:
    """The size's Linux pay-as-you-go price and its Linux Spot price (None: no such meter)."""
    odata = (
        f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' and "
        f"armSkuName eq '{size}' and priceType eq 'Consumption'"
    )
    items = list(_items(session, base, {"$filter": odata, "currencyCode": "'USD'"}))
    prices = {float(item["retailPrice"]) for item in items if _linux_on_demand(item)}
    if len(prices) > 1:
        raise RegionError(region, f"Retail Prices gives {len(prices)} Linux prices for {size}")
    spot = [item for item in items if _linux_spot(item)]
    newest = max((str(i.get("effectiveStartDate", "")) for i in spot), default="")
    spots = {float(i["retailPrice"]) for i in spot if i.get("effectiveStartDate", "") == newest}
    if len(spots) > 1:
        raise RegionError(region, f"Retail Prices gives {len(spots)} Linux Spot prices for {size}")
    return (prices.pop() if prices else None), (spots.pop() if spots else None)


def _items(session: requests.Session, url: str, params: Mapping[str, str]) -> Iterator[Any]:
    next_url: str | None = url
    query: Mapping[str, str] | None = params
    for _ in range(MAX_PAGES):
        if not next_url:
            return
        answer = session.get(next_url, params=query, timeout=TIMEOUT_S)
        answer.raise_for_status()
        document = answer.json()
        yield from document.get("Items") or []
        next_url, query = document.get("NextPageLink"), None
    raise ValueError(f"Retail Prices: more than {MAX_PAGES} pages")


def _linux_on_demand(item: Mapping[str, Any]) -> bool:
    words = f"{item.get('skuName', '')} {item.get('meterName', '')}"
    return _linux_hourly(item) and "Spot" not in words and "Low Priority" not in words


def _linux_spot(item: Mapping[str, Any]) -> bool:
    return _linux_hourly(item) and str(item.get("skuName", "")).endswith(" Spot")


def _linux_hourly(item: Mapping[str, Any]) -> bool:
    """A pay-as-you-go (``Consumption``) Linux meter priced in USD per hour."""
    return (
        item.get("type") == "Consumption"
        and item.get("currencyCode", "USD") == "USD"
        and not str(item.get("productName", "")).endswith("Windows")
        and str(item.get("unitOfMeasure", "1 Hour")) == "1 Hour"
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"Retail Prices: HTTP {exc.response.status_code}"
    return " ".join(str(exc).split())[:300]
