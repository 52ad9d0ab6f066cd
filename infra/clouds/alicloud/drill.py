"""Alibaba Cloud drill calls, made with the official SDKs.

- **ACK node pools** (``alibabacloud_cs20151215``, CS API 2015-12-15, ROA): the cluster id is
  found by name with DescribeClustersV1 and the node pool id by name with
  DescribeClusterNodePools; ModifyClusterNodePool sets absolute sizes (``auto_scaling``
  min/max and ``scaling_group.desired_size``, as ``Alicloud.scale_pool_command`` does), so a
  repeated call is harmless. ScaleClusterNodePool is never used: it *adds* ``count`` nodes per
  call. DescribeClusterNodePoolDetail is the probe and the wait (``status.state`` "active",
  ``status.healthy_nodes``).
  https://alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/developer-reference/api-cs-2015-12-15-modifyclusternodepool
- **ECS pre-checks** (``alibabacloud_ecs20140526``, ECS API 2014-05-26, RPC):
  DescribeAvailableResource with ``DestinationResource=InstanceType`` lists the zones where the
  type is ``Available`` and ``WithStock``; DescribeAccountAttributes gives the region's
  pay-as-you-go vCPU quota (``max-postpaid-instance-vcpu-count``) and its usage
  (``used-postpaid-instance-vcpu-count``).
  https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeavailableresource
  https://help.aliyun.com/en/ecs/developer-reference/api-ecs-2014-05-26-describeaccountattributes
- **DNS failover** (``alibabacloud_alidns20150109``, Alidns API 2015-01-09, RPC): the access
  strategy ``modules/dr-alicloud/dns.tf`` renders for a record (``"<cluster>-failover"``, in the
  GTM instance whose ``public_rr`` is ``"<record>-gtm"``) is switched with SetDnsGtmAccessMode:
  FAILOVER answers from the failover address pools (the targets); a failback sets AUTO again,
  the mode the module renders (answers from the source's default pool while its health checks
  pass, automatic switching otherwise; DEFAULT would pin answers to the source and leave
  automatic failover off). DescribeDnsGtmAccessStrategy is the probe.
  https://alibabacloud.com/help/en/dns/api-alidns-2015-01-09-setdnsgtmaccessmode

The checkpoint replica (OSS) is not read here: ``replica_age`` is None, a manual step with the
runbook's command.

Ids the render cannot know are :class:`Ref` values, found by reads and cached per adapter.
Credentials come from the SDK's default chain (``alibabacloud_credentials``: the
``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET`` variables, the CLI profile, an ECS RAM role...); they
are never logged, returned or put in an error. ``--endpoint alicloud=http://127.0.0.1:PORT``
sends CS, ECS and Alidns calls to one local endpoint (``tools/endpoints/alicloud.py``); without
it the SDKs use their regional endpoints over HTTPS.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from alibabacloud_alidns20150109 import models as dns_models  # type: ignore[import-untyped]
from alibabacloud_alidns20150109.client import (  # type: ignore[import-untyped]
    Client as DnsClient,
)
from alibabacloud_credentials.client import (  # type: ignore[import-untyped]
    Client as CredentialClient,
)
from alibabacloud_credentials.exceptions import (  # type: ignore[import-untyped]
    CredentialException,
)
from alibabacloud_credentials.provider import (  # type: ignore[import-untyped]
    DefaultCredentialsProvider,
)
from alibabacloud_credentials.provider.refreshable import (  # type: ignore[import-untyped]
    Credentials,
)
from alibabacloud_cs20151215 import models as cs_models  # type: ignore[import-untyped]
from alibabacloud_cs20151215.client import Client as CsClient  # type: ignore[import-untyped]
from alibabacloud_ecs20140526 import models as ecs_models  # type: ignore[import-untyped]
from alibabacloud_ecs20140526.client import Client as EcsClient  # type: ignore[import-untyped]
from alibabacloud_tea_openapi.exceptions import (  # type: ignore[import-untyped]
    ThrottlingException,
)
from alibabacloud_tea_openapi.utils_models import Config  # type: ignore[import-untyped]
from darabonba.exceptions import (  # type: ignore[import-untyped]
    ResponseException,
    RetryError,
    UnretryableException,
)
from darabonba.runtime import RuntimeOptions  # type: ignore[import-untyped]

from infra.catalog import default_catalog
from infra.drill.api import (
    JSON,
    Call,
    CallError,
    DrillAdapter,
    Evaluation,
    Op,
    PoolRef,
    Ref,
    ReplicaRef,
    TrafficRef,
    is_loopback,
)

__all__ = ["AlicloudDrill"]

CLOUD = "alicloud"
CONNECT_TIMEOUT_MS = 5_000
READ_TIMEOUT_MS = 20_000
PAGE_SIZE = 100
READY_TIMEOUT_S = 3600.0  # GPU bare-metal nodes take 20+ minutes to join (catalog boot times)
READY_INTERVAL_S = 30.0
# SetDnsGtmAccessMode values (https://alibabacloud.com/help/en/dns/api-alidns-2015-01-09-setdnsgtmaccessmode).
FAILOVER_MODE = "FAILOVER"
FAILBACK_MODE = "AUTO"  # what modules/dr-alicloud renders, and the runbook's rollback
STRATEGY_MODE = "GEO"  # the module's strategy_mode
WITH_STOCK = ("WithStock", "ClosedWithStock")
QUOTA_MAX = "max-postpaid-instance-vcpu-count"
QUOTA_USED = "used-postpaid-instance-vcpu-count"
# Codes worth another try besides throttling (Throttling*) and HTTP 5xx.
RETRYABLE_CODES = frozenset(
    {"ServiceUnavailable", "InternalError", "UnknownError", "ServiceBusy", "RequestTimeout"}
)
_SECRET_VARIABLES = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
)

_Handler = Callable[["AlicloudDrill", Call], JSON]


class AlicloudDrill(DrillAdapter):
    """The drill calls of ACK node pools, ECS pre-checks and GTM failover (module docstring)."""

    cloud = CLOUD

    def __init__(self, endpoint: str | None = None) -> None:
        super().__init__(endpoint)
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._ids: dict[tuple[str, str, str], str] = {}
        self._credential: Any = None

    # -- the calls of each step ----------------------------------------------------------------
    def scale(self, pool: PoolRef, min_nodes: int, desired: int, max_nodes: int) -> tuple[Op, ...]:
        call = Call(
            CLOUD,
            pool.region,
            "cs",
            "ModifyClusterNodePool",
            {
                **_pool_ids(pool),
                "auto_scaling": {"min_instances": min_nodes, "max_instances": max_nodes},
                "scaling_group": {"desired_size": desired},
            },
            True,
        )
        return (
            Op(
                "mutate",
                call,
                f"scale {pool.node_pool} to {desired} nodes (min {min_nodes}, max {max_nodes})",
                probe=_detail(pool),
                need={"check": "sizes", "min": min_nodes, "desired": desired, "max": max_nodes},
            ),
        )

    def pool_size(self, pool: PoolRef) -> Op:
        return Op(
            "read",
            _detail(pool),
            f"read the sizes of {pool.node_pool}",
            need={"check": "sizes", "pool": _pool_key(pool)},
        )

    def pool_ready(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        return (
            Op(
                "wait",
                _detail(pool),
                f"wait for {nodes} healthy nodes in {pool.node_pool}",
                timeout_s=READY_TIMEOUT_S,
                interval_s=READY_INTERVAL_S,
                need={"check": "ready", "nodes": nodes},
            ),
        )

    def prechecks(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        offered = Call(
            CLOUD,
            pool.region,
            "ecs",
            "DescribeAvailableResource",
            {
                "RegionId": pool.region,
                "DestinationResource": "InstanceType",
                "InstanceType": pool.instance_type,
                "InstanceChargeType": "PostPaid",
                "ResourceType": "instance",
            },
            False,
        )
        quota = Call(
            CLOUD,
            pool.region,
            "ecs",
            "DescribeAccountAttributes",
            {"RegionId": pool.region, "AttributeName": [QUOTA_MAX, QUOTA_USED]},
            False,
        )
        vcpus = _vcpus(pool)
        key = _pool_key(pool)
        return (
            Op(
                "precheck",
                offered,
                f"{pool.instance_type} offered with stock in {pool.region}",
                need={
                    "check": "offered",
                    "pool": key,
                    "instance_type": pool.instance_type,
                    "region": pool.region,
                },
            ),
            Op(
                "precheck",
                quota,
                f"pay-as-you-go vCPU quota in {pool.region} has room for {nodes} "
                f"{pool.instance_type} nodes",
                need={
                    "check": "quota",
                    "pool": key,
                    "instance_type": pool.instance_type,
                    "region": pool.region,
                    "nodes": nodes,
                    "vcpus": vcpus,
                },
            ),
        )

    def replica_age(self, replica: ReplicaRef) -> Op | None:
        return None  # OSS is not among this adapter's SDKs: the runbook's command, approved

    def traffic(
        self, ref: TrafficRef, weights: Mapping[str, int], failover: bool
    ) -> tuple[Op, ...]:
        strategy = f"{ref.source}-failover"  # modules/dr-alicloud: "${each.key}-failover"
        sid = Ref("gtm-strategy-id", f"{ref.source_resource}/{strategy}")
        mode = FAILOVER_MODE if failover else FAILBACK_MODE
        call = Call(
            CLOUD,
            ref.region,
            "alidns",
            "SetDnsGtmAccessMode",
            {"StrategyId": sid, "AccessMode": mode},
            True,
        )
        probe = Call(
            CLOUD, ref.region, "alidns", "DescribeDnsGtmAccessStrategy", {"StrategyId": sid}, False
        )
        if failover:
            shares = ", ".join(f"{t} {w}" for t, w in weights.items()) or "every target"
            title = (
                f"answer {ref.source_resource} from its failover pools ({shares}; GTM weighs "
                f"the rendered pools equally): {strategy} to {mode}"
            )
        else:
            title = f"answer {ref.source_resource} from {ref.source} again: {strategy} to {mode}"
        return (
            Op(
                "mutate",
                call,
                title,
                probe=probe,
                need={"check": "access-mode", "access_mode": mode},
            ),
        )

    # -- making calls --------------------------------------------------------------------------
    def resolve(self, call: Call) -> Call:
        if not _has_ref(call.params):
            return call
        params = self._resolved(call.region, call.params)
        assert isinstance(params, Mapping)
        return replace(call, params=params)

    def invoke(self, call: Call, idempotency_key: str) -> JSON:
        # None of these calls takes a ClientToken (ModifyClusterNodePool and SetDnsGtmAccessMode
        # set absolute values, so repeating one is harmless): the key is not sent.
        handler = _HANDLERS.get((call.service, call.operation))
        if handler is None:
            raise CallError(f"alicloud: the drill makes no call {call.service}.{call.operation}")
        if _has_ref(call.params):
            raise CallError(f"alicloud: {call.describe()} has unresolved ids")
        try:
            return handler(self, call)
        except CallError:
            raise
        except Exception as exc:  # every SDK, HTTP and credential error becomes a CallError
            raise _call_error(call, exc) from None

    def done(self, op: Op, answer: JSON) -> bool:
        if not isinstance(answer, Mapping):
            return False
        call = op.probe if op.kind == "mutate" and op.probe is not None else op.call
        need = op.need
        if call.operation == "DescribeClusterNodePoolDetail":
            if need.get("check") == "ready" or "nodes" in need:
                status = _map(answer.get("status"))
                return status.get("state") == "active" and _number(
                    status.get("healthy_nodes")
                ) >= int(need.get("nodes", 0))
            return _sizes_match(answer, need)
        if call.operation == "DescribeDnsGtmAccessStrategy":
            # A wait built from the probe alone (no need) is the check after a failover.
            return bool(answer.get("AccessMode") == need.get("access_mode", FAILOVER_MODE))
        return False

    def evaluate(self, op: Op, answer: JSON) -> Evaluation:
        if not isinstance(answer, Mapping):
            return Evaluation(False, f"{op.call.operation}: the answer is not an object")
        if op.call.operation == "DescribeClusterNodePoolDetail":
            return _evaluate_sizes(answer)
        if op.call.operation == "DescribeAvailableResource":
            return _evaluate_offer(op, answer)
        if op.call.operation == "DescribeAccountAttributes":
            return _evaluate_quota(op, answer)
        return Evaluation(False, f"alicloud: no evaluation of {op.call.operation}")

    def close(self) -> None:
        with self._lock:
            self._clients.clear()

    # -- ids -------------------------------------------------------------------------------------
    def _resolved(self, region: str, value: Any) -> Any:
        if isinstance(value, Ref):
            return self._lookup(region, value)
        if isinstance(value, Mapping):
            return {k: self._resolved(region, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._resolved(region, v) for v in value]
        return value

    def _lookup(self, region: str, ref: Ref) -> str:
        key = (ref.kind, region, ref.name)
        with self._lock:
            cached = self._ids.get(key)
        if cached is not None:
            return cached
        finder = _FINDERS.get(ref.kind)
        if finder is None:
            raise CallError(f"alicloud: cannot look up {ref}")
        found = finder(self, region, ref.name)
        with self._lock:
            self._ids[key] = found
        return found

    def _read(self, region: str, service: str, operation: str, params: Mapping[str, Any]) -> Any:
        answer = self.invoke(Call(CLOUD, region, service, operation, params, False), "")
        return _map(answer)

    def _find_cluster(self, region: str, name: str) -> str:
        found: list[str] = []
        page = 1
        while True:
            answer = self._read(
                region,
                "cs",
                "DescribeClustersV1",
                {"name": name, "region_id": region, "page_number": page, "page_size": PAGE_SIZE},
            )
            clusters = [_map(c) for c in answer.get("clusters") or ()]
            found += [
                str(c["cluster_id"])
                for c in clusters
                if c.get("name") == name and c.get("region_id", region) == region
            ]
            total = _number(_map(answer.get("page_info")).get("total_count"))
            if not clusters or page * PAGE_SIZE >= total:
                break
            page += 1
        return _one(found, f"ACK cluster named {name!r} in {region}", "DescribeClustersV1")

    def _find_nodepool(self, region: str, name: str) -> str:
        resource, _, node_pool = name.partition("/")
        cluster_id = self._lookup(region, Ref("ack-cluster-id", resource))
        answer = self._read(
            region,
            "cs",
            "DescribeClusterNodePools",
            {"ClusterId": cluster_id, "NodepoolName": node_pool},
        )
        found = [
            str(info["nodepool_id"])
            for info in (_map(_map(p).get("nodepool_info")) for p in answer.get("nodepools") or ())
            if info.get("name") == node_pool
        ]
        return _one(
            found,
            f"node pool named {node_pool!r} in ACK cluster {resource}",
            "DescribeClusterNodePools",
        )

    def _find_gtm_instance(self, region: str, record: str) -> str:
        # The module names the instance "<dr name>-<cluster>" and gives it public_rr
        # "<record>-gtm": the record (the TrafficRef's source_resource) identifies it.
        rr = f"{record}-gtm"
        found: list[str] = []
        page = 1
        while True:
            answer = self._read(
                region,
                "alidns",
                "DescribeDnsGtmInstances",
                {"PageNumber": page, "PageSize": PAGE_SIZE},
            )
            instances = [_map(i) for i in answer.get("GtmInstances") or ()]
            found += [
                str(i["InstanceId"])
                for i in instances
                if _map(i.get("Config")).get("PublicRr") == rr
            ]
            if not instances or page >= _number(answer.get("TotalPages")):
                break
            page += 1
        return _one(found, f"GTM instance with public_rr {rr!r}", "DescribeDnsGtmInstances")

    def _find_strategy(self, region: str, name: str) -> str:
        record, _, strategy = name.partition("/")
        instance = self._lookup(region, Ref("gtm-instance-id", record))
        found: list[str] = []
        page = 1
        while True:
            answer = self._read(
                region,
                "alidns",
                "DescribeDnsGtmAccessStrategies",
                {
                    "InstanceId": instance,
                    "StrategyMode": STRATEGY_MODE,
                    "PageNumber": page,
                    "PageSize": PAGE_SIZE,
                },
            )
            strategies = [_map(s) for s in _map(answer.get("Strategies")).get("Strategy") or ()]
            found += [str(s["StrategyId"]) for s in strategies if s.get("StrategyName") == strategy]
            if not strategies or page >= _number(answer.get("TotalPages")):
                break
            page += 1
        return _one(
            found,
            f"GTM access strategy {strategy!r} of {record} (instance {instance})",
            "DescribeDnsGtmAccessStrategies",
        )

    # -- SDK clients -------------------------------------------------------------------------------
    def _client(self, kind: type[Any], region: str) -> Any:
        key = (kind.__module__, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = kind(self._config(region))
                self._clients[key] = client
            return client

    def _config(self, region: str) -> Any:
        if self._credential is None:
            self._credential = CredentialClient(provider=_CredentialChain())
        config = Config(
            credential=self._credential,
            region_id=region,
            connect_timeout=CONNECT_TIMEOUT_MS,
            read_timeout=READ_TIMEOUT_MS,
        )
        if self.endpoint:
            parts = urlsplit(self.endpoint if "//" in self.endpoint else f"http://{self.endpoint}")
            config.endpoint = parts.netloc
            config.protocol = parts.scheme or "https"
            if is_loopback(self.endpoint) and config.protocol == "http":
                # The SDK sends plain HTTP through HTTP_PROXY/http_proxy whatever NO_PROXY says.
                # Naming the endpoint itself as the proxy connects straight to it (the request
                # line is then in absolute form, which HTTP/1.1 servers accept), without
                # touching the environment of anything else in the process.
                config.http_proxy = f"http://{parts.netloc}"
        return config

    def _cs(self, region: str) -> Any:
        return self._client(CsClient, region)

    def _ecs(self, region: str) -> Any:
        return self._client(EcsClient, region)

    def _dns(self, region: str) -> Any:
        return self._client(DnsClient, region)


class _CredentialChain:
    """The SDK's default credential chain, with its first link, the ``ALIBABA_CLOUD_ACCESS_KEY_ID``
    / ``_SECRET`` (/ ``ALIBABA_CLOUD_SECURITY_TOKEN``) variables, read at each call: the SDK reads
    them once, when it is imported, so variables set later (a test's, a wrapper's) would be
    ignored and the chain would go on to the ECS metadata service."""

    def __init__(self) -> None:
        self._chain = DefaultCredentialsProvider()

    def _environment(self) -> Any:
        key_id = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
        secret = os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        if not key_id or not secret:
            return None
        return Credentials(
            access_key_id=key_id,
            access_key_secret=secret,
            security_token=os.environ.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None,
            provider_name="env",
        )

    def get_credentials(self) -> Any:
        return self._environment() or self._chain.get_credentials()

    async def get_credentials_async(self) -> Any:
        return self._environment() or await self._chain.get_credentials_async()

    def get_provider_name(self) -> str:
        return "default"  # the credential type the SDK signs with an AccessKey (not bearer)


# -- calls ---------------------------------------------------------------------------------------


def _runtime() -> Any:
    return RuntimeOptions(
        autoretry=False, connect_timeout=CONNECT_TIMEOUT_MS, read_timeout=READ_TIMEOUT_MS
    )


def _body(response: Any) -> JSON:
    body = getattr(response, "body", None)
    return {} if body is None else body.to_map()


def _params(call: Call, *skip: str) -> dict[str, Any]:
    return {k: v for k, v in call.params.items() if k not in skip}


def _describe_clusters(adapter: AlicloudDrill, call: Call) -> JSON:
    request = cs_models.DescribeClustersV1Request().from_map(_params(call))
    return _body(adapter._cs(call.region).describe_clusters_v1with_options(request, {}, _runtime()))


def _describe_nodepools(adapter: AlicloudDrill, call: Call) -> JSON:
    request = cs_models.DescribeClusterNodePoolsRequest().from_map(_params(call, "ClusterId"))
    return _body(
        adapter._cs(call.region).describe_cluster_node_pools_with_options(
            str(call.params["ClusterId"]), request, {}, _runtime()
        )
    )


def _describe_nodepool(adapter: AlicloudDrill, call: Call) -> JSON:
    return _body(
        adapter._cs(call.region).describe_cluster_node_pool_detail_with_options(
            str(call.params["ClusterId"]), str(call.params["NodepoolId"]), {}, _runtime()
        )
    )


def _modify_nodepool(adapter: AlicloudDrill, call: Call) -> JSON:
    request = cs_models.ModifyClusterNodePoolRequest().from_map(
        _params(call, "ClusterId", "NodepoolId")
    )
    return _body(
        adapter._cs(call.region).modify_cluster_node_pool_with_options(
            str(call.params["ClusterId"]),
            str(call.params["NodepoolId"]),
            request,
            {},
            _runtime(),
        )
    )


def _rpc(client: str, request: Any, method: str) -> _Handler:
    """An ECS or Alidns (RPC) action: its request model filled from the call's parameters and
    sent with ``<method>`` of the adapter's client for the call's region (``client``: the
    adapter's ``_ecs`` or ``_dns``)."""

    def handler(adapter: AlicloudDrill, call: Call) -> JSON:
        sdk = getattr(adapter, client)(call.region)
        return _body(getattr(sdk, method)(request().from_map(_params(call)), _runtime()))

    return handler


_HANDLERS: dict[tuple[str, str], _Handler] = {
    ("cs", "DescribeClustersV1"): _describe_clusters,
    ("cs", "DescribeClusterNodePools"): _describe_nodepools,
    ("cs", "DescribeClusterNodePoolDetail"): _describe_nodepool,
    ("cs", "ModifyClusterNodePool"): _modify_nodepool,
    ("ecs", "DescribeAvailableResource"): _rpc(
        "_ecs",
        ecs_models.DescribeAvailableResourceRequest,
        "describe_available_resource_with_options",
    ),
    ("ecs", "DescribeAccountAttributes"): _rpc(
        "_ecs",
        ecs_models.DescribeAccountAttributesRequest,
        "describe_account_attributes_with_options",
    ),
    ("alidns", "DescribeDnsGtmInstances"): _rpc(
        "_dns", dns_models.DescribeDnsGtmInstancesRequest, "describe_dns_gtm_instances_with_options"
    ),
    ("alidns", "DescribeDnsGtmAccessStrategies"): _rpc(
        "_dns",
        dns_models.DescribeDnsGtmAccessStrategiesRequest,
        "describe_dns_gtm_access_strategies_with_options",
    ),
    ("alidns", "DescribeDnsGtmAccessStrategy"): _rpc(
        "_dns",
        dns_models.DescribeDnsGtmAccessStrategyRequest,
        "describe_dns_gtm_access_strategy_with_options",
    ),
    ("alidns", "SetDnsGtmAccessMode"): _rpc(
        "_dns", dns_models.SetDnsGtmAccessModeRequest, "set_dns_gtm_access_mode_with_options"
    ),
}

_FINDERS: dict[str, Callable[[AlicloudDrill, str, str], str]] = {
    "ack-cluster-id": AlicloudDrill._find_cluster,
    "ack-nodepool-id": AlicloudDrill._find_nodepool,
    "gtm-instance-id": AlicloudDrill._find_gtm_instance,
    "gtm-strategy-id": AlicloudDrill._find_strategy,
}


# -- errors --------------------------------------------------------------------------------------


def _call_error(call: Call, exc: BaseException) -> CallError:
    """One line, no secrets; ``retryable`` for throttling, 5xx and connection failures."""
    what = f"alicloud {call.service}.{call.operation}"
    if isinstance(exc, UnretryableException) and getattr(exc, "inner_exception", None):
        exc = exc.inner_exception
    if isinstance(exc, ResponseException):
        code = str(getattr(exc, "code", "") or "")
        status = int(getattr(exc, "status_code", 0) or 0)
        data = getattr(exc, "data", None)
        message = ""
        if isinstance(data, Mapping):
            message = str(data.get("Message") or data.get("message") or "")
        message = message or str(getattr(exc, "message", "") or exc)
        retryable = (
            isinstance(exc, ThrottlingException)
            or code.startswith("Throttling")
            or code in RETRYABLE_CODES
            or status >= 500
        )
        return CallError(_line(f"{what}: {code} (HTTP {status}): {message}"), retryable=retryable)
    if isinstance(exc, CredentialException):
        return CallError(
            f"{what}: no Alibaba Cloud credentials from the SDK's default chain (set "
            "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or a CLI profile)",
            retryable=False,
        )
    if isinstance(exc, RetryError | OSError):  # requests' errors are OSErrors too
        reason = getattr(exc, "message", None) or str(exc)
        return CallError(_line(f"{what}: connection failed: {reason}"), retryable=True)
    if isinstance(exc, ValueError):  # a body that is not JSON (a proxy's error page)
        return CallError(_line(f"{what}: the answer is not JSON: {exc}"), retryable=False)
    return CallError(_line(f"{what}: {type(exc).__name__}: {exc}"), retryable=False)


def _line(text: str, limit: int = 400) -> str:
    for name in _SECRET_VARIABLES:
        secret = os.environ.get(name)
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


# -- answers -------------------------------------------------------------------------------------


def _evaluate_sizes(answer: Mapping[str, Any]) -> Evaluation:
    sizes = _sizes(answer)
    if sizes is None:
        return Evaluation(False, "the node pool detail has no sizes")
    status = _map(answer.get("status"))
    name = _map(answer.get("nodepool_info")).get("name", "node pool")
    return Evaluation(
        True,
        f"{name}: min {sizes['min']}, desired {sizes['desired']}, max {sizes['max']} "
        f"({status.get('state', 'unknown')}, {_number(status.get('healthy_nodes'))} healthy)",
        value=sizes,
    )


def _sizes(answer: Mapping[str, Any]) -> dict[str, int] | None:
    """min/desired/max as ModifyClusterNodePool sets them: auto_scaling min/max when the pool
    autoscales, else the fixed size (ACK ignores min/max then)."""
    scaling = _map(answer.get("auto_scaling"))
    group = _map(answer.get("scaling_group"))
    status = _map(answer.get("status"))
    desired = group.get("desired_size")
    if desired is None:
        desired = status.get("total_nodes")
    if desired is None:
        return None
    if scaling.get("enable"):
        low = scaling.get("min_instances", desired)
        high = scaling.get("max_instances", desired)
        return {"min": int(low), "desired": int(desired), "max": int(high)}
    return {"min": int(desired), "desired": int(desired), "max": int(desired)}


def _sizes_match(answer: Mapping[str, Any], need: Mapping[str, Any]) -> bool:
    """The probe of a scale: the sizes that take effect are the ones asked for."""
    scaling = _map(answer.get("auto_scaling"))
    group = _map(answer.get("scaling_group"))
    desired = group.get("desired_size")
    if scaling.get("enable"):
        return (
            scaling.get("min_instances") == need.get("min")
            and scaling.get("max_instances") == need.get("max")
            and (desired is None or desired == need.get("desired"))
        )
    return desired is not None and desired == need.get("desired")


def _evaluate_offer(op: Op, answer: Mapping[str, Any]) -> Evaluation:
    kind = str(op.need.get("instance_type", op.call.params.get("InstanceType", "")))
    region = str(op.need.get("region", op.call.region))
    stocked: list[str] = []
    short: list[str] = []
    for zone in _items(answer, "AvailableZones", "AvailableZone"):
        name = str(zone.get("ZoneId", "?"))
        for resource in _items(zone, "AvailableResources", "AvailableResource"):
            if resource.get("Type") not in (None, "InstanceType"):
                continue
            for supported in _items(resource, "SupportedResources", "SupportedResource"):
                if supported.get("Value") != kind:
                    continue
                category = str(supported.get("StatusCategory", ""))
                if supported.get("Status") == "Available" and category in WITH_STOCK:
                    stocked.append(name)
                else:
                    short.append(f"{name}: {category or supported.get('Status', '?')}")
    if stocked:
        return Evaluation(True, f"{kind} offered in {region} with stock ({', '.join(stocked)})")
    if short:
        return Evaluation(
            False, f"{kind} offered in {region} but out of stock in every zone ({', '.join(short)})"
        )
    return Evaluation(False, f"{kind} not offered in {region} (DescribeAvailableResource)")


def _evaluate_quota(op: Op, answer: Mapping[str, Any]) -> Evaluation:
    region = str(op.need.get("region", op.call.region))
    kind = str(op.need.get("instance_type", ""))
    nodes = int(op.need.get("nodes", 0))
    vcpus = op.need.get("vcpus")
    values: dict[str, int] = {}
    for item in _items(answer, "AccountAttributeItems", "AccountAttributeItem"):
        for value in _items(item, "AttributeValues", "ValueItem"):
            number = str(value.get("Value", "")).strip()
            if number.isdigit():
                values[str(item.get("AttributeName"))] = int(number)
                break
    if QUOTA_MAX not in values or QUOTA_USED not in values:
        return Evaluation(False, f"the pay-as-you-go vCPU quota of {region} is not reported")
    if not isinstance(vcpus, int) or vcpus <= 0:
        return Evaluation(False, f"vCPUs per {kind} node unknown (not in the catalog)")
    limit, used = values[QUOTA_MAX], values[QUOTA_USED]
    room, need = limit - used, nodes * vcpus
    detail = (
        f"pay-as-you-go vCPUs in {region}: {used} of {limit} used, {room} free; "
        f"{nodes} x {kind} need {need}"
    )
    if room < need:
        return Evaluation(False, f"out of quota: {detail}")
    return Evaluation(True, detail)


# -- helpers -------------------------------------------------------------------------------------


def _pool_ids(pool: PoolRef) -> dict[str, Ref]:
    return {
        "ClusterId": Ref("ack-cluster-id", pool.resource),
        "NodepoolId": Ref("ack-nodepool-id", f"{pool.resource}/{pool.node_pool}"),
    }


def _detail(pool: PoolRef) -> Call:
    return Call(CLOUD, pool.region, "cs", "DescribeClusterNodePoolDetail", _pool_ids(pool), False)


def _pool_key(pool: PoolRef) -> str:
    return f"{pool.cluster}/{pool.node_pool}"  # as the executor keys the pools it snapshots


def _vcpus(pool: PoolRef) -> int | None:
    catalog = default_catalog()
    offer = catalog.offer(CLOUD, pool.instance_type, pool.region) or catalog.any_offer(
        CLOUD, pool.instance_type
    )
    return offer.vcpus if offer is not None else None


def _has_ref(value: Any) -> bool:
    if isinstance(value, Ref):
        return True
    if isinstance(value, Mapping):
        return any(_has_ref(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_ref(v) for v in value)
    return False


def _one(found: list[str], what: str, operation: str) -> str:
    unique = sorted(set(found))
    if not unique:
        raise CallError(f"alicloud: no {what} ({operation} found none)", retryable=False)
    if len(unique) > 1:
        raise CallError(f"alicloud: {len(unique)} {what}s: {', '.join(unique)}", retryable=False)
    return unique[0]


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _items(value: Mapping[str, Any], outer: str, inner: str) -> list[Mapping[str, Any]]:
    """The objects of an RPC list, ``{"Outer": {"Inner": [...]}}``."""
    listed = _map(value.get(outer)).get(inner)
    return [_map(v) for v in listed] if isinstance(listed, list) else []


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
