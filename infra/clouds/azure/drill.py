"""The Azure drill adapter: AKS agent pools, compute SKUs and quotas, Traffic Manager endpoints.

Calls, as the official SDKs spell them (REST API versions are the installed SDKs' defaults;
tools/endpoints/azure.py serves the same ones locally):

- ``containerservice.agent_pools.get`` / ``agent_pools.begin_create_or_update``
  (azure-mgmt-containerservice, Microsoft.ContainerService 2026-08-01). A standby pool runs the
  cluster autoscaler (``Azure.scale_pool_command``), so scaling sets ``minCount``, ``maxCount``,
  ``enableAutoScaling`` and ``count`` (the current size AKS starts the autoscaler from). The
  update is a PUT of the whole pool: :meth:`AzureDrill.invoke` reads the pool, changes those
  properties and puts it back with its ``eTag`` (``If-Match``), without waiting for the
  long-running operation (``polling=False``); ``wait`` ops poll ``agent_pools.get``.
- ``compute.resource_skus.list(filter="location eq '<region>'")`` (Microsoft.Compute
  2021-07-01) and ``compute.usage.list(location)`` (2026-04-01): pre-checks. The answers keep only
  the pool's SKU and the quotas it draws on (its family, the regional ``cores``).
- ``trafficmanager.endpoints.get`` / ``endpoints.update`` (PATCH; Microsoft.Network 2026-09-01)
  on the profile modules/dr-azure renders for the failed cluster's record
  (``traffic_manager_names``).

The blob data plane is not among these SDKs: ``replica_age`` is None (manual approval with the
runbook's command).

Credentials: ``DefaultAzureCredential`` against the cloud; against a loopback endpoint
(``--endpoint azure=http://127.0.0.1:PORT``) a fixed local token the local server ignores, with
``enforce_https`` off in the bearer-token policy (the SDKs refuse to send a token over plain
HTTP otherwise). No credential or token is ever returned, logged or put in an error message.
The SDKs' own retries are off: the executor retries retryable :class:`CallError` s with backoff.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import requests
from azure.core import MatchConditions
from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.transport import RequestsTransport
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.containerservice import ContainerServiceClient
from azure.mgmt.containerservice import models as aks_models
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy
from azure.mgmt.trafficmanager import TrafficManagerManagementClient
from azure.mgmt.trafficmanager import models as tm_models

from infra.clouds.azure import naming
from infra.clouds.azure.cloud import traffic_manager_names, traffic_manager_weights
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

__all__ = ["LOCAL_SUBSCRIPTION", "AzureDrill", "LocalTokenCredential"]

CLOUD = "azure"
LOCAL_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
ARM_SCOPE = "https://management.azure.com/.default"
SUBSCRIPTION_VARIABLES = ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID")
ENDPOINT_TYPE = "ExternalEndpoints"  # modules/dr-azure: azurerm_traffic_manager_external_endpoint

# Nodes of a GPU pool take ~15 min to boot; allow three times that before the wait gives up.
POOL_READY_TIMEOUT_S = 45 * 60.0
POOL_READY_INTERVAL_S = 10.0
SCALE_TIMEOUT_S = 10 * 60.0  # the PUT is accepted at once; its probe only reads min/max
TRAFFIC_TIMEOUT_S = 5 * 60.0
PROBE_INTERVAL_S = 5.0
SKU_CACHE_SECONDS = 300.0  # a region's SKU list is megabytes: read it once per drill phase

# Connection and read timeouts (s): invoke never blocks for long.
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60

# Statuses worth another try: timeout, conflict with an operation in progress (AKS answers 409
# OperationNotAllowed while the pool or cluster is updating), eTag changed under us (412: the
# next try reads the pool again), throttling, server errors.
_RETRYABLE_STATUS = {408, 409, 412, 429}
_MESSAGE_MAX = 300

T = TypeVar("T")


class LocalTokenCredential:
    """A fixed bearer token for a local endpoint, which does not check it."""

    TOKEN = "infra-drill-local-token"  # not a secret: local endpoints ignore it

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        return AccessToken(self.TOKEN, int(time.time()) + 3600)


class _LocalAuthPolicy(ARMChallengeAuthenticationPolicy):
    """The ARM bearer-token policy with ``enforce_https`` off on every request, for a loopback
    endpoint over plain HTTP (azure-core checks the option per request)."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        request.context.options["enforce_https"] = False
        super().on_request(request)


