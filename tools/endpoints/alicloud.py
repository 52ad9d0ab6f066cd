"""A local Alibaba Cloud API for drills: ACK node pools, ECS stock and quota, DNS GTM strategies.

One HTTP endpoint serves the calls ``infra drill`` makes with the official SDKs, in the shapes the
APIs document, so the adapter (``infra/clouds/alicloud/drill.py``) runs unchanged against it
(``--endpoint alicloud=http://127.0.0.1:PORT``):

- **Container Service for Kubernetes (CS/ACK), API version 2015-12-15, ROA style** (JSON bodies,
  errors as ``{"code", "message", "requestId", "status"}`` with the HTTP status):
  ``GET /api/v1/clusters`` (DescribeClustersV1, ``name`` is a fuzzy match as documented, paged by
  ``page_number``/``page_size``), ``GET /clusters/{ClusterId}/nodepools`` (DescribeClusterNodePools,
  ``NodepoolName`` filter), ``GET /clusters/{ClusterId}/nodepools/{NodepoolId}``
  (DescribeClusterNodePoolDetail) and ``PUT`` on the same path (ModifyClusterNodePool:
  ``auto_scaling.min_instances``/``max_instances``, ``scaling_group.desired_size``).
  https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/developer-reference/api-query-information-about-all-clusters
  https://www.alibabacloud.com/help/doc-detail/184926.htm (DescribeClusterNodePools)
  https://www.alibabacloud.com/help/doc-detail/184625.htm (DescribeClusterNodePoolDetail)
  https://alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/developer-reference/api-cs-2015-12-15-modifyclusternodepool
- **ECS, API version 2014-05-26, RPC style**: DescribeAvailableResource
  (``DestinationResource=InstanceType``: ``AvailableZones.AvailableZone[].AvailableResources.
  AvailableResource[].SupportedResources.SupportedResource[]`` with ``Status`` Available/SoldOut and
  ``StatusCategory`` WithStock/ClosedWithStock/WithoutStock/ClosedWithoutStock) and
  DescribeAccountAttributes (``max-postpaid-instance-vcpu-count``,
  ``used-postpaid-instance-vcpu-count``, ``max-spot-instance-vcpu-count``,
  ``used-spot-instance-vcpu-count``); for ``infra catalog refresh`` also DescribeInstanceTypes
  (``InstanceTypes.InstanceType[]``: ``InstanceTypeId``, ``InstanceTypeFamily``, ``CpuCoreCount``,
  ``MemorySize``, ``GPUAmount``, ``GPUSpec``, ``GPUMemorySize``, ``EriQuantity``; paged by
  ``MaxResults``/``NextToken``) and DescribePrice (``ResourceType=instance``, ``InstanceType``:
  ``PriceInfo.Price`` with ``OriginalPrice``, ``DiscountPrice``, ``TradePrice``, ``Currency``)
  and DescribeSpotPriceHistory (``RegionId``, ``NetworkType`` and ``InstanceType`` required,
  ``OSType``, ``ZoneId``, ``Offset``: ``Currency``, ``NextOffset`` while more rows follow, and
  ``SpotPrices.SpotPriceType[]`` with ``ZoneId``, ``InstanceType``, ``IoOptimized``,
  ``NetworkType``, ``Timestamp``, ``SpotPrice``, ``OriginPrice``; each zone's current price and
  the one of an hour before, oldest first, ``SPOT_PAGE`` rows a page).
  https://help.aliyun.com/document_detail/60400.html (DescribeSpotPriceHistory)
  https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstancetypes
  https://help.aliyun.com/document_detail/107829.html (DescribePrice)
  https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeavailableresource
  https://help.aliyun.com/en/ecs/developer-reference/api-ecs-2014-05-26-describeaccountattributes
- **Alibaba Cloud DNS (Alidns), API version 2015-01-09, RPC style**: DescribeDnsGtmInstances,
  DescribeDnsGtmAccessStrategies, DescribeDnsGtmAccessStrategy, SetDnsGtmAccessMode (AUTO,
  DEFAULT, FAILOVER).
  https://www.alibabacloud.com/help/doc-detail/198031.htm (DescribeDnsGtmInstances)
  https://www.alibabacloud.com/help/en/dns/api-alidns-2015-01-09-describednsgtmaccessstrategies
  https://alibabacloud.com/help/doc-detail/198055.htm (DescribeDnsGtmAccessStrategy)
  https://alibabacloud.com/help/en/dns/api-alidns-2015-01-09-setdnsgtmaccessmode

RPC calls name their action in the ``x-acs-action`` header (the SDKs' V3 signature) or in
``Action=`` of the query or form body; RPC errors are ``{"RequestId", "HostId", "Code", "Message",
"Recommend"}``. Requests must carry an ``Authorization`` header (or an RPC ``Signature``); the
signature itself is not checked and no credential is ever echoed. Requests in absolute form
(``GET http://127.0.0.1:PORT/path``, as a client sends them to a proxy) are accepted, as HTTP/1.1
requires of servers.

State lives in memory and follows the calls: a ModifyClusterNodePool that raises the node count
puts the pool in state ``scaling`` for its ``boot_seconds * time_factor`` of wall time, then
``active`` with the new nodes (as many as the ECS stock and the regional pay-as-you-go vCPU quota
allow; the others count as ``failed_nodes``); lowering it is ``removing`` for
``REMOVE_SECONDS * time_factor``. Node changes move the quota's usage.

Seeded from the neutral seed (``tools/endpoints/seed.py``; entries of cloud ``alicloud``), in the
constructor or with ``POST /_infra/seed``. Offers may carry ``"stock"``: a StatusCategory for every
zone or a ``{zone: StatusCategory}`` map (default WithStock), and the specs DescribeInstanceTypes
answers (``vcpus``, ``memory_gib``, ``gpu_spec``, ``gpus``, ``gpu_memory_gib``, ``eri``,
``family``); ``prices`` entries (``region``, ``instance_type``, ``price``, ``currency`` default
USD; ``spot``: a price for every zone of the offer or a ``{zone: price}`` map, Linux, for
DescribeSpotPriceHistory, which answers no rows without it) feed DescribePrice. Test seams: ``GET /_infra/calls``
(request counts by ``"<METHOD> <Operation>"``), ``DELETE /_infra/calls``, ``POST /_infra/fail``
(``{"operation", "status", "code", "message", "count"}``: the next calls of that operation fail).

``python -m tools.endpoints.alicloud --seed FILE [--time-factor F]`` prints the URL as its first
line and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from tools.endpoints.base import EndpointHandler, LocalEndpoint, serve_main

__all__ = ["AlicloudEndpoint", "main"]

CS_VERSION = "2015-12-15"
ECS_VERSION = "2014-05-26"
ALIDNS_VERSION = "2015-01-09"
REMOVE_SECONDS = 60.0  # how long ACK takes to drain and release nodes, before time_factor
WITH_STOCK = ("WithStock", "ClosedWithStock")
STOCK_CATEGORIES = (*WITH_STOCK, "WithoutStock", "ClosedWithoutStock")
ACCESS_MODES = ("AUTO", "DEFAULT", "FAILOVER")
CREATED = "2025-01-01T00:00:00+08:00"

_NODEPOOLS = re.compile(r"^/clusters/([^/]+)/nodepools/?$")
_NODEPOOL = re.compile(r"^/clusters/([^/]+)/nodepools/([^/]+)/?$")

ECS_ACTIONS = (
    "DescribeAvailableResource",
    "DescribeAccountAttributes",
    "DescribeInstanceTypes",
    "DescribePrice",
    "DescribeSpotPriceHistory",
)
TYPES_PAGE = 100  # DescribeInstanceTypes' largest MaxResults
SPOT_PAGE = 3  # DescribeSpotPriceHistory rows a page here, so clients follow NextOffset
SPOT_NOW = "2026-12-03T11:00:00Z"  # the "current" price's Timestamp (the older row is 10:00)
ALIDNS_ACTIONS = (
    "DescribeDnsGtmInstances",
    "DescribeDnsGtmAccessStrategies",
    "DescribeDnsGtmAccessStrategy",
    "SetDnsGtmAccessMode",
)


class ApiError(Exception):
    """An error answer: ``style`` "roa" (CS) or "rpc" (ECS, Alidns)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _id(prefix: str, *parts: str, length: int = 24) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return prefix + digest[:length]


