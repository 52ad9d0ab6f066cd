"""A local Azure Resource Manager endpoint for drills: AKS agent pools, compute SKUs and usages,
Traffic Manager endpoints.

One HTTP endpoint serves the calls ``infra drill`` makes with the official SDKs, in the REST
shapes ARM documents, so the adapter (``infra/clouds/azure/drill.py``) runs unchanged against it
(``--endpoint azure=http://127.0.0.1:PORT``, the clients' ``base_url``). API versions are the ones
the installed SDKs send (others answer 400 ``InvalidApiVersionParameter``, none 400
``MissingApiVersionParameter``):

- **Microsoft.ContainerService 2026-08-01** (azure-mgmt-containerservice 41.8.0):
  ``GET .../managedClusters/{name}`` (ManagedClusters_Get), ``GET`` and ``PUT
  .../managedClusters/{name}/agentPools/{pool}`` (AgentPools_Get, AgentPools_CreateOrUpdate: 200
  for an update, 201 for a new pool, ``provisioningState`` Updating/Creating and an
  ``Azure-AsyncOperation`` header), ``GET .../providers/Microsoft.ContainerService/locations/
  {location}/operations/{id}?api-version=...`` (the operation status: ``{"name", "status":
  "InProgress"|"Succeeded"|"Failed", "startTime", "endTime", "error"}``). A PUT while the pool
  updates answers 409 OperationNotAllowed; an ``If-Match`` that is not the pool's ``eTag`` 412.
  https://learn.microsoft.com/rest/api/aks/agent-pools/create-or-update
  https://learn.microsoft.com/rest/api/aks/agent-pools/get
  https://learn.microsoft.com/rest/api/aks/managed-clusters/get
  https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations
- **Microsoft.Compute**: ``GET /subscriptions/{s}/providers/Microsoft.Compute/skus`` with
  ``$filter=location eq '<region>'`` (ResourceSkus_List, 2021-07-01: ``resourceType``, ``name``,
  ``tier``, ``size``, ``family``, ``locations``, ``locationInfo[].zones``, ``capabilities[]``
  (``vCPUs``...), ``restrictions[]`` of type Location or Zone with ``restrictionInfo`` and
  ``reasonCode``; paged by ``nextLink``) and ``GET .../locations/{location}/usages``
  (Usage_List, 2026-04-01: ``unit``, ``currentValue``, ``limit``, ``name.value``,
  ``name.localizedValue``; the VM-family quotas and the regional ``cores``).
  https://learn.microsoft.com/rest/api/compute/resource-skus/list
  https://learn.microsoft.com/rest/api/compute/usage/list
- **Microsoft.Network Traffic Manager 2026-09-01** (azure-mgmt-trafficmanager 2.0.0):
  ``GET .../trafficmanagerprofiles/{profile}`` (Profiles_Get) and ``GET``/``PATCH
  .../trafficmanagerprofiles/{profile}/externalEndpoints/{endpoint}`` (Endpoints_Get,
  Endpoints_Update: ``endpointStatus``, ``weight`` and ``priority`` 1-1000, ``target``).
  https://learn.microsoft.com/rest/api/trafficmanager/profiles/get
  https://learn.microsoft.com/rest/api/trafficmanager/endpoints/get
  https://learn.microsoft.com/rest/api/trafficmanager/endpoints/update

- **Retail Prices** (public, no credential; ``infra catalog refresh``): ``GET /api/retail/prices``
  with an OData ``$filter`` of ``<field> eq '<value>'`` terms joined by ``and`` (the fields
  ``serviceName``, ``armRegionName``, ``armSkuName``, ``priceType``...), ``currencyCode`` and
  ``$skip``; answers ``{"BillingCurrency", "CustomerEntityId", "CustomerEntityType", "Items",
  "NextPageLink", "Count"}`` with ``RETAIL_PAGE`` items a page. Each seeded price gives the size's
  pay-as-you-go meters in the region: Linux (``productName`` "Virtual Machines <series>
  Series"), Windows (``... Series Windows``, price x 1.5), Spot (``skuName`` "<size> Spot",
  price x 0.2 unless the seed says) and Windows Spot (Spot x 1.5), so a client has to pick.
  https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices

Errors are ARM's ``{"error": {"code", "message"}}``; unknown paths 404 ``NotFound``. Requests
must carry ``Authorization: Bearer ...`` (401 ``AuthenticationFailed`` otherwise: proof that the
SDK sent its token over plain HTTP); the token itself is not checked and never echoed.

State lives in memory and follows the calls: an agent pool PUT applies its settings at once and
stays ``Updating`` for its pool's ``boot_seconds * time_factor`` of wall time when it adds nodes
(``UPDATE_SECONDS * time_factor`` otherwise), then ``Succeeded`` with ``count`` at
``max(count, minCount)`` (within ``maxCount``), as the cluster autoscaler would, and the quota
usage moved by the nodes' vCPUs. When the SKU is not offered in the region or the family or
regional quota has no room, the operation ends ``Failed`` (SkuNotAvailable, QuotaExceeded) and
the pool ``Failed`` with its old count.

Seeded from the neutral seed (``tools/endpoints/seed.py``; entries of cloud ``azure``), in the
constructor or with ``POST /_infra/seed``: clusters (resource group from the entry's
``resource_group``, else ``naming.resource_group(resource)``), DNS records (one profile each,
named by ``traffic_manager_names``, with an external endpoint per cluster in failover order),
offers (``family`` optional, else the SKU's family; ``restricted``: true for a Location
restriction, ``restricted_zones`` for Zone restrictions) and quotas (by ``family`` or by
``instance_type``; a ``"family": "cores"`` entry sets the regional total, which is otherwise the
sum of the families). Offers may also carry ``gpus``, ``memory_gib`` and ``rdma`` (true: the
SKU's ``GPUs``, ``MemoryGB`` and ``RdmaEnabled`` capabilities); ``prices`` entries
(``region``, ``instance_type``, ``price`` in USD/hour; ``spot``: the Spot meter's price, default
``price`` x 0.2, null for no Spot meter) feed the Retail Prices API. Test seams: ``GET /_infra/calls`` (request counts by ``"<METHOD>
<OperationId>"``), ``DELETE /_infra/calls``, ``POST /_infra/fail`` (``{"operation", "status",
"code", "message", "count"}``: the next calls of that operation fail).

``python -m tools.endpoints.azure --seed FILE [--time-factor F]`` prints the URL as its first
line and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from infra.clouds.azure import naming
from infra.clouds.azure.cloud import traffic_manager_names
from infra.clouds.base import short_hash
from tools.endpoints.base import EndpointHandler, LocalEndpoint, serve_main

__all__ = ["API_VERSIONS", "AzureEndpoint", "family_of", "main"]

CONTAINERSERVICE_VERSION = "2026-08-01"
SKUS_VERSION = "2021-07-01"
USAGES_VERSION = "2026-04-01"
RETAIL_PATH = "/api/retail/prices"
RETAIL_PAGE = 100  # the Retail Prices API's page size
RETAIL_OPERATION = "RetailPrices_List"
TRAFFICMANAGER_VERSION = "2026-09-01"
# Operation -> the api-versions served (the installed SDKs' defaults).
API_VERSIONS: dict[str, tuple[str, ...]] = {
    "ManagedClusters_Get": (CONTAINERSERVICE_VERSION,),
    "AgentPools_Get": (CONTAINERSERVICE_VERSION,),
    "AgentPools_CreateOrUpdate": (CONTAINERSERVICE_VERSION,),
    "OperationStatus_Get": (CONTAINERSERVICE_VERSION,),
    "ResourceSkus_List": (SKUS_VERSION,),
    "Usage_List": (USAGES_VERSION,),
    "Profiles_Get": (TRAFFICMANAGER_VERSION,),
    "Endpoints_Get": (TRAFFICMANAGER_VERSION,),
    "Endpoints_Update": (TRAFFICMANAGER_VERSION,),
}
UPDATE_SECONDS = 30.0  # an update that adds no nodes
SKU_PAGE = 50
KUBERNETES_VERSION = "1.33.2"
NODE_IMAGE = "AKSUbuntu-2204gen2containerd-202508.20.1"

# Families as the SKU list names them, for seeds that give none.
_FAMILIES = {
    "Standard_D2s_v5": "standardDSv5Family",
    "Standard_D4s_v5": "standardDSv5Family",
    "Standard_D8s_v5": "standardDSv5Family",
    "Standard_D16s_v5": "standardDSv5Family",
    "Standard_D4ds_v5": "standardDDSv5Family",
    "Standard_NC24ads_A100_v4": "StandardNCADSA100v4Family",
    "Standard_NC48ads_A100_v4": "StandardNCADSA100v4Family",
    "Standard_NC96ads_A100_v4": "StandardNCADSA100v4Family",
    "Standard_NC40ads_H100_v5": "standardNCadsH100v5Family",
    "Standard_NC80adis_H100_v5": "standardNCadsH100v5Family",
    "Standard_ND96asr_v4": "standardNDASv4_A100Family",
    "Standard_ND96amsr_A100_v4": "standardNDAMSv4_A100Family",
    "Standard_ND96isr_H100_v5": "standardNDSH100v5Family",
    "Standard_ND96isr_H200_v5": "standardNDSH200v5Family",
    "Standard_ND96isr_MI300X_v5": "standardNDISRMI300Xv5Family",
}
_SIZE = re.compile(r"Standard_([A-Z]+)\d+([a-z]*)(?:_([A-Za-z0-9]+))?(?:_v(\d+))?$")

_SUB = r"/subscriptions/(?P<sub>[^/]+)"
_RG = _SUB + r"/resourcegroups/(?P<rg>[^/]+)"
_CLUSTER = _RG + r"/providers/microsoft\.containerservice/managedclusters/(?P<cluster>[^/]+)"
_PROFILE = _RG + r"/providers/microsoft\.network/trafficmanagerprofiles/(?P<profile>[^/]+)"
_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern + "/?$", re.IGNORECASE), operation)
    for method, pattern, operation in (
        ("GET", _CLUSTER, "ManagedClusters_Get"),
        ("GET", _CLUSTER + r"/agentpools/(?P<pool>[^/]+)", "AgentPools_Get"),
        ("PUT", _CLUSTER + r"/agentpools/(?P<pool>[^/]+)", "AgentPools_CreateOrUpdate"),
        (
            "GET",
            _SUB + r"/providers/microsoft\.containerservice/locations/(?P<location>[^/]+)"
            r"/operations/(?P<op>[^/]+)",
            "OperationStatus_Get",
        ),
        ("GET", _SUB + r"/providers/microsoft\.compute/skus", "ResourceSkus_List"),
        (
            "GET",
            _SUB + r"/providers/microsoft\.compute/locations/(?P<location>[^/]+)/usages",
            "Usage_List",
        ),
        ("GET", _PROFILE, "Profiles_Get"),
        ("GET", _PROFILE + r"/(?P<type>[^/]+)/(?P<endpoint>[^/]+)", "Endpoints_Get"),
        ("PATCH", _PROFILE + r"/(?P<type>[^/]+)/(?P<endpoint>[^/]+)", "Endpoints_Update"),
    )
)
_FILTER = re.compile(r"^\s*location\s+eq\s+'([^']+)'\s*$", re.IGNORECASE)


def family_of(instance_type: str) -> str:
    """The quota family of a VM size as the SKU list names it (a table for the catalog's sizes,
    else built from the size's parts: Standard_ND96isr_H100_v5 -> standardNDISRH100v5Family)."""
    known = _FAMILIES.get(instance_type)
    if known:
        return known
    match = _SIZE.match(instance_type)
    if match is None:
        return f"standard{instance_type.removeprefix('Standard_').replace('_', '')}Family"
    series, features, accelerator, version = match.groups()
    return f"standard{series}{features.upper()}{accelerator or ''}v{version or '1'}Family"


class ApiError(Exception):
    """An ARM error answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, "InvalidParameter", f"{name} must be an integer, not {value!r}")
    if not low <= value <= high:
        raise ApiError(400, "InvalidParameter", f"{name} must be between {low} and {high}")
    return value


# -- state ------------------------------------------------------------------------------------


class _Pool:
    def __init__(self, cluster: _Cluster, seed: Mapping[str, Any]) -> None:
        self.cluster = cluster
        self.name = str(seed.get("node_pool") or seed["pool"])
        self.vm_size = str(seed["instance_type"])
        self.count = int(seed.get("desired", seed.get("min", 0)))
        self.min_count = int(seed.get("min", self.count))
        self.max_count = int(seed.get("max", self.count))
        self.autoscaling = bool(seed.get("autoscaling", self.min_count != self.max_count))
        self.boot_seconds = float(seed.get("boot_seconds", 600))
        self.vcpus = int(seed.get("vcpus") or 0)
        self.mode = "System" if seed.get("system") or self.name == "system" else "User"
        self.state = "Succeeded"
        self.etag = ""
        self.operation: _Operation | None = None
        self.touch()

    def touch(self) -> None:
        self.etag = str(uuid.uuid4())


class _Cluster:
    def __init__(self, seed: Mapping[str, Any]) -> None:
        self.resource = str(seed["resource"])
        self.region = str(seed["region"])
        self.resource_group = str(
            seed.get("resource_group") or naming.resource_group(self.resource)
        )
        self.pools: dict[str, _Pool] = {}
        for pool_seed in seed.get("pools") or []:
            pool = _Pool(self, pool_seed)
            self.pools[pool.name.lower()] = pool


class _Operation:
    def __init__(self, pool: _Pool, target: int, seconds: float, now: float) -> None:
        self.id = str(uuid.uuid4())
        self.pool = pool
        self.target = target
        self.started = datetime.now(UTC)
        self.started_monotonic = now
        self.seconds = seconds
        self.status = "InProgress"
        self.error: dict[str, str] | None = None
        self.ended: datetime | None = None


class _Profile:
    def __init__(self, seed: Mapping[str, Any], stack: str, owner: str) -> None:
        source = str(seed["source"])
        self.resource_group, self.name = traffic_manager_names(stack, source)
        record = str(seed.get("record") or f"{stack}-{source}")
        unique = short_hash(owner, stack, source, "dns", length=6)
        self.relative_name = f"{record}-{unique}"
        targets: dict[str, str] = {source: record, **dict(seed.get("targets") or {})}
        self.endpoints: dict[str, dict[str, Any]] = {}
        for priority, (name, resource) in enumerate(targets.items(), start=1):
            self.endpoints[name.lower()] = {
                "name": name,
                "target": f"ingress.{resource}.example.com",
                "endpointStatus": "Enabled",
                "weight": 1,
                "priority": priority,
            }


class _State:
    def __init__(self, seed: Mapping[str, Any]) -> None:
        def mine(key: str) -> list[Mapping[str, Any]]:
            return [e for e in seed.get(key) or [] if e.get("cloud", "azure") == "azure"]

        self.clusters: dict[tuple[str, str], _Cluster] = {}
        for cluster_seed in mine("clusters"):
            cluster = _Cluster(cluster_seed)
            self.clusters[(cluster.resource_group.lower(), cluster.resource.lower())] = cluster
        self.operations: dict[str, _Operation] = {}

        # Offers: region -> instance type -> offer.
        self.offers: dict[str, dict[str, dict[str, Any]]] = {}
        for offer in mine("offers"):
            kind = str(offer["instance_type"])
            entry = {
                "instance_type": kind,
                "zones": [str(z) for z in offer.get("zones") or []],
                "vcpus": int(offer.get("vcpus") or 0),
                "family": str(offer.get("family") or family_of(kind)),
                "restricted": bool(offer.get("restricted", False)),
                "restricted_zones": [str(z) for z in offer.get("restricted_zones") or []],
            }
            for key in ("gpus", "memory_gib", "rdma"):
                if offer.get(key) is not None:
                    entry[key] = offer[key]
            self.offers.setdefault(str(offer["region"]).lower(), {})[kind.lower()] = entry

        # Retail prices: (region, instance type) -> USD per hour, Linux pay-as-you-go.
        self.prices: dict[tuple[str, str], float] = {
            (str(p["region"]).lower(), str(p["instance_type"])): float(p["price"])
            for p in mine("prices")
        }
        # The Spot meter's price where the seed sets one (None: the size has no Spot meter).
        self.spot_prices: dict[tuple[str, str], float | None] = {
            (str(p["region"]).lower(), str(p["instance_type"])): (
                None if p["spot"] is None else float(p["spot"])
            )
            for p in mine("prices")
            if "spot" in p
        }

        # Quotas: region -> family (lower) -> [family, limit, used].
        self.quotas: dict[str, dict[str, list[Any]]] = {}
        cores: dict[str, list[int]] = {}
        for quota in mine("quotas"):
            region = str(quota["region"]).lower()
            family = quota.get("family") or family_of(str(quota["instance_type"]))
            limit, used = int(quota.get("limit", 0)), int(quota.get("used", 0))
            if str(family).lower() == "cores":
                cores[region] = [limit, used]
                continue
            slot = self.quotas.setdefault(region, {}).setdefault(
                str(family).lower(), [str(family), 0, 0]
            )
            slot[1] += limit
            slot[2] += used
        for region, families in self.quotas.items():
            total = cores.get(region)
            if total is None:
                total = [sum(f[1] for f in families.values()), sum(f[2] for f in families.values())]
            families["cores"] = ["cores", *total]
        for region, total in cores.items():
            self.quotas.setdefault(region, {"cores": ["cores", *total]})

        stack = str(seed.get("stack") or "")
        owner = str(seed.get("owner") or "")
        self.profiles: dict[tuple[str, str], _Profile] = {}
        for record in mine("dns"):
            name = stack or str(record["record"]).removesuffix(f"-{record['source']}")
            profile = _Profile(record, name, owner)
            self.profiles[(profile.resource_group.lower(), profile.name.lower())] = profile


# -- HTTP -------------------------------------------------------------------------------------


class _Handler(EndpointHandler):
    api: AzureEndpoint
    server_version = "infra-azure-endpoint/1"
    content_type = "application/json; charset=utf-8"

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def _serve_api(self, method: str, path: str, params: dict[str, str], raw: bytes) -> None:
        if path.rstrip("/").lower() == RETAIL_PATH and method == "GET":
            # The Retail Prices API is public: no Authorization header is needed.
            base = f"http://{self.headers.get('Host') or self.api.url.removeprefix('http://')}"
            try:
                self._send(200, self.api.retail_prices(params, base))
            except ApiError as error:
                self._error(error)
            return
        auth = self.headers.get("Authorization") or ""
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            self._error(
                ApiError(
                    401,
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.",
                )
            )
            return
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self._error(ApiError(400, "InvalidRequestContent", "The body is not JSON."))
                return
        headers = {
            "if-match": self.headers.get("If-Match") or "",
            "base": f"http://{self.headers.get('Host') or self.api.url.removeprefix('http://')}",
        }
        try:
            status, answer, extra = self.api.handle(method, path, params, body, headers)
        except ApiError as error:
            self._error(error)
            return
        self._send(status, answer, extra.items())

    def _error(self, error: ApiError) -> None:
        self._send(error.status, {"error": {"code": error.code, "message": error.message}})

    def _send(self, status: int, body: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        request_id = str(uuid.uuid4())
        ids = [("x-ms-request-id", request_id), ("x-ms-correlation-request-id", request_id)]
        client_id = self.headers.get("x-ms-client-request-id")
        if client_id:
            ids.append(("x-ms-client-request-id", client_id))
        super()._send(status, body, [*ids, *headers])


# -- the endpoint -----------------------------------------------------------------------------


class AzureEndpoint(LocalEndpoint[_State]):
    """The local endpoint (see the module docstring). ``with AzureEndpoint(seed) as api:``
    starts it on a free loopback port; ``api.url`` is what ``--endpoint azure=`` takes."""

    handler = _Handler
    thread_name = "azure-endpoint"
    infra_fault_message = "The server is currently unable to handle it."

    def _new_state(self, seed: Mapping[str, Any]) -> _State:
        return _State(seed)

    # -- seams -------------------------------------------------------------------------------
    def fail_next(
        self,
        operation: str,
        status: int = 503,
        code: str = "ServiceUnavailable",
        message: str = "The server is currently unable to handle the request.",
        count: int = 1,
    ) -> None:
        """The next ``count`` calls of ``operation`` (an OperationId) answer this error."""
        super().fail_next(operation, status, code, message, count)

    # -- Retail Prices -----------------------------------------------------------------------
    def retail_prices(self, params: Mapping[str, str], base: str) -> dict[str, Any]:
        """One page of the Retail Prices answer for ``params`` (see the module docstring)."""
        with self._lock:
            self._count(f"GET {RETAIL_OPERATION}")
            fault = self._take_fault(RETAIL_OPERATION)
            if fault is not None:
                raise ApiError(*fault)
            terms = _odata_terms(params.get("$filter", ""))
            currency = params.get("currencyCode", "'USD'").strip("'")
            items = [
                item
                for (region, size), price in sorted(self._state.prices.items())
                for item in _retail_items(
                    region,
                    size,
                    price,
                    currency,
                    self._state.spot_prices.get((region, size), round(price * 0.2, 4)),
                )
                if all(str(item.get(_RETAIL_FIELDS.get(k, k))) == v for k, v in terms.items())
            ]
        raw_skip = params.get("$skip") or "0"
        if not raw_skip.isdigit():
            raise ApiError(400, "InvalidParameter", f"$skip must be an integer, not {raw_skip!r}")
        skip = _int(int(raw_skip), "$skip", 0, len(items) + RETAIL_PAGE)
        page = items[skip : skip + RETAIL_PAGE]
        link = None
        if skip + RETAIL_PAGE < len(items):
            query = [(k, v) for k, v in params.items() if k != "$skip"]
            query.append(("$skip", str(skip + RETAIL_PAGE)))
            link = f"{base}{RETAIL_PATH}?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query)
        return {
            "BillingCurrency": currency,
            "CustomerEntityId": "Default",
            "CustomerEntityType": "Retail",
            "Items": page,
            "NextPageLink": link,
            "Count": len(page),
        }

    # -- dispatch ----------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: Any,
        headers: Mapping[str, str],
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, answer, extra headers) of one authorized request."""
        operation, match = _route(method, path)
        with self._lock:
            self._count(f"{method} {operation}")
            if match is None:
                raise ApiError(
                    404, "NotFound", f"The requested resource {method} {path} was not found."
                )
            fault = self._take_fault(operation)
            if fault is not None:
                raise ApiError(*fault)
            version = params.get("api-version")
            if not version:
                raise ApiError(
                    400,
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                )
            if version not in API_VERSIONS[operation]:
                raise ApiError(
                    400,
                    "InvalidApiVersionParameter",
                    f"The api-version '{version}' is invalid. The supported versions are "
                    f"'{', '.join(API_VERSIONS[operation])}'.",
                )
            groups = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
            return self._answer(operation, groups, params, body, headers)

    def _answer(
        self,
        operation: str,
        ids: Mapping[str, str],
        params: Mapping[str, str],
        body: Any,
        headers: Mapping[str, str],
    ) -> tuple[int, Any, dict[str, str]]:
        state = self._state
        now = time.monotonic()
        self._settle(state, now)
        base = headers.get("base", "")
        if operation == "ManagedClusters_Get":
            return 200, self._cluster_body(ids, self._cluster(state, ids)), {}
        if operation == "AgentPools_Get":
            cluster = self._cluster(state, ids)
            return 200, self._pool_body(ids, self._pool(cluster, ids["pool"])), {}
        if operation == "AgentPools_CreateOrUpdate":
            return self._put_pool(state, ids, body, headers, base, now)
        if operation == "OperationStatus_Get":
            return 200, self._operation_body(state, ids["op"]), {}
        if operation == "ResourceSkus_List":
            return 200, self._skus(state, ids, params, base), {}
        if operation == "Usage_List":
            return 200, self._usages(state, ids["location"]), {}
        profile = state.profiles.get((ids["rg"].lower(), ids["profile"].lower()))
        if profile is None:
            raise ApiError(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.Network/trafficmanagerprofiles/{ids['profile']}' under "
                f"resource group '{ids['rg']}' was not found.",
            )
        if operation == "Profiles_Get":
            return 200, self._profile_body(ids, profile), {}
        endpoint = profile.endpoints.get(ids["endpoint"].lower())
        if endpoint is None or ids["type"].lower() != "externalendpoints":
            raise ApiError(
                404,
                "NotFound",
                f"Endpoint {ids['type']}/{ids['endpoint']} of profile {profile.name} not found.",
            )
        if operation == "Endpoints_Update":
            _patch_endpoint(endpoint, body)
        return 200, self._endpoint_body(ids, profile, endpoint), {}

    # -- AKS ---------------------------------------------------------------------------------
    def _cluster(self, state: _State, ids: Mapping[str, str]) -> _Cluster:
        cluster = state.clusters.get((ids["rg"].lower(), ids["cluster"].lower()))
        if cluster is None:
            raise ApiError(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.ContainerService/managedClusters/{ids['cluster']}' "
                f"under resource group '{ids['rg']}' was not found.",
            )
        return cluster

    def _pool(self, cluster: _Cluster, name: str) -> _Pool:
        pool = cluster.pools.get(name.lower())
        if pool is None:
            raise ApiError(
                404,
                "NotFound",
                f"Agent pool {name} of managed cluster {cluster.resource} was not found.",
            )
        return pool

    def _settle(self, state: _State, now: float) -> None:
        """Finish the operations whose time has come."""
        for operation in state.operations.values():
            if operation.status != "InProgress":
                continue
            if now - operation.started_monotonic < operation.seconds * self.time_factor:
                continue
            self._finish(state, operation)

    def _finish(self, state: _State, operation: _Operation) -> None:
        pool = operation.pool
        region = pool.cluster.region.lower()
        added = operation.target - pool.count
        error: tuple[str, str] | None = None
        if added > 0:
            offer = state.offers.get(region, {}).get(pool.vm_size.lower())
            if offer is None or offer["restricted"]:
                error = (
                    "SkuNotAvailable",
                    f"The requested VM size {pool.vm_size} is currently not available in "
                    f"location '{pool.cluster.region}'.",
                )
            else:
                vcpus = offer["vcpus"] or pool.vcpus
                need = added * vcpus
                quotas = state.quotas.get(region, {})
                for key in (offer["family"].lower(), "cores"):
                    family, limit, used = quotas.get(key, [key, 0, 0])
                    if limit - used < need:
                        error = (
                            "QuotaExceeded",
                            f"Operation could not be completed as it results in exceeding "
                            f"approved {family} Cores quota. Location: {pool.cluster.region}, "
                            f"Current Limit: {limit}, Current Usage: {used}, "
                            f"Additional Required: {need}.",
                        )
                        break
                else:
                    for key in (offer["family"].lower(), "cores"):
                        quotas[key][2] += need
        elif added < 0:
            offer = state.offers.get(region, {}).get(pool.vm_size.lower())
            vcpus = (offer["vcpus"] if offer else 0) or pool.vcpus
            for key in ((offer["family"].lower(),) if offer else ()) + ("cores",):
                slot = state.quotas.get(region, {}).get(key)
                if slot is not None:
                    slot[2] = max(0, slot[2] + added * vcpus)
        operation.ended = operation.started + timedelta(seconds=operation.seconds)
        if error is None:
            pool.count = operation.target
            pool.state = operation.status = "Succeeded"
        else:
            pool.state = operation.status = "Failed"
            operation.error = {"code": error[0], "message": error[1]}
        pool.operation = None
        pool.touch()

    def _put_pool(
        self,
        state: _State,
        ids: Mapping[str, str],
        body: Any,
        headers: Mapping[str, str],
        base: str,
        now: float,
    ) -> tuple[int, Any, dict[str, str]]:
        cluster = self._cluster(state, ids)
        properties = body.get("properties") if isinstance(body, Mapping) else None
        if not isinstance(properties, Mapping):
            raise ApiError(400, "InvalidParameter", "The request body needs properties.")
        pool = cluster.pools.get(ids["pool"].lower())
        created = pool is None
        if_match = headers.get("if-match")
        if if_match and if_match != "*" and (pool is None or if_match.strip('"') != pool.etag):
            raise ApiError(
                412,
                "PreconditionFailed",
                f"The eTag {if_match} does not match the agent pool's current eTag.",
            )
        if pool is not None and pool.operation is not None:
            raise ApiError(
                409,
                "OperationNotAllowed",
                f"Operation is not allowed because there's an in progress update agent pool "
                f"operation on agent pool {pool.name} started at {_iso(pool.operation.started)}.",
            )
        vm_size = properties.get("vmSize")
        if pool is None:
            if not re.fullmatch(r"[a-z][a-z0-9]{0,11}", ids["pool"]):
                raise ApiError(400, "InvalidParameter", f"invalid agent pool name {ids['pool']}")
            if not vm_size:
                raise ApiError(400, "InvalidParameter", "vmSize is required for a new pool.")
            pool = _Pool(
                cluster, {"pool": ids["pool"], "instance_type": vm_size, "desired": 0, "min": 0}
            )
        elif vm_size and str(vm_size).lower() != pool.vm_size.lower():
            raise ApiError(
                400,
                "PropertyChangeNotAllowed",
                "Changing property 'vmSize' is not allowed.",
            )
        autoscaling = properties.get("enableAutoScaling", False)
        count = _int(properties.get("count", pool.count), "count", 0, 1000)
        if autoscaling:
            low = _int(properties.get("minCount"), "minCount", 0, 1000)
            high = _int(properties.get("maxCount"), "maxCount", 0, 1000)
            if low > high:
                raise ApiError(
                    400, "InvalidParameter", "minCount must be less than or equal to maxCount."
                )
            if not low <= count <= high:
                raise ApiError(
                    400,
                    "InvalidParameter",
                    f"count {count} must be within minCount {low} and maxCount {high}.",
                )
            target = min(max(count, low), high)
        else:
            low = high = target = count
        pool.autoscaling = bool(autoscaling)
        pool.min_count, pool.max_count = low, high
        if created:
            cluster.pools[pool.name.lower()] = pool
        seconds = (
            pool.boot_seconds if target > pool.count else min(UPDATE_SECONDS, pool.boot_seconds)
        )
        operation = _Operation(pool, target, seconds, now)
        state.operations[operation.id] = operation
        pool.operation = operation
        pool.state = "Creating" if created else "Updating"
        pool.touch()
        status_url = (
            f"{base}/subscriptions/{ids['sub']}/providers/Microsoft.ContainerService/locations/"
            f"{quote(cluster.region)}/operations/{operation.id}"
            f"?api-version={CONTAINERSERVICE_VERSION}"
        )
        answer = self._pool_body(ids, pool)
        return 201 if created else 200, answer, {"Azure-AsyncOperation": status_url}

    def _operation_body(self, state: _State, operation_id: str) -> dict[str, Any]:
        operation = state.operations.get(operation_id)
        if operation is None:
            raise ApiError(404, "NotFound", f"Operation {operation_id} was not found.")
        body: dict[str, Any] = {
            "name": operation.id,
            "status": operation.status,
            "startTime": _iso(operation.started),
        }
        if operation.ended is not None:
            body["endTime"] = _iso(operation.ended)
        if operation.error is not None:
            body["error"] = operation.error
        return body

    def _pool_body(self, ids: Mapping[str, str], pool: _Pool) -> dict[str, Any]:
        cluster = pool.cluster
        properties: dict[str, Any] = {
            "eTag": pool.etag,
            "count": pool.count,
            "vmSize": pool.vm_size,
            "osDiskSizeGB": 128,
            "osDiskType": "Managed",
            "kubeletDiskType": "OS",
            "maxPods": 30,
            "type": "VirtualMachineScaleSets",
            "enableAutoScaling": pool.autoscaling,
            "scaleDownMode": "Delete",
            "provisioningState": pool.state,
            "powerState": {"code": "Running"},
            "orchestratorVersion": KUBERNETES_VERSION,
            "currentOrchestratorVersion": KUBERNETES_VERSION,
            "mode": pool.mode,
            "osType": "Linux",
            "osSKU": "Ubuntu",
            "nodeImageVersion": NODE_IMAGE,
            "enableFIPS": False,
            "upgradeSettings": {"maxSurge": "10%"},
        }
        if pool.autoscaling:
            properties["minCount"] = pool.min_count
            properties["maxCount"] = pool.max_count
        return {
            "id": (
                f"/subscriptions/{ids['sub']}/resourcegroups/{cluster.resource_group}/providers/"
                f"Microsoft.ContainerService/managedClusters/{cluster.resource}/agentPools/"
                f"{pool.name}"
            ),
            "name": pool.name,
            "type": "Microsoft.ContainerService/managedClusters/agentPools",
            "properties": properties,
        }

    def _cluster_body(self, ids: Mapping[str, str], cluster: _Cluster) -> dict[str, Any]:
        profiles = []
        for pool in cluster.pools.values():
            profile = {"name": pool.name, **self._pool_body(ids, pool)["properties"]}
            profile.pop("eTag", None)
            profiles.append(profile)
        return {
            "id": (
                f"/subscriptions/{ids['sub']}/resourcegroups/{cluster.resource_group}/providers/"
                f"Microsoft.ContainerService/managedClusters/{cluster.resource}"
            ),
            "location": cluster.region,
            "name": cluster.resource,
            "type": "Microsoft.ContainerService/ManagedClusters",
            "properties": {
                "provisioningState": "Succeeded",
                "powerState": {"code": "Running"},
                "kubernetesVersion": KUBERNETES_VERSION,
                "currentKubernetesVersion": KUBERNETES_VERSION,
                "dnsPrefix": cluster.resource,
                "fqdn": f"{cluster.resource}-dns.hcp.{cluster.region}.azmk8s.io",
                "agentPoolProfiles": profiles,
                "nodeResourceGroup": f"MC_{cluster.resource_group}_{cluster.resource}_{cluster.region}",
                "enableRBAC": True,
            },
        }

    # -- compute -----------------------------------------------------------------------------
    def _skus(
        self, state: _State, ids: Mapping[str, str], params: Mapping[str, str], base: str
    ) -> dict[str, Any]:
        location: str | None = None
        wanted = params.get("$filter")
        if wanted:
            match = _FILTER.match(wanted)
            if match is None:
                raise ApiError(
                    400,
                    "InvalidFilterInQueryString",
                    f"The $filter '{wanted}' is not supported: only location eq '<location>' is.",
                )
            location = match.group(1).lower()
        skus: list[dict[str, Any]] = []
        for region in sorted(state.offers):
            if location is not None and region != location:
                continue
            for offer in state.offers[region].values():
                skus.append(_sku_body(region, offer))
            skus.append(_disk_sku(region))
        start = int(params.get("$skiptoken") or 0)
        page = skus[start : start + SKU_PAGE]
        body: dict[str, Any] = {"value": page}
        if start + SKU_PAGE < len(skus):
            query = [("api-version", SKUS_VERSION), ("$skiptoken", str(start + SKU_PAGE))]
            if wanted:
                query.insert(1, ("$filter", wanted))
            body["nextLink"] = (
                f"{base}/subscriptions/{ids['sub']}/providers/Microsoft.Compute/skus?"
                + "&".join(f"{k}={quote(v, safe='')}" for k, v in query)
            )
        return body

    def _usages(self, state: _State, location: str) -> dict[str, Any]:
        families = state.quotas.get(location.lower(), {})
        value = []
        for key, (family, limit, used) in families.items():
            localized = "Total Regional vCPUs" if key == "cores" else f"{family} vCPUs"
            value.append(
                {
                    "unit": "Count",
                    "currentValue": used,
                    "limit": limit,
                    "name": {"value": family, "localizedValue": localized},
                }
            )
        return {"value": value}

    # -- Traffic Manager ---------------------------------------------------------------------
    def _profile_body(self, ids: Mapping[str, str], profile: _Profile) -> dict[str, Any]:
        return {
            "id": (
                f"/subscriptions/{ids['sub']}/resourceGroups/{profile.resource_group}/providers/"
                f"Microsoft.Network/trafficManagerProfiles/{profile.name}"
            ),
            "name": profile.name,
            "type": "Microsoft.Network/trafficManagerProfiles",
            "location": "global",
            "properties": {
                "profileStatus": "Enabled",
                "trafficRoutingMethod": "Priority",
                "dnsConfig": {
                    "relativeName": profile.relative_name,
                    "fqdn": f"{profile.relative_name}.trafficmanager.net",
                    "ttl": 60,
                },
                "monitorConfig": {
                    "profileMonitorStatus": "Online",
                    "protocol": "HTTPS",
                    "port": 443,
                    "path": "/healthz",
                    "intervalInSeconds": 30,
                    "toleratedNumberOfFailures": 3,
                    "timeoutInSeconds": 10,
                },
                "endpoints": [
                    self._endpoint_body(ids, profile, e) for e in profile.endpoints.values()
                ],
                "trafficViewEnrollmentStatus": "Disabled",
            },
        }

    def _endpoint_body(
        self, ids: Mapping[str, str], profile: _Profile, endpoint: Mapping[str, Any]
    ) -> dict[str, Any]:
        enabled = endpoint["endpointStatus"] == "Enabled"
        return {
            "id": (
                f"/subscriptions/{ids['sub']}/resourceGroups/{profile.resource_group}/providers/"
                f"Microsoft.Network/trafficManagerProfiles/{profile.name}/externalEndpoints/"
                f"{endpoint['name']}"
            ),
            "name": endpoint["name"],
            "type": "Microsoft.Network/trafficManagerProfiles/externalEndpoints",
            "properties": {
                "endpointStatus": endpoint["endpointStatus"],
                "endpointMonitorStatus": "Online" if enabled else "Disabled",
                "target": endpoint["target"],
                "weight": endpoint["weight"],
                "priority": endpoint["priority"],
                "alwaysServe": "Disabled",
            },
        }


def _route(method: str, path: str) -> tuple[str, re.Match[str] | None]:
    for verb, pattern, operation in _ROUTES:
        match = pattern.match(path)
        if match is not None and verb == method:
            return operation, match
    return "NotFound", None


def _sku_body(region: str, offer: Mapping[str, Any]) -> dict[str, Any]:
    name = str(offer["instance_type"])
    restrictions: list[dict[str, Any]] = []
    if offer["restricted"]:
        restrictions.append(
            {
                "type": "Location",
                "values": [region],
                "restrictionInfo": {"locations": [region]},
                "reasonCode": "NotAvailableForSubscription",
            }
        )
    if offer["restricted_zones"]:
        restrictions.append(
            {
                "type": "Zone",
                "values": [region],
                "restrictionInfo": {"locations": [region], "zones": offer["restricted_zones"]},
                "reasonCode": "NotAvailableForSubscription",
            }
        )
    return {
        "resourceType": "virtualMachines",
        "name": name,
        "tier": "Standard",
        "size": name.removeprefix("Standard_"),
        "family": offer["family"],
        "locations": [region],
        "locationInfo": [{"location": region, "zones": offer["zones"], "zoneDetails": []}],
        "capabilities": [
            {"name": "vCPUs", "value": str(offer["vcpus"])},
            {"name": "vCPUsAvailable", "value": str(offer["vcpus"])},
            {"name": "HyperVGenerations", "value": "V2"},
            *_catalog_capabilities(offer),
        ],
        "restrictions": restrictions,
    }


def _catalog_capabilities(offer: Mapping[str, Any]) -> list[dict[str, str]]:
    """``GPUs``, ``MemoryGB`` and ``RdmaEnabled`` for offers seeded with them."""
    found = []
    if offer.get("gpus") is not None:
        found.append({"name": "GPUs", "value": str(offer["gpus"])})
    if offer.get("memory_gib") is not None:
        found.append({"name": "MemoryGB", "value": f"{float(offer['memory_gib']):g}"})
    if offer.get("rdma") is not None:
        found.append({"name": "RdmaEnabled", "value": "True" if offer["rdma"] else "False"})
    return found


# Filter names that differ from the item field they select (the API filters ``priceType`` on
# the items' ``type``).
_RETAIL_FIELDS = {"priceType": "type"}
_ODATA_TERM = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$")


def _odata_terms(text: str) -> dict[str, str]:
    """``a eq 'x' and b eq 'y'`` -> ``{"a": "x", "b": "y"}`` (the filters refresh sends)."""
    terms: dict[str, str] = {}
    for part in re.split(r"\s+and\s+", text.strip()) if text.strip() else []:
        match = _ODATA_TERM.match(part)
        if match is None:
            raise ApiError(400, "InvalidFilter", f"unsupported $filter term {part!r}")
        terms[match.group(1)] = match.group(2)
    return terms


def _retail_items(
    region: str, size: str, price: float, currency: str, spot: float | None
) -> list[dict[str, Any]]:
    """The size's Linux, Windows and (unless ``spot`` is None) Spot pay-as-you-go meters, in
    the API's item shape."""
    short = size.removeprefix("Standard_").replace("_", " ")
    series = re.sub(r"^([A-Z]+)\d+", r"\1", size.removeprefix("Standard_")).replace("_", " ")
    common = {
        "currencyCode": currency,
        "tierMinimumUnits": 0.0,
        "armRegionName": region,
        "location": region,
        "effectiveStartDate": "2026-01-01T00:00:00Z",
        "serviceName": "Virtual Machines",
        "serviceId": "DZH313Z7MMC8",
        "serviceFamily": "Compute",
        "unitOfMeasure": "1 Hour",
        "type": "Consumption",
        "isPrimaryMeterRegion": True,
        "armSkuName": size,
    }
    meters = [
        (short, short, f"Virtual Machines {series} Series", price),
        (short, short, f"Virtual Machines {series} Series Windows", round(price * 1.5, 4)),
    ]
    if spot is not None:
        spot_sku = f"{short} Spot"
        meters.append((spot_sku, spot_sku, f"Virtual Machines {series} Series", spot))
        windows = f"Virtual Machines {series} Series Windows"
        meters.append((spot_sku, spot_sku, windows, round(spot * 1.5, 4)))
    return [
        {
            **common,
            "retailPrice": value,
            "unitPrice": value,
            "meterId": _meter_id(region, size, product, sku),
            "meterName": meter,
            "productId": _meter_id(product),
            "skuId": _meter_id(product, sku),
            "productName": product,
            "skuName": sku,
        }
        for sku, meter, product, value in meters
    ]


def _meter_id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _disk_sku(region: str) -> dict[str, Any]:
    # The list holds every compute resource type; the adapter keeps the virtual machines.
    return {
        "resourceType": "disks",
        "name": "Premium_LRS",
        "tier": "Premium",
        "kind": "",
        "locations": [region],
        "locationInfo": [{"location": region, "zones": ["1", "2", "3"], "zoneDetails": []}],
        "capabilities": [],
        "restrictions": [],
    }


def _patch_endpoint(endpoint: dict[str, Any], body: Any) -> None:
    properties = body.get("properties") if isinstance(body, Mapping) else None
    if not isinstance(properties, Mapping):
        raise ApiError(400, "BadRequest", "The request body needs properties.")
    status = properties.get("endpointStatus")
    if status is not None:
        if str(status).lower() not in ("enabled", "disabled"):
            raise ApiError(400, "BadRequest", f"endpointStatus {status!r} is not valid.")
        endpoint["endpointStatus"] = "Enabled" if str(status).lower() == "enabled" else "Disabled"
    for key in ("weight", "priority"):
        if properties.get(key) is not None:
            try:
                endpoint[key] = _int(properties[key], key, 1, 1000)
            except ApiError as exc:
                raise ApiError(400, "BadRequest", exc.message) from None
    if properties.get("target") is not None:
        endpoint["target"] = str(properties["target"])


def main(argv: list[str] | None = None) -> int:
    return serve_main(
        "python -m tools.endpoints.azure",
        __doc__,
        lambda seed, args: AzureEndpoint(seed, args.time_factor, args.host, args.port),
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