@dataclass(frozen=True, slots=True)
class _Clients:
    containerservice: ContainerServiceClient
    compute: ComputeManagementClient
    trafficmanager: TrafficManagerManagementClient
    credential: TokenCredential

    def close(self) -> None:
        for client in (self.containerservice, self.compute, self.trafficmanager):
            client.close()
        close = getattr(self.credential, "close", None)  # DefaultAzureCredential's sessions
        if callable(close):
            close()


def subscription_id(endpoint: str | None) -> str:
    """The subscription the drill acts in: ``AZURE_SUBSCRIPTION_ID``, else
    ``ARM_SUBSCRIPTION_ID``; a fixed one against a loopback endpoint."""
    for name in SUBSCRIPTION_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    if is_loopback(endpoint):
        return LOCAL_SUBSCRIPTION
    raise CallError(
        "no Azure subscription: set AZURE_SUBSCRIPTION_ID or ARM_SUBSCRIPTION_ID", retryable=False
    )


class AzureDrill(DrillAdapter):
    """Azure's drill calls (see the module docstring)."""

    cloud = CLOUD

    def __init__(self, endpoint: str | None = None) -> None:
        super().__init__(endpoint)
        self._lock = threading.Lock()
        self._clients: _Clients | None = None
        self._skus: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    # -- clients -----------------------------------------------------------------------------
    @property
    def clients(self) -> _Clients:
        """The SDK clients, made on first use (a dry run makes none)."""
        with self._lock:
            if self._clients is None:
                self._clients = self._make_clients()
            return self._clients

    def _make_clients(self) -> _Clients:
        subscription = subscription_id(self.endpoint)
        local = is_loopback(self.endpoint)
        credential: TokenCredential
        if local:
            credential = LocalTokenCredential()
        else:
            from azure.identity import DefaultAzureCredential  # noqa: PLC0415 - only for the cloud

            credential = DefaultAzureCredential()

        def options() -> dict[str, Any]:
            kwargs: dict[str, Any] = {
                "retry_total": 0,  # the executor retries, with backoff and a journal
                "connection_timeout": CONNECT_TIMEOUT_S,
                "read_timeout": READ_TIMEOUT_S,
            }
            if self.endpoint:
                kwargs["base_url"] = self.endpoint.rstrip("/")
            if local:
                kwargs["authentication_policy"] = _LocalAuthPolicy(credential, ARM_SCOPE)
                # A loopback endpoint is reached directly, whatever HTTP(S)_PROXY says.
                session = requests.Session()
                session.trust_env = False
                kwargs["transport"] = RequestsTransport(
                    session=session,
                    session_owner=True,
                    connection_timeout=CONNECT_TIMEOUT_S,
                    read_timeout=READ_TIMEOUT_S,
                )
            return kwargs

        return _Clients(
            ContainerServiceClient(credential, subscription, **options()),
            ComputeManagementClient(credential, subscription, **options()),
            TrafficManagerManagementClient(credential, subscription, **options()),
            credential,
        )

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, None
        if clients is not None:
            clients.close()

    # -- the calls of each step --------------------------------------------------------------
    def scale(self, pool: PoolRef, min_nodes: int, desired: int, max_nodes: int) -> tuple[Op, ...]:
        ids = _pool_ids(pool)
        properties = {
            "enableAutoScaling": True,
            "minCount": min_nodes,
            "maxCount": max_nodes,
            "count": desired,
        }
        return (
            Op(
                kind="mutate",
                call=Call(
                    CLOUD,
                    pool.region,
                    "containerservice",
                    "agent_pools.begin_create_or_update",
                    {**ids, "properties": properties},
                    mutating=True,
                ),
                title=(
                    f"set AKS pool {pool.node_pool} of {pool.resource} to min {min_nodes}, "
                    f"max {max_nodes} (autoscaler, {desired} nodes now)"
                ),
                probe=_pool_get(pool),
                timeout_s=SCALE_TIMEOUT_S,
                interval_s=PROBE_INTERVAL_S,
                need={
                    "pool": pool.node_pool,
                    "properties": {
                        "enableAutoScaling": True,
                        "minCount": min_nodes,
                        "maxCount": max_nodes,
                    },
                },
            ),
        )

    def pool_size(self, pool: PoolRef) -> Op:
        return Op(
            kind="read",
            call=_pool_get(pool),
            title=f"read the size of AKS pool {pool.node_pool} of {pool.resource}",
        )

    def pool_ready(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        return (
            Op(
                kind="wait",
                call=_pool_get(pool),
                title=f"wait for AKS pool {pool.node_pool} of {pool.resource}: {nodes} nodes, Succeeded",
                timeout_s=POOL_READY_TIMEOUT_S,
                interval_s=POOL_READY_INTERVAL_S,
                need={"pool": pool.node_pool, "nodes": nodes},
            ),
        )

    def prechecks(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        where = f"{pool.region}/{pool.instance_type}"
        base = {
            "pool": pool.node_pool,
            "sku": pool.instance_type,
            "location": pool.region,
            "nodes": nodes,
        }
        return (
            Op(
                kind="precheck",
                call=Call(
                    CLOUD,
                    pool.region,
                    "compute",
                    "resource_skus.list",
                    {"filter": f"location eq '{pool.region}'", "sku": pool.instance_type},
                    mutating=False,
                ),
                title=f"{pool.instance_type} is offered in {pool.region}",
                need={**base, "check": "offered"},
            ),
            Op(
                kind="precheck",
                call=Call(
                    CLOUD,
                    pool.region,
                    "compute",
                    "usage.list",
                    {
                        "location": pool.region,
                        "family": Ref("azure-sku-family", where),
                        "vcpus": Ref("azure-sku-vcpus", where),
                    },
                    mutating=False,
                ),
                title=f"vCPU quota in {pool.region} has room for {nodes} {pool.instance_type}",
                need={**base, "check": "quota"},
            ),
        )

    def replica_age(self, replica: ReplicaRef) -> Op | None:
        return None  # blob data plane: not in this adapter's SDKs (manual approval)

    def traffic(
        self, ref: TrafficRef, weights: Mapping[str, int], failover: bool
    ) -> tuple[Op, ...]:
        group, profile = traffic_manager_names(ref.stack, ref.source)
        changes: list[tuple[str, dict[str, Any]]]
        if failover:
            changes = [
                (t, {"endpointStatus": "Enabled", "weight": w})
                for t, w in traffic_manager_weights(weights).items()
            ]
            changes.append((ref.source, {"endpointStatus": "Disabled"}))
        else:
            # Back to what Terraform renders: every endpoint Enabled, the source first by
            # priority, so re-enabling the source alone brings its traffic back and keeps
            # health-based failover to the targets (disabling them would drift from the code).
            changes = [(ref.source, {"endpointStatus": "Enabled"})]
        ops = []
        for name, properties in changes:
            ids = {
                "resource_group_name": group,
                "profile_name": profile,
                "endpoint_type": ENDPOINT_TYPE,
                "endpoint_name": name,
            }
            shown = ", ".join(f"{k} {v}" for k, v in properties.items())
            ops.append(
                Op(
                    kind="mutate",
                    call=Call(
                        CLOUD,
                        ref.home_region,
                        "trafficmanager",
                        "endpoints.update",
                        {**ids, "properties": properties},
                        mutating=True,
                    ),
                    title=f"Traffic Manager {profile}: endpoint {name} {shown}",
                    probe=Call(
                        CLOUD, ref.home_region, "trafficmanager", "endpoints.get", ids, False
                    ),
                    timeout_s=TRAFFIC_TIMEOUT_S,
                    interval_s=PROBE_INTERVAL_S,
                    need={"endpoint": name, "properties": properties},
                )
            )
        return tuple(ops)

    # -- making calls ------------------------------------------------------------------------
    def resolve(self, call: Call) -> Call:
        refs = {k: v for k, v in call.params.items() if isinstance(v, Ref)}
        if not refs:
            return call
        params = dict(call.params)
        for key, ref in refs.items():
            location, _, sku_name = ref.name.partition("/")
            lookup = Call(CLOUD, location, "compute", "resource_skus.list", {}, False)
            skus = _guard(lookup, functools.partial(self._sku_list, location))
            sku = _find_sku(skus, sku_name, location)
            if ref.kind == "azure-sku-family":
                params[key] = None if sku is None else sku.get("family")
            elif ref.kind == "azure-sku-vcpus":
                params[key] = None if sku is None else _vcpus(sku)
            else:
                raise CallError(f"azure: no way to resolve {ref}")
        return Call(call.cloud, call.region, call.service, call.operation, params, call.mutating)

    def invoke(self, call: Call, idempotency_key: str) -> JSON:
        handler = self._handlers().get((call.service, call.operation))
        if handler is None:
            raise CallError(f"azure: no call {call.service}.{call.operation}")
        if any(isinstance(v, Ref) for v in call.params.values()):
            raise CallError(f"azure: {call.service}.{call.operation} has unresolved references")
        # ARM has no idempotency token (PUT and PATCH are idempotent); the key travels as the
        # client request id, which ARM logs, to match the journal with the activity log.
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"infra-drill:{idempotency_key}"))
        return _guard(call, lambda: handler(call.params, request_id))

    def _handlers(self) -> dict[tuple[str, str], Callable[[Mapping[str, Any], str], JSON]]:
        return {
            ("containerservice", "agent_pools.get"): self._pool_get,
            ("containerservice", "agent_pools.begin_create_or_update"): self._pool_put,
            ("compute", "resource_skus.list"): self._skus_list,
            ("compute", "usage.list"): self._usage_list,
            ("trafficmanager", "endpoints.get"): self._endpoint_get,
            ("trafficmanager", "endpoints.update"): self._endpoint_update,
        }

    def _pool_get(self, params: Mapping[str, Any], request_id: str) -> JSON:
        pool = self.clients.containerservice.agent_pools.get(
            params["resource_group_name"],
            params["resource_name"],
            params["agent_pool_name"],
            request_id=request_id,
        )
        return _plain(pool.as_dict())

    def _pool_put(self, params: Mapping[str, Any], request_id: str) -> JSON:
        pools = self.clients.containerservice.agent_pools
        ids = (params["resource_group_name"], params["resource_name"], params["agent_pool_name"])
        # A PUT replaces the pool: send what is there with only the scaling properties changed
        # (as `az aks nodepool update` does); read-only properties are left out by the SDK.
        current = pools.get(*ids)
        body = current.as_dict()
        body.setdefault("properties", {}).update(params["properties"])
        etag = current.properties.e_tag if current.properties is not None else None
        poller = pools.begin_create_or_update(
            *ids,
            aks_models.AgentPool(body),
            etag=etag,
            match_condition=MatchConditions.IfNotModified if etag else None,
            polling=False,  # accepted is enough: wait ops poll agent_pools.get
            request_id=request_id,
        )
        return _plain(poller.result().as_dict())

    def _sku_list(self, location: str) -> list[dict[str, Any]]:
        """Every virtual machine SKU of ``location`` (cached for a few minutes)."""
        key = location.lower()
        now = time.monotonic()
        with self._lock:
            cached = self._skus.get(key)
        if cached is not None and now - cached[0] < SKU_CACHE_SECONDS:
            return cached[1]
        skus = [
            _plain(s.as_dict())
            for s in self.clients.compute.resource_skus.list(filter=f"location eq '{location}'")
            if (s.resource_type or "").lower() == "virtualmachines"
        ]
        with self._lock:
            self._skus[key] = (now, skus)
        return skus

    def _skus_list(self, params: Mapping[str, Any], request_id: str) -> JSON:
        location = _location_of(params["filter"])
        wanted = str(params.get("sku") or "").lower()
        with self._lock:
            self._skus.pop(location.lower(), None)  # a pre-check reads afresh
        skus = self._sku_list(location)
        # Only the SKU asked about: the journal need not hold the whole region's list.
        return [s for s in skus if not wanted or str(s.get("name", "")).lower() == wanted]

    def _usage_list(self, params: Mapping[str, Any], request_id: str) -> JSON:
        family = params.get("family")
        keep = {"cores", str(family).lower()} if family else {"cores"}
        usages = [
            _plain(u.as_dict())
            for u in self.clients.compute.usage.list(params["location"], request_id=request_id)
            if str((u.name.value if u.name else "") or "").lower() in keep
        ]
        return {"family": family, "vcpus": params.get("vcpus"), "usages": usages}

    def _endpoint_get(self, params: Mapping[str, Any], request_id: str) -> JSON:
        endpoint = self.clients.trafficmanager.endpoints.get(
            params["resource_group_name"],
            params["profile_name"],
            params["endpoint_type"],
            params["endpoint_name"],
            request_id=request_id,
        )
        return _plain(endpoint.as_dict())

    def _endpoint_update(self, params: Mapping[str, Any], request_id: str) -> JSON:
        endpoint = self.clients.trafficmanager.endpoints.update(
            params["resource_group_name"],
            params["profile_name"],
            params["endpoint_type"],
            params["endpoint_name"],
            tm_models.Endpoint({"properties": dict(params["properties"])}),  # PATCH: the changes
            request_id=request_id,
        )
        return _plain(endpoint.as_dict())

    # -- reading answers ---------------------------------------------------------------------
    def done(self, op: Op, answer: JSON) -> bool:
        operation = (op.probe or op.call).operation if op.kind == "mutate" else op.call.operation
        properties = _properties(answer)
        if operation in ("agent_pools.get", "agent_pools.begin_create_or_update"):
            state = str(properties.get("provisioningState") or "")
            if "nodes" in op.need:
                if state in ("Failed", "Canceled"):
                    # Waiting longer cannot help: the pool's last operation ended so.
                    raise CallError(
                        f"azure AKS pool {op.need.get('pool')}: provisioning {state} "
                        f"at {_int(properties.get('count'))} of {op.need['nodes']} nodes"
                    )
                return state == "Succeeded" and _int(properties.get("count")) >= int(
                    op.need["nodes"]
                )
            return _matches(properties, op.need.get("properties"))
        if operation in ("endpoints.get", "endpoints.update"):
            return _matches(properties, op.need.get("properties"))
        raise CallError(f"azure: no condition for {op.call.service}.{operation}")

    def evaluate(self, op: Op, answer: JSON) -> Evaluation:
        operation = op.call.operation
        if operation == "agent_pools.get":
            properties = _properties(answer)
            count = _int(properties.get("count"))
            if properties.get("enableAutoScaling"):
                size = {
                    "min": _int(properties.get("minCount")),
                    "desired": count,
                    "max": _int(properties.get("maxCount"), count),
                }
            else:
                size = {"min": count, "desired": count, "max": count}
            state = properties.get("provisioningState")
            return Evaluation(
                True,
                f"AKS pool {op.call.params['agent_pool_name']}: min {size['min']}, "
                f"{size['desired']} nodes, max {size['max']} ({state})",
                size,
            )
        if operation == "resource_skus.list":
            return _evaluate_sku(op, answer)
        if operation == "usage.list":
            return _evaluate_usage(op, answer)
        raise CallError(f"azure: no evaluation for {op.call.service}.{operation}")


