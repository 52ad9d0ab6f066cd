"""The AWS drill adapter: EKS node groups, EC2 offerings and quotas, S3 replicas, Route 53.

Every call is a :class:`~infra.drill.api.Call` spelled as boto3 spells it (client name, method,
keyword arguments), made by :meth:`AwsDrill.invoke` with one boto3 session (the usual credential
chain: environment, shared files, SSO, instance or container roles; nothing is read, written or
logged here) and one client per (service, region). Clients retry at most once themselves
(``retries={"total_max_attempts": 2, "mode": "standard"}``: two attempts in all; botocore's
``max_attempts`` would not count the first) with short timeouts:
the executor owns retries and backoff. The APIs and the shapes read here:

- EKS ``UpdateNodegroupConfig`` / ``DescribeNodegroup`` (``scalingConfig``, ``status``,
  ``health.issues``): https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateNodegroupConfig.html,
  https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html
- EC2 ``DescribeInstanceTypeOfferings`` / ``DescribeInstanceTypes`` (``VCpuInfo.DefaultVCpus``):
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html
- Service Quotas ``GetServiceQuota`` (ServiceCode ``ec2``, the On-Demand vCPU quota of the
  instance's family, see ``ON_DEMAND_QUOTAS``) and its usage metric in CloudWatch (namespace
  ``AWS/Usage``, ``ResourceCount``, statistic ``Maximum``, as the quota's ``UsageMetric`` names
  it): https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html,
  https://docs.aws.amazon.com/servicequotas/latest/userguide/configure-cloudwatch.html
- S3 ``ListObjectsV2`` (followed through ``NextContinuationToken``):
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
- Route 53 ``UpdateHealthCheck`` (``Inverted``), ``GetHealthCheck``, ``ListHealthChecks`` and
  ``ListTagsForResources`` (at most 10 ids a call):
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html,
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListTagsForResources.html
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore import exceptions as botocore_errors  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]

from infra.catalog import default_catalog
from infra.clouds.aws import naming
from infra.clouds.base import dr_module_name
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
)

__all__ = [
    "CHECKPOINT_PREFIX",
    "ON_DEMAND_QUOTAS",
    "AwsDrill",
    "OnDemandQuota",
    "health_check_name",
    "quota_of",
]

# Where training jobs write checkpoints in the checkpoint bucket: the runbook reads the same
# prefix (Aws.replica_age_command). modules/dr-aws replicates the whole bucket
# (replication_prefix ""), and the replica is the target cluster's own checkpoint bucket.
CHECKPOINT_PREFIX = "checkpoints/"
# A checkpoint bucket may hold many objects: ListObjectsV2 answers 1000 a page. Past this many
# pages the newest object is not established (the evaluation says so) and invoke stays short.
MAX_LIST_PAGES = 100
# Route 53 ListTagsForResources takes at most 10 resource ids a call.
_TAG_BATCH = 10
# How far back the quota's usage metric is read (AWS/Usage publishes a datapoint a minute).
USAGE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class OnDemandQuota:
    """An EC2 Running On-Demand vCPU quota (Service Quotas, ServiceCode ``ec2``)."""

    code: str
    name: str
    usage_class: str  # the ``Class`` dimension of its AWS/Usage ResourceCount metric


# The Running On-Demand instance quotas, in vCPUs per Region, by the letters an instance type's
# family starts with. EC2 User Guide, "Amazon EC2 service quotas" / On-Demand Instance quotas
# (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html); the codes and
# usage dimensions as Service Quotas answers them (ListServiceQuotas/GetServiceQuota, e.g. the
# AWS CLI example for L-1216C47A in
# https://docs.aws.amazon.com/cli/latest/userguide/cli_service-quotas_code_examples.html).
# Trn and HPC have quotas too (L-2C3B7624, L-F7808C92) but their usage dimension is not confirmed
# here, and the catalog offers neither: such types fail the quota pre-check with that reason.
_STANDARD = OnDemandQuota(
    "L-1216C47A",
    "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
    "Standard/OnDemand",
)
_P = OnDemandQuota("L-417A185B", "Running On-Demand P instances", "P/OnDemand")
_G = OnDemandQuota("L-DB2E81BA", "Running On-Demand G and VT instances", "G/OnDemand")
ON_DEMAND_QUOTAS: Mapping[str, OnDemandQuota] = {
    **dict.fromkeys(("a", "c", "d", "h", "i", "im", "is", "m", "r", "t", "z"), _STANDARD),
    "p": _P,
    **dict.fromkeys(("g", "gr", "vt"), _G),
    "f": OnDemandQuota("L-74FC7D96", "Running On-Demand F instances", "F/OnDemand"),
    "inf": OnDemandQuota("L-1945791B", "Running On-Demand Inf instances", "Inf/OnDemand"),
    "x": OnDemandQuota("L-7295265B", "Running On-Demand X instances", "X/OnDemand"),
    "dl": OnDemandQuota("L-6E869C2A", "Running On-Demand DL instances", "DL/OnDemand"),
    "u": OnDemandQuota("L-43DA4232", "Running On-Demand High Memory instances", "HighMem/OnDemand"),
}
_FAMILY = re.compile(r"([a-z]+)")


def quota_of(instance_type: str) -> OnDemandQuota | None:
    """The On-Demand vCPU quota ``instance_type`` counts against (``p5.48xlarge``: P)."""
    found = _FAMILY.match(instance_type.lower())
    return ON_DEMAND_QUOTAS.get(found.group(1)) if found else None


def usage_dimensions(quota: OnDemandQuota) -> list[dict[str, str]]:
    """The dimensions of the quota's AWS/Usage ResourceCount metric (its ``UsageMetric``)."""
    return [
        {"Name": "Service", "Value": "EC2"},
        {"Name": "Type", "Value": "Resource"},
        {"Name": "Resource", "Value": "vCPU"},
        {"Name": "Class", "Value": quota.usage_class},
    ]