def _int(value: Any, name: str, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            raise ApiError(400, f"Missing{name}", f"{name} is mandatory for this action.")
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"InvalidParameter.{name}", f"{name} is not an integer.") from None


class _Pool:
    """One ACK node pool and its simulated scaling group."""

    def __init__(self, cluster: _Cluster, seed: Mapping[str, Any]) -> None:
        self.cluster = cluster
        self.pool = str(seed.get("pool", seed["node_pool"]))
        self.name = str(seed["node_pool"])
        self.id = _id("np", cluster.id, self.name, length=30)
        self.instance_type = str(seed["instance_type"])
        self.vcpus = int(seed.get("vcpus", 0))
        self.boot_seconds = float(seed.get("boot_seconds", 600))
        self.enable = bool(seed.get("autoscaling", int(seed["min"]) != int(seed["max"])))
        self.min = int(seed["min"])
        self.max = int(seed["max"])
        self.desired = int(seed.get("desired", self.min))
        self.nodes = self.target()
        self.failed = 0
        self.pending: tuple[int, float] | None = None  # (target nodes, wall time it is reached)
        self.updated = CREATED

    def target(self) -> int:
        """The node count the pool converges to: the desired size, within min and max when the
        pool autoscales (ACK keeps at least min_instances)."""
        if self.enable:
            return max(self.min, min(self.desired, self.max))
        return self.desired


class _Cluster:
    def __init__(self, seed: Mapping[str, Any]) -> None:
        self.name = str(seed["resource"])
        self.region = str(seed["region"])
        self.id = _id("c", self.region, self.name, length=31)
        self.pools: dict[str, _Pool] = {}
        for pool in seed.get("pools", ()):
            p = _Pool(self, pool)
            self.pools[p.id] = p