# -- calls ------------------------------------------------------------------------------------


def _pool_ids(pool: PoolRef) -> dict[str, str]:
    return {
        "resource_group_name": naming.resource_group(pool.resource),
        "resource_name": pool.resource,
        "agent_pool_name": pool.node_pool,
    }


def _pool_get(pool: PoolRef) -> Call:
    return Call(CLOUD, pool.region, "containerservice", "agent_pools.get", _pool_ids(pool), False)


_LOCATION = re.compile(r"location\s+eq\s+'([^']+)'", re.IGNORECASE)


def _location_of(filter_: str) -> str:
    match = _LOCATION.search(filter_)
    if match is None:
        raise CallError(f"azure: resource_skus.list needs a location filter, not {filter_!r}")
    return match.group(1)


# -- answers ----------------------------------------------------------------------------------


def _evaluate_sku(op: Op, answer: JSON) -> Evaluation:
    name, location = str(op.need["sku"]), str(op.need["location"])
    sku = _find_sku(answer if isinstance(answer, list) else [], name, location)
    if sku is None:
        return Evaluation(False, f"{name} is not offered in {location} (no such SKU there)")
    zones: set[str] = set()
    for info in sku.get("locationInfo") or []:
        if str(info.get("location", "")).lower() == location.lower():
            zones.update(str(z) for z in info.get("zones") or [])
    restricted: set[str] = set()
    for restriction in sku.get("restrictions") or []:
        reason = restriction.get("reasonCode") or "restricted"
        info = restriction.get("restrictionInfo") or {}
        kind = str(restriction.get("type", "")).lower()
        if kind == "location" and location.lower() in _lower(
            restriction.get("values") or info.get("locations") or []
        ):
            return Evaluation(False, f"{name} is not available in {location} ({reason})")
        if kind == "zone":
            restricted.update(str(z) for z in info.get("zones") or [])
    offered = sorted(zones - restricted)
    if zones and not offered:
        return Evaluation(
            False, f"{name} is restricted in every zone of {location} ({', '.join(sorted(zones))})"
        )
    where = f"zones {', '.join(offered)}" if offered else "no zones"
    note = f"; restricted in zones {', '.join(sorted(restricted & zones))}" if restricted else ""
    return Evaluation(True, f"{name} offered in {location} ({where}{note})", offered)