def health_check_name(stack: str, region: str, cluster: str) -> str:
    """The Name tag modules/dr-aws gives the health check of ``cluster`` in the DR call of
    ``region`` (dns.tf: ``"${var.name}-${each.key}"``, keys are cluster names)."""
    return f"{dr_module_name(stack, region)}-{cluster}"


# Error codes that mean "slow down" or "try again" (plus every 5xx and 429).
_RETRYABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "PriorRequestNotComplete",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServerException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# Operations whose ResourceInUseException means "an update is running, try later" (EKS refuses
# a node group update while the last one is in progress).
_BUSY_RETRYABLE = frozenset({("eks", "update_nodegroup_config")})
# Where the executor's idempotency key goes.
_TOKENS = {("eks", "update_nodegroup_config"): "clientRequestToken"}
# Reads a quota pre-check answers from even when AWS refuses them (the evaluation says the
# quota cannot be read) rather than failing the call.
_SOFT = frozenset(
    {("service-quotas", "get_service_quota"), ("cloudwatch", "get_metric_statistics")}
)


class AwsDrill(DrillAdapter):
    """Drill calls for EKS, EC2, Service Quotas, CloudWatch, S3 and Route 53 (see the module
    docstring). ``endpoint`` (``--endpoint aws=URL``) is used for every service."""

    cloud = "aws"

    def __init__(self, endpoint: str | None = None) -> None:
        super().__init__(endpoint)
        self._session = boto3.session.Session()
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._health_checks: dict[str, list[str]] | None = None  # Name tag -> ids
        # What earlier pre-checks of a pool found, for the quota-room check that needs them all
        # (the executor runs a step's pre-checks in order, on this adapter).
        self._facts: dict[tuple[str, ...], JSON] = {}
        config: dict[str, Any] = {
            "retries": {"total_max_attempts": 2, "mode": "standard"},
            "connect_timeout": 5,
            "read_timeout": 20,
            "user_agent_extra": "infra-drill",
        }
        if endpoint:
            config["s3"] = {"addressing_style": "path"}  # a local endpoint has no bucket DNS
        self._config = Config(**config)

    # -- the calls of each step ----------------------------------------------------------------
    def scale(self, pool: PoolRef, min_nodes: int, desired: int, max_nodes: int) -> tuple[Op, ...]:
        sizes = {"minSize": min_nodes, "maxSize": max_nodes, "desiredSize": desired}
        call = self._call(
            pool.region,
            "eks",
            "update_nodegroup_config",
            {"clusterName": pool.resource, "nodegroupName": pool.node_pool, "scalingConfig": sizes},
            mutating=True,
        )
        return (
            Op(
                "mutate",
                call,
                f"scale {pool.node_pool} to {desired} nodes (min {min_nodes}, max {max_nodes})",
                probe=self._describe(pool),
                need={"pool": pool.node_pool, "scalingConfig": sizes},
            ),
        )

    def pool_size(self, pool: PoolRef) -> Op:
        return Op(
            "read", self._describe(pool), f"read the sizes of {pool.node_pool}", need=_pool(pool)
        )

    def pool_ready(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        """Wait until EKS reports the node group ``ACTIVE`` with ``desiredSize >= nodes`` and no
        health issues.

        What this proves: EKS finished the configuration update and handed the new sizes to the
        group's Auto Scaling group, and EKS sees nothing wrong with it (``health.issues`` lists
        failed launches, such as ``AsgInstanceLaunchFailures`` or ``InsufficientFreeAddresses``,
        once the Auto Scaling group reports them). What it does not prove: that the instances
        launched, joined the cluster, are ``Ready`` or have their GPUs allocatable. EKS returns
        to ``ACTIVE`` as soon as the update is applied, while the instances still boot; Kubernetes
        readiness is what the runbook's ``kubectl wait --for=condition=Ready node -l
        eks.amazonaws.com/nodegroup=<node group>`` line checks, and the drill leaves that to it.
        """
        offer = default_catalog().any_offer("aws", pool.instance_type)
        boot = (offer.boot_minutes if offer else 15) * 60
        return (
            Op(
                "wait",
                self._describe(pool),
                f"wait for {pool.node_pool} to be ACTIVE with {nodes} nodes",
                timeout_s=float(max(1800, 2 * boot)),
                interval_s=30.0,  # the interval of the AWS CLI's `eks wait nodegroup-active`
                need={"pool": pool.node_pool, "nodes": nodes},
            ),
        )

    def prechecks(self, pool: PoolRef, nodes: int) -> tuple[Op, ...]:
        """Four reads, in this order: the type is offered in zones of the region; its vCPUs;
        the On-Demand vCPU quota of its family is readable and at least what ``nodes`` need;
        the quota's usage leaves room for them. The last one uses what the two before it found
        (the executor runs them in order on this adapter), falling back to the catalog's vCPUs.
        """
        region, kind = pool.region, pool.instance_type
        offer = default_catalog().any_offer("aws", kind)
        catalog_vcpus = offer.vcpus if offer else None
        base = {"pool": pool.node_pool, "instance_type": kind, "region": region, "nodes": nodes}
        ops = [
            Op(
                "precheck",
                self._call(
                    region,
                    "ec2",
                    "describe_instance_type_offerings",
                    {
                        "LocationType": "availability-zone",
                        # One type: at most one offering per zone, far below a page (1000).
                        "Filters": [{"Name": "instance-type", "Values": [kind]}],
                    },
                ),
                f"{kind} is offered in {region}",
                need={**base, "check": "offered"},
            ),
            Op(
                "precheck",
                self._call(region, "ec2", "describe_instance_types", {"InstanceTypes": [kind]}),
                f"vCPUs of {kind} in {region}",
                need={**base, "check": "vcpus", "catalog_vcpus": catalog_vcpus},
            ),
        ]
        quota = quota_of(kind)
        if quota is None:
            # No call can tell: the check is decided here, on an offerings read.
            ops.append(
                Op(
                    "precheck",
                    ops[0].call,
                    f"On-Demand vCPU quota of {kind} in {region}",
                    need={**base, "check": "quota", "unknown_family": True},
                )
            )
            return tuple(ops)
        quota_need = {
            **base,
            "catalog_vcpus": catalog_vcpus,
            "quota_code": quota.code,
            "quota_name": quota.name,
        }
        ops.append(
            Op(
                "precheck",
                self._call(
                    region,
                    "service-quotas",
                    "get_service_quota",
                    {"ServiceCode": "ec2", "QuotaCode": quota.code},
                ),
                f"{quota.name} quota ({quota.code}) in {region} fits {nodes} x {kind}",
                need={**quota_need, "check": "quota"},
            )
        )
        ops.append(
            Op(
                "precheck",
                self._call(
                    region,
                    "cloudwatch",
                    "get_metric_statistics",
                    {
                        "Namespace": "AWS/Usage",
                        "MetricName": "ResourceCount",
                        "Dimensions": usage_dimensions(quota),
                        "StartTime": Ref("clock", f"now-{int(USAGE_WINDOW.total_seconds())}s"),
                        "EndTime": Ref("clock", "now"),
                        "Period": 60,
                        "Statistics": ["Maximum"],
                    },
                ),
                f"room in {quota.code} in {region} for {nodes} more {kind}",
                need={**quota_need, "check": "quota-room"},
            )
        )
        return tuple(ops)

    def replica_age(self, replica: ReplicaRef) -> Op | None:
        """The newest object under ``CHECKPOINT_PREFIX`` in the target's checkpoint bucket,
        where modules/dr-aws replicates the source's bucket (replication.tf: destination_bucket
        is the target's ``checkpoint_bucket_name``, dr_inputs.py). The target writes its own
        checkpoints there too, under the same prefix: the newest object may be its own."""
        bucket = naming.checkpoint_bucket(replica.stack, replica.owner, replica.target)
        return Op(
            "read",
            self._call(
                replica.region,
                "s3",
                "list_objects_v2",
                {"Bucket": bucket, "Prefix": CHECKPOINT_PREFIX},
            ),
            f"newest checkpoint of {replica.source} in s3://{bucket}/{CHECKPOINT_PREFIX}",
            need={"bucket": bucket, "prefix": CHECKPOINT_PREFIX, "region": replica.region},
        )

    def traffic(
        self, ref: TrafficRef, weights: Mapping[str, int], failover: bool
    ) -> tuple[Op, ...]:
        """Invert the source's Route 53 health check (``failover``) or restore it.

        modules/dr-aws answers the record with its first target (the source) while that
        target's health check passes, then with the next tier: an inverted check is unhealthy,
        so the name moves to the next healthy target in failover order. Failover records answer
        one target at a time: weights over several targets cannot be split."""
        name = health_check_name(ref.stack, ref.region, ref.source)
        health_check = Ref("route53-health-check", name)
        order = [t for t in ref.targets if t in weights] or list(ref.targets)
        where = f"to {order[0]}" if failover and order else f"back to {ref.source}"
        verb = "invert" if failover else "restore"
        return (
            Op(
                "mutate",
                self._call(
                    ref.region,
                    "route53",
                    "update_health_check",
                    {"HealthCheckId": health_check, "Inverted": failover},
                    mutating=True,
                ),
                f"{verb} the health check of {ref.source} ({name}): {ref.source_resource} {where}",
                probe=self._call(
                    ref.region, "route53", "get_health_check", {"HealthCheckId": health_check}
                ),
                need={"health_check": name, "Inverted": failover},
            ),
        )

    # -- making calls --------------------------------------------------------------------------
    def resolve(self, call: Call) -> Call:
        if not _has_ref(call.params):
            return call
        return replace(call, params=self._resolved(call, call.params))

    def invoke(self, call: Call, idempotency_key: str) -> JSON:
        name = f"{call.service}.{call.operation}"
        if _has_ref(call.params):
            raise CallError(f"{name}: called with unresolved references (resolve it first)")
        params = dict(call.params)
        token = _TOKENS.get((call.service, call.operation))
        if token:
            params[token] = idempotency_key
        client = self._client(call.service, call.region)
        try:
            if (call.service, call.operation) == ("s3", "list_objects_v2"):
                return _newest_of_pages(client, params)
            answer = getattr(client, call.operation)(**params)
        except botocore_errors.ClientError as exc:
            error = _error(name, exc, (call.service, call.operation) in _BUSY_RETRYABLE)
            if (call.service, call.operation) in _SOFT and not error.retryable:
                code, message = _code_message(exc)
                return {"Error": {"Code": code, "Message": message}}
            raise error from None
        except Exception as exc:  # botocore's own: connections, credentials, parameters
            raise _boto_error(name, exc) from None
        return _jsonable(answer)

    def done(self, op: Op, answer: JSON) -> bool:
        """By what ``op.need`` asks, so that a probe works as a wait op too (the verify step's):
        ``Inverted`` (a GetHealthCheck answer), ``scalingConfig`` or ``nodes`` (a
        DescribeNodegroup answer)."""
        need = op.need
        if "Inverted" in need:
            config = _dig(answer, "HealthCheck", "HealthCheckConfig")
            return isinstance(config, Mapping) and config.get("Inverted") is need["Inverted"]
        found = _scaling(answer)
        if found is None:
            return False
        if "scalingConfig" in need:
            return found == dict(need["scalingConfig"])
        if "nodes" in need:
            group = _dig(answer, "nodegroup")
            return (
                isinstance(group, Mapping)
                and group.get("status") == "ACTIVE"
                and found["desiredSize"] >= int(need["nodes"])
                and not _dig(group, "health", "issues")
            )
        return False

    def evaluate(self, op: Op, answer: JSON) -> Evaluation:
        check = str(op.need.get("check", ""))
        operation = op.call.operation
        try:
            if operation == "describe_nodegroup":
                return _sizes(op, answer)
            if operation == "list_objects_v2":
                return _replica(op, answer)
            if check == "offered":  # the first of a pool's pre-checks: start afresh
                self._forget(str(op.need["region"]), str(op.need["instance_type"]))
                return _offered(op, answer)
            if check == "vcpus":
                return self._vcpus(op, answer)
            if check == "quota" and op.need.get("unknown_family"):
                kind = op.need.get("instance_type")
                return Evaluation(
                    False,
                    f"no On-Demand vCPU quota is known for the family of {kind} "
                    "(infra/clouds/aws/drill.py ON_DEMAND_QUOTAS)",
                )
            if check == "quota":
                return self._quota(op, answer)
            if check == "quota-room":
                return self._room(op, answer)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return Evaluation(False, f"{op.call.service}.{operation}: unexpected answer ({exc!r})")
        return Evaluation(False, f"aws: nothing evaluates {op.call.service}.{operation}")

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    # -- helpers -------------------------------------------------------------------------------
    def _call(
        self,
        region: str,
        service: str,
        operation: str,
        params: Mapping[str, JSON],
        mutating: bool = False,
    ) -> Call:
        return Call("aws", region, service, operation, params, mutating)

    def _describe(self, pool: PoolRef) -> Call:
        return self._call(
            pool.region,
            "eks",
            "describe_nodegroup",
            {"clusterName": pool.resource, "nodegroupName": pool.node_pool},
        )

    def _client(self, service: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                client = self._session.client(
                    service, region_name=region, endpoint_url=self.endpoint, config=self._config
                )
                self._clients[(service, region)] = client
            return client

    def _resolved(self, call: Call, value: JSON) -> JSON:
        if isinstance(value, Ref):
            return self._lookup(call, value)
        if isinstance(value, Mapping):
            return {k: self._resolved(call, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._resolved(call, v) for v in value]
        return value

    def _lookup(self, call: Call, ref: Ref) -> JSON:
        if ref.kind == "clock":  # "now" or "now-<seconds>s": a window read when the call is made
            found = re.fullmatch(r"now(?:-(\d+)s)?", ref.name)
            if not found:
                raise CallError(f"aws: cannot read the time {ref.name!r}")
            back = timedelta(seconds=int(found.group(1) or 0))
            return (datetime.now(UTC) - back).isoformat()
        if ref.kind == "route53-health-check":
            ids = self._health_check_ids(call.region).get(ref.name)
            if not ids:  # created since the last listing? look once more
                self._health_checks = None
                ids = self._health_check_ids(call.region).get(ref.name)
            if not ids:
                raise CallError(f"route53: no health check is tagged Name={ref.name}")
            if len(ids) > 1:
                raise CallError(
                    f"route53: {len(ids)} health checks are tagged Name={ref.name} "
                    f"({', '.join(sorted(ids))}): cannot tell which one the record uses"
                )
            return ids[0]
        raise CallError(f"aws: cannot resolve {ref}")

    def _health_check_ids(self, region: str) -> dict[str, list[str]]:
        """Name tag -> ids of every health check of the account, listed once per drill."""
        if self._health_checks is not None:
            return self._health_checks
        client = self._client("route53", region)
        try:
            ids = [
                check["Id"]
                for page in client.get_paginator("list_health_checks").paginate()
                for check in page.get("HealthChecks", [])
            ]
            names: dict[str, list[str]] = {}
            for start in range(0, len(ids), _TAG_BATCH):
                answer = client.list_tags_for_resources(
                    ResourceType="healthcheck", ResourceIds=ids[start : start + _TAG_BATCH]
                )
                for tag_set in answer.get("ResourceTagSets", []):
                    for tag in tag_set.get("Tags", []):
                        if tag.get("Key") == "Name":
                            names.setdefault(tag["Value"], []).append(tag_set["ResourceId"])
        except botocore_errors.ClientError as exc:
            raise _error("route53.list_health_checks", exc) from None
        except Exception as exc:
            raise _boto_error("route53.list_health_checks", exc) from None
        self._health_checks = names
        return names

    def _forget(self, region: str, kind: str) -> None:
        quota = quota_of(kind)
        with self._lock:
            self._facts.pop(("vcpus", region, kind), None)
            if quota is not None:
                self._facts.pop(("quota", region, quota.code), None)

    def _vcpus(self, op: Op, answer: JSON) -> Evaluation:
        kind = str(op.need["instance_type"])
        types = _dig(answer, "InstanceTypes") or []
        vcpus = next(
            (
                int(t["VCpuInfo"]["DefaultVCpus"])
                for t in types
                if isinstance(t, Mapping) and t.get("InstanceType") == kind
            ),
            None,
        )
        with self._lock:
            if vcpus is None:
                self._facts.pop(("vcpus", str(op.need["region"]), kind), None)
            else:
                self._facts[("vcpus", str(op.need["region"]), kind)] = vcpus
        if vcpus is None:
            return Evaluation(False, f"EC2 does not describe {kind} in {op.need['region']}")
        catalog = op.need.get("catalog_vcpus")
        note = "" if catalog in (None, vcpus) else f" (the catalog says {catalog})"
        return Evaluation(True, f"{kind} has {vcpus} vCPUs{note}", vcpus)

    def _needed(self, op: Op) -> tuple[int | None, str]:
        """vCPUs the new nodes need, and how that was worked out."""
        kind, region, nodes = op.need["instance_type"], op.need["region"], int(op.need["nodes"])
        with self._lock:
            vcpus = self._facts.get(("vcpus", str(region), str(kind)))
        if vcpus is None:
            vcpus = op.need.get("catalog_vcpus")
        if not isinstance(vcpus, int):
            return None, f"{nodes} x {kind} (vCPUs unknown)"
        return nodes * vcpus, f"{nodes} x {kind} need {nodes * vcpus} vCPUs"

    def _quota(self, op: Op, answer: JSON) -> Evaluation:
        code, name, region = op.need["quota_code"], op.need["quota_name"], op.need["region"]
        label = f"{name} ({code}) in {region}"
        error = _dig(answer, "Error")
        value = _dig(answer, "Quota", "Value")
        if isinstance(error, Mapping) or not isinstance(value, int | float):
            with self._lock:  # what the room check compares with: nothing
                self._facts.pop(("quota", str(region), str(code)), None)
            reason = (
                f"{error.get('Code')}: {error.get('Message')}"
                if isinstance(error, Mapping)
                else _quota_error_reason(answer)
            )
            return Evaluation(False, f"quota {label} cannot be read: {reason}")
        limit = int(value)
        with self._lock:
            self._facts[("quota", str(region), str(code))] = limit
        needed, how = self._needed(op)
        if needed is None:
            return Evaluation(False, f"quota {label} is {limit} vCPUs; {how}", limit)
        ok = limit >= needed
        return Evaluation(
            ok, f"quota {label} is {limit} vCPUs{'' if ok else ', too small'}: {how}", limit
        )

    def _room(self, op: Op, answer: JSON) -> Evaluation:
        code, region = op.need["quota_code"], op.need["region"]
        error = _dig(answer, "Error")
        if isinstance(error, Mapping):
            return Evaluation(
                False,
                f"usage of quota {code} in {region} cannot be read: "
                f"{error.get('Code')}: {error.get('Message')}",
            )
        points = _dig(answer, "Datapoints") or []
        maxima = [float(p["Maximum"]) for p in points if isinstance(p, Mapping) and "Maximum" in p]
        # No datapoint in the window: nothing of the family ran (AWS/Usage publishes while the
        # resource is in use).
        used = int(max(maxima)) if maxima else 0
        with self._lock:
            limit = self._facts.get(("quota", str(region), str(code)))
        needed, how = self._needed(op)
        if not isinstance(limit, int):
            return Evaluation(
                False,
                f"{used} vCPUs of quota {code} in use in {region}, but the quota was not read",
                used,
            )
        if needed is None:
            return Evaluation(False, f"{used} of {limit} vCPUs of {code} in use; {how}", used)
        free = limit - used
        ok = free >= needed
        return Evaluation(
            ok,
            f"quota {code} in {region}: {used} of {limit} vCPUs in use, {free} free; {how}"
            + ("" if ok else f" ({needed - free} short)"),
            used,
        )


# -- evaluations without state -----------------------------------------------------------------


def _pool(pool: PoolRef) -> dict[str, JSON]:
    return {"pool": pool.node_pool, "cluster": pool.resource, "region": pool.region}


def _sizes(op: Op, answer: JSON) -> Evaluation:
    found = _scaling(answer)
    if found is None:
        return Evaluation(False, f"{op.need.get('pool')}: the answer has no scalingConfig")
    status = _dig(answer, "nodegroup", "status")
    value = {"min": found["minSize"], "desired": found["desiredSize"], "max": found["maxSize"]}
    return Evaluation(
        True,
        f"{op.need.get('pool')}: min {value['min']}, desired {value['desired']}, "
        f"max {value['max']} ({status})",
        value,
    )


def _offered(op: Op, answer: JSON) -> Evaluation:
    kind, region = op.need["instance_type"], op.need["region"]
    offerings = _dig(answer, "InstanceTypeOfferings") or []
    zones = sorted(
        {
            str(o["Location"])
            for o in offerings
            if isinstance(o, Mapping) and o.get("InstanceType") == kind
        }
    )
    if not zones:
        return Evaluation(False, f"{kind} is not offered in any zone of {region}", [])
    return Evaluation(True, f"{kind} offered in {region} ({', '.join(zones)})", zones)


def _replica(op: Op, answer: JSON) -> Evaluation:
    where = f"s3://{op.need['bucket']}/{op.need['prefix']} ({op.need['region']})"
    if isinstance(answer, Mapping) and answer.get("IsTruncated"):
        return Evaluation(
            False,
            f"more than {answer.get('KeyCount')} objects under {where}: "
            "the newest checkpoint is not established",
        )
    contents = _dig(answer, "Contents") or []
    times = [
        (str(o["LastModified"]), str(o.get("Key", "")))
        for o in contents
        if isinstance(o, Mapping) and o.get("LastModified")
    ]
    if not times:
        return Evaluation(False, f"no checkpoint under {where}", None)
    newest, key = max(times, key=lambda t: _parse(t[0]))
    count = answer.get("KeyCount", len(contents)) if isinstance(answer, Mapping) else len(times)
    return Evaluation(True, f"newest of {count} objects under {where}: {key} at {newest}", newest)


def _quota_error_reason(answer: JSON) -> str:
    reason = _dig(answer, "Quota", "ErrorReason")
    if isinstance(reason, Mapping):
        return f"{reason.get('ErrorCode')}: {reason.get('ErrorMessage')}"
    return "the answer has no quota value"


# -- answers and errors ------------------------------------------------------------------------


def _newest_of_pages(client: Any, params: Mapping[str, Any]) -> JSON:
    """ListObjectsV2 through every page (up to ``MAX_LIST_PAGES``), answered in its own shape
    with only the newest object in ``Contents``: the drill reads one time, not every key."""
    request = dict(params)
    count = pages = 0
    newest: dict[str, Any] | None = None
    truncated = False
    while True:
        page = client.list_objects_v2(**request)
        pages += 1
        for item in page.get("Contents", []):
            count += 1
            if newest is None or item["LastModified"] > newest["LastModified"]:
                newest = item
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            break
        if pages >= MAX_LIST_PAGES:
            truncated = True
            break
        request["ContinuationToken"] = token
    answer: dict[str, Any] = {
        "Name": params.get("Bucket"),
        "Prefix": params.get("Prefix", ""),
        "KeyCount": count,
        "IsTruncated": truncated,
        "Pages": pages,
        "Contents": [newest] if newest else [],
    }
    return _jsonable(answer)


def _jsonable(value: Any) -> JSON:
    """An SDK answer as JSON data: datetimes as ISO strings, ResponseMetadata dropped."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _code_message(exc: botocore_errors.ClientError) -> tuple[str, str]:
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    message = " ".join(str(error.get("Message") or "").split()) or "no message"
    return code, message[:300]


def _error(name: str, exc: botocore_errors.ClientError, busy_retryable: bool = False) -> CallError:
    code, message = _code_message(exc)
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    retryable = (
        code in _RETRYABLE_CODES
        or code.startswith("Throttl")
        or status >= 500
        or status == 429
        or (busy_retryable and code == "ResourceInUseException")
    )
    return CallError(f"{name}: {code}: {message}", retryable=retryable)


def _boto_error(name: str, exc: Exception) -> CallError:
    # ConnectionClosedError and ReadTimeoutError are HTTPClientErrors; EndpointConnectionError
    # and ConnectTimeoutError are botocore ConnectionErrors.
    if isinstance(exc, botocore_errors.HTTPClientError | botocore_errors.ConnectionError):
        return CallError(f"{name}: connection failed: {type(exc).__name__}", retryable=True)
    if isinstance(exc, botocore_errors.NoCredentialsError):
        return CallError(f"{name}: no AWS credentials found (boto3's credential chain)")
    if isinstance(exc, botocore_errors.ParamValidationError):
        return CallError(f"{name}: invalid parameters: {' '.join(str(exc).split())[:300]}")
    if isinstance(exc, botocore_errors.BotoCoreError):
        return CallError(f"{name}: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
    raise exc


def _has_ref(value: JSON) -> bool:
    if isinstance(value, Ref):
        return True
    if isinstance(value, Mapping):
        return any(_has_ref(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_ref(v) for v in value)
    return False


def _dig(value: JSON, *keys: str) -> JSON:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _scaling(answer: JSON) -> dict[str, int] | None:
    config = _dig(answer, "nodegroup", "scalingConfig")
    if not isinstance(config, Mapping):
        return None
    try:
        return {k: int(config[k]) for k in ("minSize", "maxSize", "desiredSize")}
    except (KeyError, TypeError, ValueError):
        return None


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