class _State:
    """Everything the endpoint knows, from one seed."""

    def __init__(self, seed: Mapping[str, Any]) -> None:
        mine = [e for e in seed.get("clusters", ()) if e.get("cloud", "alicloud") == "alicloud"]
        self.clusters: dict[str, _Cluster] = {}
        for entry in mine:
            c = _Cluster(entry)
            self.clusters[c.id] = c
        self.offers: dict[tuple[str, str], dict[str, Any]] = {}
        self.types: dict[str, dict[str, Any]] = {}  # DescribeInstanceTypes items, by type
        for offer in seed.get("offers", ()):
            if offer.get("cloud", "alicloud") != "alicloud":
                continue
            zones = [str(z) for z in offer.get("zones", ())]
            stock = offer.get("stock", "WithStock")
            per_zone = (
                {z: str(stock.get(z, "WithStock")) for z in zones}
                if isinstance(stock, Mapping)
                else dict.fromkeys(zones, str(stock))
            )
            for category in per_zone.values():
                if category not in STOCK_CATEGORIES:
                    raise ValueError(f"unknown stock category {category!r}")
            key = (str(offer["region"]), str(offer["instance_type"]))
            self.offers[key] = {"zones": zones, "stock": per_zone}
            if offer.get("vcpus") is not None and offer.get("memory_gib") is not None:
                self.types[str(offer["instance_type"])] = _instance_type(offer)
        self.prices: dict[tuple[str, str], tuple[float, str]] = {
            (str(p["region"]), str(p["instance_type"])): (
                float(p["price"]),
                str(p.get("currency", "USD")),
            )
            for p in seed.get("prices", ())
            if p.get("cloud", "alicloud") == "alicloud"
        }
        # (region, type) -> {zone: Linux spot price}
        self.spot: dict[tuple[str, str], dict[str, float]] = {}
        for p in seed.get("prices", ()):
            if p.get("cloud", "alicloud") != "alicloud" or p.get("spot") is None:
                continue
            key = (str(p["region"]), str(p["instance_type"]))
            spot = p["spot"]
            zones = self.offers.get(key, {}).get("zones", [])
            self.spot[key] = (
                {str(z): float(v) for z, v in spot.items()}
                if isinstance(spot, Mapping)
                else dict.fromkeys(zones, float(spot))
            )
        self.quotas: dict[str, dict[str, int]] = {}
        for quota in seed.get("quotas", ()):
            if quota.get("cloud", "alicloud") != "alicloud":
                continue
            q = self.quotas.setdefault(str(quota["region"]), {"limit": 0, "used": 0})
            q["limit"] += int(quota.get("limit", 0))
            q["used"] += int(quota.get("used", 0))
        self.instances: dict[str, dict[str, Any]] = {}
        self.strategies: dict[str, dict[str, Any]] = {}
        stack = str(seed.get("stack", ""))
        zone = str(seed.get("dns_zone", "example.com"))
        for record in seed.get("dns", ()):
            if record.get("cloud", "alicloud") != "alicloud":
                continue
            self._gtm(stack, zone, record)

    def _gtm(self, stack: str, zone: str, record: Mapping[str, Any]) -> None:
        """The GTM instance, address pools and access strategy modules/dr-alicloud/dns.tf
        renders for one record (key = the source cluster, name = the record)."""
        name = str(record["record"])
        source = str(record.get("source", name))
        region = str(record.get("region", ""))
        prefix = f"{stack}-dr-{region}" if stack and region else name
        instance_id = _id("gtm-cn-", name, length=11)
        self.instances[instance_id] = {
            "InstanceId": instance_id,
            "VersionCode": "ultimate",
            "PaymentType": "Subscription",
            "ResourceGroupId": "rg-acfm000000000",
            "CreateTime": "2025-01-01T00:00Z",
            "CreateTimestamp": 1735689600000,
            "ExpireTime": "2026-01-01T00:00Z",
            "ExpireTimestamp": 1767225600000,
            "SmsQuota": 0,
            "TaskQuota": 100,
            "Config": {
                "InstanceName": f"{prefix}-{source}",
                "CnameType": "PUBLIC",
                "PublicCnameMode": "CUSTOM",
                "PublicRr": f"{name}-gtm",
                "PublicUserDomainName": f"{name}.{zone}",
                "PublicZoneName": zone,
                "StrategyMode": "GEO",
                "Ttl": 60,
                "AlertGroup": "[]",
                "AlertConfig": [],
            },
            "UsedQuota": {"TaskUsedCount": 0, "SmsUsedCount": 0, "EmailUsedCount": 0},
        }
        targets = [str(t) for t in record.get("targets", {})]

        def pool(target: str) -> dict[str, Any]:
            pool_name = f"{source}-{target}"
            return {
                "Id": _id("pool-", instance_id, pool_name, length=12),
                "Name": pool_name,
                "AddrCount": 1,
                "LbaWeight": 1,
            }

        strategy_name = f"{source}-failover"
        strategy_id = _id("hr", instance_id, strategy_name, length=6)
        self.strategies[strategy_id] = {
            "StrategyId": strategy_id,
            "StrategyName": strategy_name,
            "InstanceId": instance_id,
            "StrategyMode": "GEO",
            "AccessMode": "AUTO",
            "EffectiveAddrPoolGroupType": "DEFAULT",
            "CreateTime": "2025-01-01T00:00Z",
            "CreateTimestamp": 1735689600000,
            "DefaultAddrPoolType": "DOMAIN",
            "DefaultAddrPools": {"DefaultAddrPool": [pool(source)]},
            "DefaultAddrPoolGroupStatus": "AVAILABLE",
            "DefaultAvailableAddrNum": 1,
            "DefaultMinAvailableAddrNum": 1,
            "DefaultLbaStrategy": "ALL_RR",
            "FailoverAddrPoolType": "DOMAIN",
            "FailoverAddrPools": {"FailoverAddrPool": [pool(t) for t in targets]},
            "FailoverAddrPoolGroupStatus": "AVAILABLE",
            "FailoverAvailableAddrNum": len(targets),
            "FailoverMinAvailableAddrNum": 1,
            "FailoverLbaStrategy": "RATIO",
            "Lines": {
                "Line": [
                    {
                        "LineCode": "default",
                        "LineName": "Global",
                        "GroupCode": "DEFAULT",
                        "GroupName": "Global",
                    }
                ]
            },
        }