def _evaluate_usage(op: Op, answer: JSON) -> Evaluation:
    name, location, nodes = str(op.need["sku"]), str(op.need["location"]), int(op.need["nodes"])
    data = answer if isinstance(answer, Mapping) else {}
    family, vcpus = data.get("family"), data.get("vcpus")
    if not family or not vcpus:
        return Evaluation(
            False, f"no quota family for {name} in {location}: the SKU is not offered there"
        )
    need = nodes * int(vcpus)
    usages = {
        str((u.get("name") or {}).get("value", "")).lower(): u for u in data.get("usages") or []
    }
    found: list[str] = []
    ok = True
    for key, label in ((str(family).lower(), str(family)), ("cores", "regional total")):
        usage = usages.get(key)
        if usage is None:
            if key != "cores":
                return Evaluation(False, f"{label}: no quota in {location} (needs {need} vCPUs)")
            continue
        used, limit = _int(usage.get("currentValue")), _int(usage.get("limit"))
        found.append(f"{label}: {used} of {limit} vCPUs used, needs {need}")
        ok = ok and limit - used >= need
    return Evaluation(ok, "; ".join(found) + ("" if ok else " (not enough quota)"), need)


def _find_sku(skus: Iterable[Any], name: str, location: str) -> dict[str, Any] | None:
    for sku in skus:
        if not isinstance(sku, Mapping) or str(sku.get("name", "")).lower() != name.lower():
            continue
        if location.lower() in _lower(sku.get("locations") or []):
            return dict(sku)
    return None


def _vcpus(sku: Mapping[str, Any]) -> int | None:
    for capability in sku.get("capabilities") or []:
        if str(capability.get("name", "")).lower() == "vcpus":
            try:
                return int(str(capability.get("value")))
            except ValueError:
                return None
    return None


def _properties(answer: JSON) -> dict[str, Any]:
    if isinstance(answer, Mapping):
        properties = answer.get("properties")
        if isinstance(properties, Mapping):
            return dict(properties)
    return {}


def _matches(properties: Mapping[str, Any], need: Any) -> bool:
    """Every needed property is set (enum-like strings compared without case, as ARM does)."""
    if not isinstance(need, Mapping) or not need:
        return False
    for key, value in need.items():
        have = properties.get(key)
        if isinstance(value, str) and isinstance(have, str):
            if have.lower() != value.lower():
                return False
        elif have != value:
            return False
    return True


def _lower(values: Iterable[Any]) -> set[str]:
    return {str(v).lower() for v in values}


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _plain(value: Any) -> Any:
    """JSON-able data: enums as their values, datetimes as ISO strings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


# -- errors -----------------------------------------------------------------------------------


def _guard(call: Call, action: Callable[[], T]) -> T:
    """``action()`` with every SDK or connection error as a one-line :class:`CallError`."""
    try:
        return action()
    except CallError:
        raise
    except HttpResponseError as exc:
        raise _http_error(call, exc) from None
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise CallError(
            f"{_what(call)}: connection failed: {_one_line(exc)}", retryable=True
        ) from None
    except AzureError as exc:
        raise CallError(f"{_what(call)}: {_one_line(exc)}") from None
    except requests.RequestException as exc:
        raise CallError(
            f"{_what(call)}: connection failed: {type(exc).__name__}", retryable=True
        ) from None


def _what(call: Call) -> str:
    return f"azure {call.service}.{call.operation}"


def _http_error(call: Call, exc: HttpResponseError) -> CallError:
    status = exc.status_code or 0
    code = ""
    message = ""
    error = getattr(exc, "error", None)
    if error is not None:
        code = str(getattr(error, "code", "") or "")
        message = str(getattr(error, "message", "") or "")
    if not message:
        message = str(exc.reason or exc.message or "")
    text = f"{_what(call)}: HTTP {status}{' ' + code if code else ''}: {message}"
    return CallError(_one_line(text), retryable=status in _RETRYABLE_STATUS or status >= 500)


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _MESSAGE_MAX else text[: _MESSAGE_MAX - 3] + "..."