class _Handler(EndpointHandler):
    api: AlicloudEndpoint
    server_version = "infra-alicloud-endpoint/1"
    content_type = "application/json;charset=utf-8"

    def _serve_api(self, method: str, path: str, params: dict[str, str], raw: bytes) -> None:
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body: Any = None
        if raw and kind == "application/x-www-form-urlencoded":
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self._error("roa", ApiError(400, "ErrorInvalidParameter", "the body is not JSON"))
                return
        style = "rpc" if path in ("", "/") else "roa"
        if not self.headers.get("Authorization") and "Signature" not in params:
            self._error(
                style, ApiError(400, "IncompleteSignature", "The request signature is missing.")
            )
            return
        try:
            style, _, status, answer = self.api.handle(
                method, path, params, body, self.headers.get("x-acs-action")
            )
        except _Failed as failed:
            self._error(failed.style, failed.error)
            return
        request_id = str(uuid.uuid4()).upper()
        if style == "rpc":
            answer = {"RequestId": request_id, **answer}
        elif isinstance(answer, dict) and "task_id" in answer:
            answer = {**answer, "request_id": request_id}
        self._send(status, answer, [("x-acs-request-id", request_id)])

    def _error(self, style: str, error: ApiError) -> None:
        request_id = str(uuid.uuid4()).upper()
        if style == "rpc":
            body: dict[str, Any] = {
                "RequestId": request_id,
                "HostId": self.headers.get("Host", ""),
                "Code": error.code,
                "Message": error.message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}",
            }
        else:
            body = {
                "code": error.code,
                "message": error.message,
                "requestId": request_id,
                "status": error.status,
            }
        self._send(error.status, body, [("x-acs-request-id", request_id)])


class AlicloudEndpoint(LocalEndpoint[_State]):
    """The local endpoint (see the module docstring). ``with AlicloudEndpoint(seed) as api:``
    starts it on a free loopback port; ``api.url`` is what ``--endpoint alicloud=`` takes."""

    handler = _Handler
    thread_name = "alicloud-endpoint"
    infra_fault_message = "The request has failed due to a temporary failure."

    def _new_state(self, seed: Mapping[str, Any]) -> _State:
        return _State(seed)

    # -- seams -------------------------------------------------------------------------------
    def fail_next(
        self,
        operation: str,
        status: int = 503,
        code: str = "ServiceUnavailable",
        message: str = "The request has failed due to a temporary failure of the server.",
        count: int = 1,
    ) -> None:
        """The next ``count`` calls of ``operation`` answer this error instead."""
        super().fail_next(operation, status, code, message, count)

    # -- dispatch ----------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, params: Mapping[str, str], body: Any, action: str | None
    ) -> tuple[str, str, int, Any]:
        """(style, operation, status, answer) of one request."""
        style, operation = self._route(method, path, params, action)
        with self._lock:
            self._count(f"{method} {operation}")
            fault = self._take_fault(operation)
            if fault is not None:
                raise _Failed(style, operation, ApiError(*fault))
            try:
                return style, operation, 200, self._answer(operation, path, params, body)
            except ApiError as exc:
                raise _Failed(style, operation, exc) from None

    def _route(
        self, method: str, path: str, params: Mapping[str, str], action: str | None
    ) -> tuple[str, str]:
        if path.rstrip("/") == "/api/v1/clusters" and method == "GET":
            return "roa", "DescribeClustersV1"
        if _NODEPOOLS.match(path) and method == "GET":
            return "roa", "DescribeClusterNodePools"
        if _NODEPOOL.match(path):
            if method == "GET":
                return "roa", "DescribeClusterNodePoolDetail"
            if method == "PUT":
                return "roa", "ModifyClusterNodePool"
        if path in ("", "/") and method in ("GET", "POST"):
            name = action or params.get("Action")
            if name in ECS_ACTIONS or name in ALIDNS_ACTIONS:
                return "rpc", name
            raise _Failed(
                "rpc",
                str(name),
                ApiError(
                    404,
                    "InvalidAction.NotFound",
                    "Specified api is not found, please check your url and method.",
                ),
            )
        raise _Failed(
            "roa",
            f"{method} {path}",
            ApiError(404, "InvalidAction.NotFound", f"no API at {method} {path}"),
        )

    def _answer(self, operation: str, path: str, params: Mapping[str, str], body: Any) -> Any:
        state = self._state
        now = time.monotonic()
        if operation == "DescribeClustersV1":
            return self._clusters(state, params, now)
        if operation == "DescribeClusterNodePools":
            match = _NODEPOOLS.match(path)
            assert match is not None
            cluster = self._cluster(state, match.group(1))
            wanted = params.get("NodepoolName", "")
            return {
                "nodepools": [
                    self._pool_detail(state, p, now)
                    for p in cluster.pools.values()
                    if wanted in p.name
                ]
            }
        if operation in ("DescribeClusterNodePoolDetail", "ModifyClusterNodePool"):
            match = _NODEPOOL.match(path)
            assert match is not None
            cluster = self._cluster(state, match.group(1))
            pool = cluster.pools.get(unquote(match.group(2)))
            if pool is None:
                raise ApiError(
                    404,
                    "ErrorNodePoolNotFound",
                    f"node pool {match.group(2)} not found in cluster {cluster.id}",
                )
            if operation == "ModifyClusterNodePool":
                return self._modify(state, pool, body, now)
            return self._pool_detail(state, pool, now)
        if operation == "DescribeAvailableResource":
            return self._available(state, params)
        if operation == "DescribeAccountAttributes":
            return self._attributes(state, params)
        if operation == "DescribeInstanceTypes":
            return self._instance_types(state, params)
        if operation == "DescribePrice":
            return self._price(state, params)
        if operation == "DescribeSpotPriceHistory":
            return self._spot_history(state, params)
        return self._gtm(state, operation, params)

    # -- CS ----------------------------------------------------------------------------------
    def _cluster(self, state: _State, cluster_id: str) -> _Cluster:
        cluster = state.clusters.get(unquote(cluster_id))
        if cluster is None:
            raise ApiError(404, "ErrorClusterNotFound", f"cluster {cluster_id} not found")
        return cluster

    def _clusters(self, state: _State, params: Mapping[str, str], now: float) -> Any:
        name = params.get("name", "")
        region = params.get("region_id", "")
        chosen = params.get("cluster_id", "")
        found = [
            c
            for c in state.clusters.values()
            if name in c.name
            and (not region or c.region == region)
            and (not chosen or c.id == chosen)
        ]
        number = max(1, _int(params.get("page_number"), "page_number", 1))
        size = max(1, min(100, _int(params.get("page_size"), "page_size", 10)))
        page = found[(number - 1) * size : number * size]
        return {
            "clusters": [
                {
                    "cluster_id": c.id,
                    "name": c.name,
                    "region_id": c.region,
                    "cluster_type": "ManagedKubernetes",
                    "cluster_spec": "ack.pro.small",
                    "profile": "Default",
                    "state": "running",
                    "size": sum(self._settle(state, p, now).nodes for p in c.pools.values()),
                    "current_version": "1.31.1-aliyun.1",
                    "created": CREATED,
                    "updated": CREATED,
                    "network_mode": "vpc",
                    "deletion_protection": True,
                    "resource_group_id": "rg-acfm000000000",
                    "tags": [],
                }
                for c in page
            ],
            "page_info": {"page_number": number, "page_size": size, "total_count": len(found)},
        }

    def _settle(self, state: _State, pool: _Pool, now: float) -> _Pool:
        """Finish a pending change whose time has come."""
        if pool.pending is None or now < pool.pending[1]:
            return pool
        target = pool.pending[0]
        pool.pending = None
        quota = state.quotas.setdefault(pool.cluster.region, {"limit": 0, "used": 0})
        if target > pool.nodes:
            grow = target - pool.nodes
            offer = state.offers.get((pool.cluster.region, pool.instance_type))
            in_stock = offer is not None and any(
                category in WITH_STOCK for category in offer["stock"].values()
            )
            room = (quota["limit"] - quota["used"]) // pool.vcpus if pool.vcpus > 0 else grow
            made = max(0, min(grow, room)) if in_stock else 0
            pool.nodes += made
            pool.failed = grow - made
            quota["used"] += made * pool.vcpus
        else:
            quota["used"] = max(0, quota["used"] - (pool.nodes - target) * pool.vcpus)
            pool.nodes = target
            pool.failed = 0
        return pool

    def _modify(self, state: _State, pool: _Pool, body: Any, now: float) -> Any:
        if not isinstance(body, Mapping):
            raise ApiError(400, "ErrorInvalidParameter", "the request body must be a JSON object")
        self._settle(state, pool, now)
        scaling = body.get("auto_scaling") or {}
        group = body.get("scaling_group") or {}
        if not isinstance(scaling, Mapping) or not isinstance(group, Mapping):
            raise ApiError(
                400, "ErrorInvalidParameter", "auto_scaling and scaling_group are objects"
            )
        enable = bool(scaling.get("enable", pool.enable))
        low = _int(scaling.get("min_instances"), "min_instances", pool.min)
        high = _int(scaling.get("max_instances"), "max_instances", pool.max)
        desired = _int(group.get("desired_size"), "desired_size", pool.desired)
        if not 0 <= low <= high <= 2000:
            raise ApiError(
                400,
                "ErrorInvalidParameter",
                "auto_scaling: 0 <= min_instances <= max_instances <= 2000 is required",
            )
        if not 0 <= desired <= 2000:
            raise ApiError(400, "ErrorInvalidParameter", "scaling_group.desired_size is 0-2000")
        pool.enable, pool.min, pool.max, pool.desired = enable, low, high, desired
        pool.updated = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        target = pool.target()
        pending = pool.pending[0] if pool.pending else pool.nodes
        if target != pending:  # the same sizes again change nothing (and restart no timer)
            seconds = pool.boot_seconds if target > pool.nodes else REMOVE_SECONDS
            pool.pending = (target, now + seconds * self.time_factor)
            if target == pool.nodes:
                pool.pending = None
        task = _id("T-", pool.id, str(now), length=20)
        return {"cluster_id": pool.cluster.id, "nodepool_id": pool.id, "task_id": task}

    def _pool_detail(self, state: _State, pool: _Pool, now: float) -> Any:
        self._settle(state, pool, now)
        nodes, failed = pool.nodes, pool.failed
        initial = removing = 0
        phase = "active"
        if pool.pending is not None:
            target = pool.pending[0]
            if target > nodes:
                phase, initial = "scaling", target - nodes
            else:
                phase, removing = "removing", nodes - target
        return {
            "auto_scaling": {
                "enable": pool.enable,
                "min_instances": pool.min,
                "max_instances": pool.max,
                "type": "gpu",
                "is_bond_eip": False,
            },
            "nodepool_info": {
                "name": pool.name,
                "nodepool_id": pool.id,
                "region_id": pool.cluster.region,
                "resource_group_id": "rg-acfm000000000",
                "type": "ess",
                "is_default": False,
                "created": CREATED,
                "updated": pool.updated,
            },
            "scaling_group": {
                "desired_size": pool.desired,
                "instance_types": [pool.instance_type],
                "instance_charge_type": "PostPaid",
                "spot_strategy": "NoSpot",
                "multi_az_policy": "BALANCE",
                "scaling_group_id": _id("asg-", pool.id, length=20),
                "system_disk_category": "cloud_essd",
                "system_disk_performance_level": "PL1",
                "system_disk_encrypted": True,
                "image_type": "AliyunLinux3",
                "vswitch_ids": [_id("vsw-", pool.cluster.id, length=20)],
                "security_group_ids": [_id("sg-", pool.cluster.id, length=20)],
                "tags": [{"key": "infra-pool", "value": pool.pool}],
            },
            "kubernetes_config": {
                "runtime": "containerd",
                "cms_enabled": True,
                "labels": [{"key": "infra/pool", "value": pool.pool}],
            },
            "status": {
                "state": phase,
                "total_nodes": nodes + failed + initial,
                "healthy_nodes": nodes - removing,
                "serving_nodes": nodes - removing,
                "initial_nodes": initial,
                "removing_nodes": removing,
                "failed_nodes": failed,
                "offline_nodes": 0,
            },
        }

    # -- ECS ---------------------------------------------------------------------------------
    def _available(self, state: _State, params: Mapping[str, str]) -> Any:
        region = params.get("RegionId")
        if not region:
            raise ApiError(400, "MissingRegionId", "RegionId is mandatory for this action.")
        destination = params.get("DestinationResource")
        if not destination:
            raise ApiError(400, "MissingDestinationResource", "DestinationResource is mandatory.")
        if destination != "InstanceType":
            raise ApiError(
                400,
                "InvalidParameter.DestinationResource",
                "this endpoint answers DestinationResource=InstanceType only",
            )
        wanted = params.get("InstanceType")
        only_zone = params.get("ZoneId")
        zones: dict[str, list[dict[str, Any]]] = {}
        for (where, kind), offer in sorted(state.offers.items()):
            if where != region or (wanted and kind != wanted):
                continue
            for zone, category in offer["stock"].items():
                if only_zone and zone != only_zone:
                    continue
                status = "Available" if category in WITH_STOCK else "SoldOut"
                zones.setdefault(zone, []).append(
                    {"Value": kind, "Status": status, "StatusCategory": category}
                )
        listed = []
        for zone in sorted(zones):
            supported = zones[zone]
            any_stock = any(s["StatusCategory"] in WITH_STOCK for s in supported)
            listed.append(
                {
                    "ZoneId": zone,
                    "RegionId": region,
                    "Status": "Available" if any_stock else "SoldOut",
                    "StatusCategory": "WithStock" if any_stock else "WithoutStock",
                    "AvailableResources": {
                        "AvailableResource": [
                            {
                                "Type": "InstanceType",
                                "SupportedResources": {"SupportedResource": supported},
                            }
                        ]
                    },
                }
            )
        return {"AvailableZones": {"AvailableZone": listed}}

    def _instance_types(self, state: _State, params: Mapping[str, str]) -> Any:
        size = _int(params.get("MaxResults"), "MaxResults", TYPES_PAGE)
        if not 1 <= size <= TYPES_PAGE:
            raise ApiError(400, "InvalidParameter.MaxResults", "MaxResults is out of range.")
        names = sorted(state.types)
        start = _int(params.get("NextToken") or None, "NextToken", 0)
        page = names[start : start + size]
        answer: dict[str, Any] = {"InstanceTypes": {"InstanceType": [state.types[n] for n in page]}}
        if start + size < len(names):
            answer["NextToken"] = str(start + size)
        return answer

    def _price(self, state: _State, params: Mapping[str, str]) -> Any:
        region = params.get("RegionId")
        if not region:
            raise ApiError(400, "MissingRegionId", "RegionId is mandatory for this action.")
        if params.get("ResourceType", "instance") != "instance":
            raise ApiError(
                400, "InvalidResourceType", "this endpoint answers ResourceType=instance only"
            )
        kind = params.get("InstanceType", "")
        found = state.prices.get((region, kind))
        if found is None:
            raise ApiError(
                400,
                "InvalidInstanceType.ValueNotSupported",
                f"The specified InstanceType {kind!r} has no price in {region}.",
            )
        price, currency = found
        return {
            "PriceInfo": {
                "Price": {
                    "OriginalPrice": price,
                    "DiscountPrice": 0.0,
                    "TradePrice": price,
                    "Currency": currency,
                    "DetailInfos": {"DetailInfo": []},
                },
                "Rules": {"Rule": []},
            }
        }

    def _spot_history(self, state: _State, params: Mapping[str, str]) -> Any:
        for name in ("RegionId", "NetworkType", "InstanceType"):
            if not params.get(name):
                raise ApiError(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if params["NetworkType"] not in ("vpc", "classic"):
            raise ApiError(400, "InvalidNetworkType", "NetworkType must be vpc or classic")
        region, kind = params["RegionId"], params["InstanceType"]
        windows = params.get("OSType", "linux") == "windows"
        rows = []
        origin = state.prices.get((region, kind), (0.0, "USD"))[0]
        zones = state.spot.get((region, kind), {})
        for zone, price in sorted(zones.items()):
            if params.get("ZoneId") not in (None, "", zone):
                continue
            factor = 1.5 if windows else 1.0
            for stamp, value in (("2026-12-03T10:00:00Z", price * 2), (SPOT_NOW, price)):
                rows.append(
                    {
                        "ZoneId": zone,
                        "InstanceType": kind,
                        "IoOptimized": "optimized",
                        "NetworkType": params["NetworkType"],
                        "Timestamp": stamp,
                        "SpotPrice": round(value * factor, 4),
                        "OriginPrice": round(origin * factor, 4),
                    }
                )
        start = _int(params.get("Offset") or None, "Offset", 0)
        answer: dict[str, Any] = {
            "Currency": "USD",
            "SpotPrices": {"SpotPriceType": rows[start : start + SPOT_PAGE]},
        }
        if start + SPOT_PAGE < len(rows):
            answer["NextOffset"] = start + SPOT_PAGE
        return answer

    def _attributes(self, state: _State, params: Mapping[str, str]) -> Any:
        region = params.get("RegionId")
        if not region:
            raise ApiError(400, "MissingRegionId", "RegionId is mandatory for this action.")
        now = time.monotonic()
        for cluster in state.clusters.values():  # finished scalings count in the usage
            for pool in cluster.pools.values():
                self._settle(state, pool, now)
        quota = state.quotas.get(region, {"limit": 0, "used": 0})
        values = {
            "max-postpaid-instance-vcpu-count": quota["limit"],
            "used-postpaid-instance-vcpu-count": quota["used"],
            "max-spot-instance-vcpu-count": quota["limit"],
            "used-spot-instance-vcpu-count": 0,
        }
        names = [v for k, v in sorted(params.items()) if re.fullmatch(r"AttributeName\.\d+", k)]
        items = [
            {
                "AttributeName": name,
                "AttributeValues": {"ValueItem": [{"Value": str(values[name]), "Count": 1}]},
            }
            for name in (names or list(values))
            if name in values
        ]
        return {"AccountAttributeItems": {"AccountAttributeItem": items}}

    # -- Alidns ------------------------------------------------------------------------------
    def _gtm(self, state: _State, operation: str, params: Mapping[str, str]) -> Any:
        if operation == "DescribeDnsGtmInstances":
            keyword = params.get("Keyword", "")
            found = [
                i
                for i in state.instances.values()
                if keyword in i["Config"]["InstanceName"] or keyword in i["InstanceId"]
            ]
            return self._page(params, found, "GtmInstances", wrap=None)
        if operation == "DescribeDnsGtmAccessStrategies":
            instance = params.get("InstanceId")
            if not instance:
                raise ApiError(400, "MissingInstanceId", "InstanceId is mandatory for this action.")
            if instance not in state.instances:
                raise ApiError(
                    400, "DnsGtmInstance.NotExists", f"The GTM instance {instance} does not exist."
                )
            mode = params.get("StrategyMode")
            if not mode:
                raise ApiError(400, "MissingStrategyMode", "StrategyMode is mandatory.")
            found = [
                _summary(s)
                for s in state.strategies.values()
                if s["InstanceId"] == instance and s["StrategyMode"] == mode
            ]
            return self._page(params, found, "Strategies", wrap="Strategy")
        strategy_id = params.get("StrategyId")
        if not strategy_id:
            raise ApiError(400, "MissingStrategyId", "StrategyId is mandatory for this action.")
        strategy = state.strategies.get(strategy_id)
        if strategy is None:
            raise ApiError(
                400,
                "DnsGtmAccessStrategy.NotExists",
                f"The access strategy {strategy_id} does not exist.",
            )
        if operation == "SetDnsGtmAccessMode":
            mode = params.get("AccessMode")
            if mode not in ACCESS_MODES:
                raise ApiError(
                    400, "InvalidAccessMode", "AccessMode must be AUTO, DEFAULT or FAILOVER."
                )
            strategy["AccessMode"] = mode
            # The default pool (the source) is healthy here: AUTO answers from it.
            strategy["EffectiveAddrPoolGroupType"] = "FAILOVER" if mode == "FAILOVER" else "DEFAULT"
            return {}
        return dict(strategy)

    def _page(self, params: Mapping[str, str], items: list[Any], key: str, wrap: str | None) -> Any:
        number = max(1, _int(params.get("PageNumber"), "PageNumber", 1))
        size = max(1, min(100, _int(params.get("PageSize"), "PageSize", 20)))
        page = items[(number - 1) * size : number * size]
        return {
            key: page if wrap is None else {wrap: page},
            "PageNumber": number,
            "PageSize": size,
            "TotalItems": len(items),
            "TotalPages": (len(items) + size - 1) // size,
        }


def _summary(strategy: Mapping[str, Any]) -> dict[str, Any]:
    """A strategy as DescribeDnsGtmAccessStrategies lists it."""
    group = strategy["EffectiveAddrPoolGroupType"]
    pools = (
        strategy["FailoverAddrPools"]["FailoverAddrPool"]
        if group == "FAILOVER"
        else strategy["DefaultAddrPools"]["DefaultAddrPool"]
    )
    return {
        "StrategyId": strategy["StrategyId"],
        "StrategyName": strategy["StrategyName"],
        "CreateTime": strategy["CreateTime"],
        "CreateTimestamp": strategy["CreateTimestamp"],
        "EffectiveAddrPoolGroupType": group,
        "EffectiveAddrPoolType": "DOMAIN",
        "EffectiveLbaStrategy": strategy[
            "FailoverLbaStrategy" if group == "FAILOVER" else "DefaultLbaStrategy"
        ],
        "EffectiveAddrPools": {"EffectiveAddrPool": pools},
        "Lines": strategy["Lines"],
    }


def _instance_type(offer: Mapping[str, Any]) -> dict[str, Any]:
    """A DescribeInstanceTypes item from a seeded offer's specs."""
    kind = str(offer["instance_type"])
    parts = kind.split(".")
    family = offer.get("family") or (
        f"{parts[0]}.{parts[1].split('-')[0]}" if len(parts) > 2 else kind
    )
    item: dict[str, Any] = {
        "InstanceTypeId": kind,
        "InstanceTypeFamily": family,
        "CpuCoreCount": int(offer["vcpus"]),
        "MemorySize": float(offer["memory_gib"]),
        "GPUAmount": int(offer.get("gpus") or 0),
        "GPUSpec": str(offer.get("gpu_spec") or ""),
        "GPUMemorySize": float(offer.get("gpu_memory_gib") or 0),
        "EriQuantity": int(offer.get("eri") or 0),
        "InstanceCategory": "ECS Bare Metal" if kind.startswith("ecs.ebm") else "",
    }
    return item


class _Failed(Exception):
    def __init__(self, style: str, operation: str, error: ApiError) -> None:
        super().__init__(error.message)
        self.style = style
        self.operation = operation
        self.error = error


def main(argv: list[str] | None = None) -> int:
    return serve_main(
        "python -m tools.endpoints.alicloud",
        __doc__,
        lambda seed, args: AlicloudEndpoint(seed, args.time_factor, args.host, args.port),
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())
