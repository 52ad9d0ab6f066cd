"""A local AWS API for drills: moto 5.2.5 in-process, with the behaviour a drill reads patched in.

``AwsEndpoint`` serves moto's WSGI application (as ``moto.server.ThreadedMotoServer`` does) on
127.0.0.1 and a free port, so the adapter (``infra/clouds/aws/drill.py``) runs unchanged against
it (``--endpoint aws=http://127.0.0.1:PORT``). moto answers in the services' real shapes (boto3
1.44 parses them: EKS REST-JSON 2017-11-01, EC2 query 2016-11-15, Service Quotas JSON 2019-06-24,
CloudWatch RPCv2-CBOR 2010-08-01, S3 REST-XML 2006-03-01, Route 53 REST-XML 2013-04-01). While
the endpoint runs, what moto 5.2.5 lacks is patched into its backends, in those shapes:

- **EKS node group updates take time.** moto applies ``UpdateNodegroupConfig`` at once. Here a
  node group stays ``UPDATING`` (the answer's update ``InProgress``) for its pool's
  ``boot_seconds * time_factor`` of wall time when the desired size grows (at most
  ``SHRINK_SECONDS * time_factor`` otherwise), then ``ACTIVE``; another update meanwhile is a
  ``ResourceInUseException``, the same ``clientRequestToken`` again answers the same update (EKS
  is idempotent on it), and ``minSize <= desiredSize <= maxSize`` is enforced
  (``InvalidParameterException``). Update params are listed as EKS lists them (``MinSize``,
  ``MaxSize``, ``DesiredSize``).
  https://docs.aws.amazon.com/eks/latest/APIReference/API_UpdateNodegroupConfig.html,
  https://docs.aws.amazon.com/eks/latest/APIReference/API_Update.html
- **Service Quotas for EC2.** moto serves only ``vpc``. ``GetServiceQuota`` with ServiceCode
  ``ec2`` answers the seeded Running On-Demand vCPU quotas (``Quota`` with ``Value``,
  ``UsageMetric``...; an unseeded code is ``NoSuchResourceException``), and CloudWatch serves
  their usage as AWS does: metric ``AWS/Usage`` ``ResourceCount`` with the quota's dimensions
  (moto's own extension point for AWS-published metrics, ``CloudWatchMetricProvider``).
  https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html,
  https://docs.aws.amazon.com/servicequotas/latest/userguide/configure-cloudwatch.html
- **Offerings are a seam.** moto's own instance types and offerings stay; a seeded offer
  (cloud ``aws``) replaces moto's zones for that type in that region (``"zones": []``: not
  offered there).

Every request is counted server-side by (HTTP method, ``"<boto3 service>.<API operation>"``),
the operation found from the request as botocore's service models describe it (``X-Amz-Target``,
``Action=``, RPCv2 paths, or the REST method, path and query): ``calls()`` in-process,
``GET /_infra/calls`` over HTTP (``{"calls": {"POST eks.UpdateNodegroupConfig": 1}}``),
``DELETE /_infra/calls`` resets them. ``POST /_infra/fail`` (``{"operation", "status", "code",
"message", "count"}``) makes the next calls of an operation fail in its protocol's error shape.

Seeded from the neutral seed (``tools/endpoints/seed.py``; the entries of cloud ``aws`` and the
top-level ``stack`` and ``owner``), in the constructor or with ``POST /_infra/seed``: an EKS
cluster per cluster (named by its resource) with a node group per pool (named by ``node_pool``,
the seed's sizes and instance type), each cluster's checkpoint bucket
(``naming.checkpoint_bucket``) with one object under ``checkpoints/``, the Route 53 health
checks of every DNS record (one per cluster of its failover chain, tagged ``Name =
<DR module name>-<cluster>`` like modules/dr-aws/dns.tf), a hosted zone ``<stack>.drill.invalid``
with the module's failover records, the offers and the quotas (the seed's per-instance-type
quotas are summed into their family's quota). A seed replaces all state: moto's backends are
reset (they are process-wide: one ``AwsEndpoint`` runs at a time in a process).

moto does not replicate, and a drill measures a replica's age in simulated time (real seconds
divided by the time factor). With ``checkpoint_every`` (simulated seconds, default 300; the
command line's ``--checkpoint-every``) the endpoint plays the training jobs and their
replication: it rewrites ``checkpoints/seed`` in every seeded bucket that often (at most every
0.2 s of wall time). ``None`` turns it off, for tests that write the objects they read
(``put_checkpoint``).

``python -m tools.endpoints.aws --seed FILE [--time-factor F]`` prints the URL as its first line
and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import copy
import inspect
import io
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import boto3  # type: ignore[import-untyped]
import botocore.session  # type: ignore[import-untyped]
from moto.cloudwatch.models import MetricDatum, MetricDatumBase
from moto.core.common_models import CloudWatchMetricProvider
from moto.core.utils import utcnow
from moto.ec2.models.instance_types import InstanceTypeOfferingBackend
from moto.eks.exceptions import InvalidParameterException, ResourceInUseException
from moto.eks.models import EKSBackend, Nodegroup
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.models import s3_backends
from moto.servicequotas.exceptions import NoSuchResource
from moto.servicequotas.models import ServiceQuotasBackend
from werkzeug.serving import make_server

from infra.clouds.aws import naming
from infra.clouds.aws.drill import (
    CHECKPOINT_PREFIX,
    ON_DEMAND_QUOTAS,
    OnDemandQuota,
    health_check_name,
    quota_of,
    usage_dimensions,
)
from infra.clouds.base import dr_module_name
from tools.endpoints.base import Endpoint, serve_main

__all__ = ["SHRINK_SECONDS", "AwsEndpoint", "main"]

ACCOUNT = "123456789012"  # moto's default account
SHRINK_SECONDS = 60.0  # how long a node group update that adds no nodes takes, before time_factor
_SEED_HEADER = "X-Infra-Seed"  # requests the endpoint makes to seed itself are not counted
_CREDENTIALS = {"aws_access_key_id": "seed", "aws_secret_access_key": "seed"}  # moto ignores them
# Services whose operations are named in the counts (others count as "<signing name>.<path>").
_SERVICES = (
    "eks",
    "ec2",
    "s3",
    "route53",
    "service-quotas",
    "cloudwatch",
    "iam",
    "sts",
    "autoscaling",
)

# The running endpoint: moto's backends are process-wide, so one endpoint runs at a time.
_ACTIVE: list[AwsEndpoint] = []
_ACTIVE_LOCK = threading.Lock()


# -- state ----------------------------------------------------------------------------------------


@dataclass
class _Group:
    """What the endpoint adds to a moto node group: its boot time and its update in flight."""

    boot_seconds: float
    until: float = 0.0  # time.monotonic() when the update in flight completes
    token: str | None = None
    update: dict[str, Any] | None = None


@dataclass
class _Quota:
    quota: OnDemandQuota
    limit: float
    used: float


@dataclass
class _State:
    groups: dict[tuple[str, str, str], _Group] = field(default_factory=dict)  # region, cluster, ng
    quotas: dict[tuple[str, str], _Quota] = field(default_factory=dict)  # region, code
    offers: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # region, type -> zones
    health_checks: dict[str, str] = field(default_factory=dict)  # Name tag -> id
    zones: dict[str, str] = field(default_factory=dict)  # stack -> hosted zone id
    buckets: dict[str, str] = field(default_factory=dict)  # checkpoint bucket -> region


class AwsEndpoint(Endpoint[tuple[str, str]]):
    """The local endpoint (see the module docstring). ``with AwsEndpoint(seed) as api:`` starts
    it on a free loopback port; ``api.url`` is what ``--endpoint aws=`` takes."""

    def __init__(
        self,
        seed: Mapping[str, Any] | None = None,
        time_factor: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
        checkpoint_every: float | None = 300.0,
    ) -> None:
        if time_factor < 0:
            raise ValueError("time_factor must be >= 0")
        self.time_factor = time_factor
        self.checkpoint_every = checkpoint_every
        self._stopping = threading.Event()
        self._writer: threading.Thread | None = None
        self._initial = dict(seed or {})
        super().__init__()  # the lock, the counts and the faults
        self._seeding = threading.Lock()
        self._state = _State()
        self._address = (host, port)
        self._server: _Server | None = None
        self._patches: list[tuple[object, str, object]] = []
        self._operations = _Operations()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> AwsEndpoint:
        if self._server is not None:
            return self
        with _ACTIVE_LOCK:
            if _ACTIVE:
                raise RuntimeError("an AwsEndpoint already runs in this process (moto is global)")
            _ACTIVE.append(self)
        try:
            moto_api_backend.reset()
            self._patch()
            self._server = _Server(self._address, self._application)
            self._server.start()
            self.seed(self._initial)
            if self.checkpoint_every:
                self._stopping.clear()
                self._writer = threading.Thread(
                    target=self._write_checkpoints, name="aws-endpoint-checkpoints", daemon=True
                )
                self._writer.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._writer is not None:
            self._writer.join(timeout=10)
            self._writer = None
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        for owner, name, original in reversed(self._patches):
            setattr(owner, name, original)
        self._patches.clear()
        with _ACTIVE_LOCK:
            if self in _ACTIVE:
                _ACTIVE.remove(self)
                moto_api_backend.reset()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the endpoint is not started")
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    # -- seams -------------------------------------------------------------------------------
    def seed(self, seed: Mapping[str, Any]) -> None:
        """Replace all state by ``seed`` (call counts and pending faults stay)."""
        if self._server is None:
            self._initial = dict(seed)
            return
        with self._seeding:  # not under self._lock: the seed's requests are served meanwhile
            with self._lock:
                moto_api_backend.reset()
                self._state = _State()
            _Seeder(self, seed).run()

    def set_quota(
        self, region: str, code: str, limit: float, used: float = 0, *, name: str | None = None
    ) -> None:
        """Set the Running On-Demand vCPU quota ``code`` of ``region`` and its usage."""
        quota = _quota_by_code(code, name)
        with self._lock:
            self._state.quotas[(region, code)] = _Quota(quota, float(limit), float(used))

    def drop_quota(self, region: str, code: str) -> None:
        """Make the quota unreadable (GetServiceQuota answers NoSuchResourceException)."""
        with self._lock:
            self._state.quotas.pop((region, code), None)

    def set_offer(self, region: str, instance_type: str, zones: Iterable[str]) -> None:
        """Offer ``instance_type`` in exactly these zones of ``region`` (full names or the
        zone letter); no zones: not offered there."""
        full = [z if z.startswith(region) else f"{region}{z}" for z in zones]
        with self._lock:
            self._state.offers[(region, instance_type)] = sorted(full)

    def put_checkpoint(
        self, bucket: str, key: str, when: datetime | None = None, region: str | None = None
    ) -> None:
        """Write an object and set its LastModified (``when``, default now): replication is
        what moto does not do, so tests write the replica's objects themselves."""
        client = self._client("s3", region or "us-east-1")
        client.put_object(Bucket=bucket, Key=key, Body=b"checkpoint")
        if when is not None:
            stored = s3_backends[ACCOUNT]["aws"].get_object(bucket, key)
            if stored is not None:
                stored.last_modified = when.astimezone(UTC).replace(tzinfo=None)

    def _write_checkpoints(self) -> None:
        interval = max(0.2, float(self.checkpoint_every or 0) * self.time_factor)
        clients: dict[str, Any] = {}
        while not self._stopping.wait(interval):
            with self._lock:
                buckets = list(self._state.buckets.items())
            for bucket, region in buckets:
                if region not in clients:
                    clients[region] = self._client("s3", region)
                try:
                    clients[region].put_object(
                        Bucket=bucket, Key=f"{CHECKPOINT_PREFIX}seed", Body=b"checkpoint"
                    )
                except Exception:  # a seed in progress (buckets reset): the next round writes
                    continue

    def health_check_id(self, name: str) -> str:
        """The id of the seeded health check tagged ``Name=name``."""
        with self._lock:
            return self._state.health_checks[name]

    def hosted_zone_id(self, stack: str) -> str:
        """The id of the hosted zone holding ``stack``'s failover records."""
        with self._lock:
            return self._state.zones[stack]

    # -- the WSGI application ------------------------------------------------------------------
    def _application(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        method = str(environ.get("REQUEST_METHOD", "GET"))
        body = _body(environ)
        if path.startswith("/_infra/"):
            return self._infra(method, path, body, start_response)
        if path.startswith("/moto-api"):
            return self._moto(environ, start_response)
        operation, protocol = self._operations.name(environ, body)
        with self._lock:
            if environ.get("HTTP_X_INFRA_SEED") != "1":
                self._count((method, operation))
            fault = self._take_fault(operation)
        if fault is not None:
            return _fault(protocol, *fault, start_response)
        return self._moto(environ, start_response)

    def _moto(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        assert self._server is not None
        return self._server.moto(environ, start_response)

    def _infra(
        self, method: str, path: str, raw: bytes, start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        return _json(start_response, *self._infra_answer(method, path, raw))

    def _call_names(self) -> dict[str, int]:
        return {f"{m} {op}": n for (m, op), n in sorted(self.calls().items())}

    # -- patches ---------------------------------------------------------------------------------
    def _patch(self) -> None:
        endpoint = self
        update = EKSBackend.update_nodegroup_config
        describe = EKSBackend.describe_nodegroup
        get_quota = ServiceQuotasBackend.get_service_quota
        offerings = InstanceTypeOfferingBackend.describe_instance_type_offerings
        update_signature = inspect.signature(update)

        def update_nodegroup_config(backend: EKSBackend, *args: Any, **kwargs: Any) -> Any:
            bound = update_signature.bind(backend, *args, **kwargs)
            bound.apply_defaults()
            cluster, name = bound.arguments["cluster_name"], bound.arguments["nodegroup_name"]
            scaling = bound.arguments.get("scaling_config")
            token = bound.arguments.get("client_request_token")
            with endpoint._lock:
                group = describe(backend, cluster, name)
                state = endpoint._group(backend.region_name, cluster, name)
                now = time.monotonic()
                endpoint._settle(group, state, now)
                if token and token == state.token and state.update is not None:
                    return copy.deepcopy(state.update)  # the same request again: the same update
                if state.until > now:
                    raise ResourceInUseException(
                        clusterName=cluster,
                        nodegroupName=name,
                        addonName=None,
                        message="Nodegroup cannot be updated as it is currently not in Active State",
                    )
                before = dict(group.scaling_config)
                after = {**before, **(scaling or {})}
                _check_sizes(cluster, name, after)
                answer: dict[str, Any] = update(backend, *args, **kwargs)
                if scaling:
                    answer["params"] = [
                        p for p in answer.get("params", []) if p.get("type") != "ScalingConfig"
                    ] + [
                        {"type": label, "value": str(after[key])}
                        for key, label in (
                            ("minSize", "MinSize"),
                            ("maxSize", "MaxSize"),
                            ("desiredSize", "DesiredSize"),
                        )
                        if key in scaling
                    ]
                grows = after.get("desiredSize", 0) > before.get("desiredSize", 0)
                seconds = state.boot_seconds if grows else min(state.boot_seconds, SHRINK_SECONDS)
                state.until = now + seconds * endpoint.time_factor
                state.token = token
                if state.until > now:
                    group.status = "UPDATING"
                    answer["status"] = "InProgress"
                state.update = copy.deepcopy(answer)
                return answer

        def describe_nodegroup(backend: EKSBackend, *args: Any, **kwargs: Any) -> Nodegroup:
            group = describe(backend, *args, **kwargs)
            with endpoint._lock:
                key = (backend.region_name, group.cluster_name, group.nodegroup_name)
                state = endpoint._state.groups.get(key)
                if state is not None:
                    endpoint._settle(group, state, time.monotonic())
            return group

        def get_service_quota(
            backend: ServiceQuotasBackend, service_code: str, quota_code: str
        ) -> dict[str, Any]:
            if service_code != "ec2":
                return get_quota(backend, service_code, quota_code)
            with endpoint._lock:
                seeded = endpoint._state.quotas.get((backend.region_name, quota_code))
            if seeded is None:
                raise NoSuchResource
            return _quota_answer(backend.region_name, seeded)

        def describe_instance_type_offerings(
            backend: InstanceTypeOfferingBackend,
            location_type: str | None = None,
            filters: dict[str, Any] | None = None,
        ) -> list[Any]:
            found = offerings(backend, location_type, filters)
            region = str(getattr(backend, "region_name", ""))
            with endpoint._lock:
                mine = {t: z for (r, t), z in endpoint._state.offers.items() if r == region}
            if not mine or (location_type or "region") not in ("region", "availability-zone"):
                return found
            kept = [o for o in found if o.get("InstanceType") not in mine]
            for kind, zones in sorted(mine.items()):
                entries = (
                    [{"InstanceType": kind, "LocationType": "region", "Location": region}]
                    if location_type in (None, "region") and zones
                    else [
                        {"InstanceType": kind, "LocationType": "availability-zone", "Location": z}
                        for z in zones
                    ]
                )
                kept += [
                    e
                    for e in entries
                    if backend.matches_filters(e, filters or {}, location_type or "region")
                ]
            return kept

        self._replace(EKSBackend, "update_nodegroup_config", update_nodegroup_config)
        self._replace(EKSBackend, "describe_nodegroup", describe_nodegroup)
        self._replace(ServiceQuotasBackend, "get_service_quota", get_service_quota)
        self._replace(
            InstanceTypeOfferingBackend,
            "describe_instance_type_offerings",
            describe_instance_type_offerings,
        )

    def _replace(self, owner: object, name: str, function: object) -> None:
        self._patches.append((owner, name, getattr(owner, name)))
        setattr(owner, name, function)

    def _group(self, region: str, cluster: str, name: str) -> _Group:
        return self._state.groups.setdefault((region, cluster, name), _Group(boot_seconds=0.0))

    def _settle(self, group: Nodegroup, state: _Group, now: float) -> None:
        if state.until <= now:
            if group.status == "UPDATING":
                group.status = "ACTIVE"
            if state.update is not None:
                state.update["status"] = "Successful"

    def _usage(self, region: str) -> list[MetricDatumBase]:
        with self._lock:
            quotas = [q for (r, _), q in self._state.quotas.items() if r == region]
        stamp = utcnow() - timedelta(seconds=30)
        return [
            MetricDatum(
                "AWS/Usage",
                "ResourceCount",
                q.used,
                usage_dimensions(q.quota),
                stamp,
                "None",
            )
            for q in quotas
        ]

    def _client(self, service: str, region: str) -> Any:
        # A session of its own: boto3's default session is not safe across threads.
        client = boto3.session.Session().client(
            service, endpoint_url=self.url, region_name=region, **_CREDENTIALS
        )

        def mark(request: Any, **_: Any) -> None:
            request.headers[_SEED_HEADER] = "1"

        client.meta.events.register("before-sign.*.*", mark)
        return client


class _UsageMetrics(CloudWatchMetricProvider):
    """AWS/Usage ResourceCount of the seeded quotas, published as AWS publishes it."""

    @staticmethod
    def get_cloudwatch_metrics(account_id: str, region: str) -> list[MetricDatumBase]:
        return _ACTIVE[0]._usage(region) if _ACTIVE else []


# -- seeding --------------------------------------------------------------------------------------


class _Seeder:
    """Creates what a seed describes, with boto3 against the running endpoint."""

    def __init__(self, endpoint: AwsEndpoint, seed: Mapping[str, Any]) -> None:
        self.endpoint = endpoint
        self.seed = seed
        self.stack = str(seed.get("stack") or "")
        self.owner = str(seed.get("owner") or "")
        self.state = endpoint._state

    def run(self) -> None:
        for cluster in self.seed.get("clusters", []):
            if cluster.get("cloud") == "aws":
                self.cluster(cluster)
        for offer in self.seed.get("offers", []):
            if offer.get("cloud") == "aws":
                self.endpoint.set_offer(offer["region"], offer["instance_type"], offer["zones"])
        self.quotas([q for q in self.seed.get("quotas", []) if q.get("cloud") == "aws"])
        records = [r for r in self.seed.get("dns", []) if r.get("cloud") == "aws"]
        if records:
            self.dns(records)

    def cluster(self, seed: Mapping[str, Any]) -> None:
        resource, region = str(seed["resource"]), str(seed["region"])
        name = str(seed.get("cluster") or resource.removeprefix(f"{self.stack}-"))
        eks = self.endpoint._client("eks", region)
        subnets = [f"subnet-{resource}-{n}" for n in range(2)]
        eks.create_cluster(
            name=resource,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{resource}-cluster",
            resourcesVpcConfig={"subnetIds": subnets},
            tags={"infra/cluster": resource},
        )
        for pool in seed.get("pools", []):
            node_pool = str(pool["node_pool"])
            eks.create_nodegroup(
                clusterName=resource,
                nodegroupName=node_pool,
                nodeRole=f"arn:aws:iam::{ACCOUNT}:role/{resource}-node",
                subnets=subnets,
                scalingConfig={
                    "minSize": int(pool.get("min", 0)),
                    "maxSize": int(pool.get("max", 1)),
                    "desiredSize": int(pool.get("desired", 0)),
                },
                instanceTypes=[str(pool["instance_type"])],
                capacityType="ON_DEMAND",
                labels={"infra/pool": str(pool.get("pool", ""))},
                tags={"infra/pool": str(pool.get("pool", ""))},
            )
            self.state.groups[(region, resource, node_pool)] = _Group(
                boot_seconds=float(pool.get("boot_seconds", 0))
            )
        if self.stack and self.owner:
            bucket = naming.checkpoint_bucket(self.stack, self.owner, name)
            s3 = self.endpoint._client("s3", region)
            location = {} if region == "us-east-1" else {"LocationConstraint": region}
            s3.create_bucket(
                Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {})
            )
            s3.put_object(Bucket=bucket, Key=f"{CHECKPOINT_PREFIX}seed", Body=b"checkpoint")
            self.state.buckets[bucket] = region

    def quotas(self, entries: list[Mapping[str, Any]]) -> None:
        """The seed's quotas, per instance type or family, summed into their family's quota."""
        totals: dict[tuple[str, str], _Quota] = {}
        for entry in entries:
            quota = _quota_of_entry(entry)
            key = (str(entry["region"]), quota.code)
            total = totals.setdefault(key, _Quota(quota, 0.0, 0.0))
            total.limit += float(entry.get("limit", 0))
            total.used += float(entry.get("used", 0))
        self.state.quotas.update(totals)

    def dns(self, records: list[Mapping[str, Any]]) -> None:
        route53 = self.endpoint._client("route53", "us-east-1")
        zone_name = f"{self.stack or 'infra'}.drill.invalid"
        zone = route53.create_hosted_zone(Name=zone_name, CallerReference=str(uuid.uuid4()))
        zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
        self.state.zones[self.stack] = zone_id
        changes: list[dict[str, Any]] = []
        for record in records:
            region, source = str(record["region"]), str(record["source"])
            resources = {source: str(record["record"]), **record.get("targets", {})}
            chain = list(resources)
            ids = {
                key: self.health_check(route53, region, key, f"{resources[key]}.{zone_name}")
                for key in chain
            }
            changes += _failover_records(
                str(record["record"]), zone_name, zone_id, source, chain, resources, ids
            )
        if changes:
            route53.change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Changes": changes}
            )

    def health_check(self, route53: Any, region: str, cluster: str, fqdn: str) -> str:
        name = health_check_name(self.stack, region, cluster)
        known = self.state.health_checks.get(name)
        if known:
            return known
        check = route53.create_health_check(
            CallerReference=str(uuid.uuid4()),
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": fqdn,
                "Port": 443,
                "ResourcePath": "/healthz",
                "RequestInterval": 30,
                "FailureThreshold": 3,
                "EnableSNI": True,
            },
        )
        check_id = str(check["HealthCheck"]["Id"])
        route53.change_tags_for_resource(
            ResourceType="healthcheck",
            ResourceId=check_id,
            AddTags=[
                {"Key": "Name", "Value": name},
                {"Key": "infra/dr", "Value": dr_module_name(self.stack, region)},
                {"Key": "infra-stack", "Value": self.stack},
                {"Key": "owner", "Value": self.owner},
                {"Key": "managed-by", "Value": "infra"},
            ],
        )
        self.state.health_checks[name] = check_id
        return check_id


def _failover_records(
    record: str,
    zone_name: str,
    zone_id: str,
    source: str,
    chain: list[str],
    resources: Mapping[str, str],
    ids: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The records modules/dr-aws/dns.tf renders for one chain: tier n answers chain[n] while
    healthy, else the next tier (the last tier's secondary is the last target)."""
    changes: list[dict[str, Any]] = []
    tiers = len(chain) - 1
    for n in range(tiers):
        name = f"{record if n == 0 else f'{record}-failover-{n}'}.{zone_name}"
        primary = {
            "Name": name,
            "Type": "CNAME",
            "TTL": 60,
            "SetIdentifier": f"{source}-{n}-primary",
            "Failover": "PRIMARY",
            "HealthCheckId": ids[chain[n]],
            "ResourceRecords": [{"Value": f"{resources[chain[n]]}.{zone_name}"}],
        }
        if n == tiers - 1:
            secondary: dict[str, Any] = {
                "Name": name,
                "Type": "CNAME",
                "TTL": 60,
                "SetIdentifier": f"{source}-{n}-secondary",
                "Failover": "SECONDARY",
                "HealthCheckId": ids[chain[n + 1]],
                "ResourceRecords": [{"Value": f"{resources[chain[n + 1]]}.{zone_name}"}],
            }
        else:
            secondary = {
                "Name": name,
                "Type": "CNAME",
                "SetIdentifier": f"{source}-{n}-secondary",
                "Failover": "SECONDARY",
                "AliasTarget": {
                    "HostedZoneId": zone_id,
                    "DNSName": f"{record}-failover-{n + 1}.{zone_name}",
                    "EvaluateTargetHealth": True,
                },
            }
        changes += [
            {"Action": "CREATE", "ResourceRecordSet": primary},
            {"Action": "CREATE", "ResourceRecordSet": secondary},
        ]
    return changes


# -- quotas ---------------------------------------------------------------------------------------


def _quota_of_entry(entry: Mapping[str, Any]) -> OnDemandQuota:
    """An entry's quota: by ``code``, by ``family`` (a code or a quota name) or by the family
    of its ``instance_type``."""
    for key in ("code", "family"):
        if entry.get(key):
            return _quota_by_code(str(entry[key]))
    kind = str(entry.get("instance_type", ""))
    quota = quota_of(kind)
    if quota is None:
        raise ValueError(f"no On-Demand vCPU quota is known for {kind!r}")
    return quota


def _quota_by_code(code: str, name: str | None = None) -> OnDemandQuota:
    for quota in ON_DEMAND_QUOTAS.values():
        if code in (quota.code, quota.name):
            return quota
    return OnDemandQuota(code, name or code, f"{code}/OnDemand")


def _quota_answer(region: str, seeded: _Quota) -> dict[str, Any]:
    """GetServiceQuota's ``Quota`` (Service Quotas API 2019-06-24, ServiceQuota shape)."""
    quota = seeded.quota
    return {
        "ServiceCode": "ec2",
        "ServiceName": "Amazon Elastic Compute Cloud (Amazon EC2)",
        "QuotaArn": f"arn:aws:servicequotas:{region}:{ACCOUNT}:ec2/{quota.code}",
        "QuotaCode": quota.code,
        "QuotaName": quota.name,
        "Value": seeded.limit,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
        "UsageMetric": {
            "MetricNamespace": "AWS/Usage",
            "MetricName": "ResourceCount",
            "MetricDimensions": {d["Name"]: d["Value"] for d in usage_dimensions(quota)},
            "MetricStatisticRecommendation": "Maximum",
        },
        "QuotaAppliedAtLevel": "ACCOUNT",
    }


def _check_sizes(cluster: str, name: str, sizes: Mapping[str, int]) -> None:
    low, desired, high = (
        sizes.get("minSize", 0),
        sizes.get("desiredSize", 0),
        sizes.get("maxSize", 1),
    )
    if high < 1:
        raise InvalidParameterException(
            clusterName=cluster, nodegroupName=name, message="Maximum capacity must be at least 1"
        )
    if not low <= desired <= high:
        raise InvalidParameterException(
            clusterName=cluster,
            nodegroupName=name,
            message=(
                f"Desired capacity {desired} must be between minimum {low} and maximum {high}"
            ),
        )


# -- requests -------------------------------------------------------------------------------------


class _Operations:
    """The API operation of a request, as botocore's service models name it."""

    def __init__(self) -> None:
        self._by_signing: dict[str, tuple[str, Any, list[_Route]]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, tuple[str, Any, list[_Route]]]:
        with self._lock:
            if self._by_signing is None:
                session = botocore.session.get_session()
                found: dict[str, tuple[str, Any, list[_Route]]] = {}
                for service in _SERVICES:
                    model = session.get_service_model(service)
                    routes = [_Route.of(model.operation_model(op)) for op in model.operation_names]
                    found[model.signing_name] = (service, model, routes)
                self._by_signing = found
            return self._by_signing

    def name(self, environ: Mapping[str, Any], body: bytes) -> tuple[str, str]:
        """(``"<service>.<Operation>"``, protocol) of a request."""
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", "/")) or "/"
        scope = re.search(
            r"Credential=[^/]*/\d{8}/[^/]*/([^/]+)/aws4_request",
            str(environ.get("HTTP_AUTHORIZATION", "")),
        )
        signing = scope.group(1) if scope else "unsigned"
        known = self._load().get(signing)
        if known is None:
            return f"{signing}.{method} {path}", "unknown"
        service, model, routes = known
        protocol = str(model.protocol)
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return f"{service}.{str(target).rsplit('.', 1)[-1]}", protocol
        if path.startswith("/service/") and "/operation/" in path:  # RPCv2 CBOR
            return f"{service}.{path.rsplit('/', 1)[-1]}", protocol
        query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        if protocol in ("query", "ec2"):
            form = parse_qs(body.decode("utf-8", "replace")) if body else {}
            action = (query.get("Action") or form.get("Action") or ["?"])[0]
            return f"{service}.{action}", protocol
        matches = [r for r in routes if r.matches(method, path, query)]
        if not matches:
            return f"{service}.{method} {path}", protocol
        best = max(matches, key=lambda r: (len(r.query), r.literal))
        return f"{service}.{best.operation}", protocol


@dataclass(frozen=True)
class _Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    query: Mapping[str, str | None]
    literal: int

    @staticmethod
    def of(model: Any) -> _Route:
        http = model.http
        path, _, query = str(http.get("requestUri", "/")).partition("?")
        regex = re.sub(
            r"\\\{([^}]+)\\\}",
            lambda m: "(.+)" if m.group(1).endswith("\\+") else "([^/]+)",
            re.escape(path),
        )
        wanted: dict[str, str | None] = {}
        for part in filter(None, query.split("&")):
            key, sep, value = part.partition("=")
            wanted[key] = value if sep else None
        literal = len(re.sub(r"\{[^}]+\}", "", path))
        return _Route(
            model.name,
            str(http.get("method", "POST")),
            re.compile(f"^{regex}/?$"),
            wanted,
            literal,
        )

    def matches(self, method: str, path: str, query: Mapping[str, list[str]]) -> bool:
        if method != self.method or not self.pattern.match(path):
            return False
        return all(
            key in query and (value is None or value in query[key])
            for key, value in self.query.items()
        )


def _body(environ: dict[str, Any]) -> bytes:
    """The request body, left readable for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    data: bytes = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(data)
    return data


def _json(start_response: Callable[..., Any], status: int, body: Any) -> Iterator[bytes]:
    data = json.dumps(body).encode("utf-8")
    start_response(
        f"{status} {'OK' if status < 400 else 'Error'}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    yield data


def _fault(
    protocol: str, status: int, code: str, message: str, start_response: Callable[..., Any]
) -> Iterator[bytes]:
    """An error answer in the protocol's shape (botocore's parsers read these)."""
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id)]
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers += [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            f"</Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    elif protocol in ("query", "rest-xml"):
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    else:  # RPCv2 CBOR and unknown protocols: the status alone (botocore: an HTTP error)
        body = b""
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} Error", headers)
    yield body


class _Handler(MotoRequestHandler):
    disable_nagle_algorithm = True  # 40 ms to 2 ms a call on loopback

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # not a line per request


class _Server(ThreadedMotoServer):
    """moto's ThreadedMotoServer with the endpoint's WSGI application in front of moto's."""

    def __init__(
        self,
        address: tuple[str, int],
        application: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]],
    ) -> None:
        super().__init__(address[0], address[1], verbose=False)
        self._application = application
        self._moto = DomainDispatcherApplication(create_backend_app)

    def moto(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self._moto(environ, start_response)  # type: ignore[no-any-return]

    def _server_entry(self) -> None:
        self._server = make_server(
            self._ip_address,
            self._port,
            self._application,
            threaded=True,
            request_handler=_Handler,
        )
        self._server_ready_event.set()
        self._server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--checkpoint-every",
            type=float,
            default=300.0,
            help="rewrite each seeded checkpoint every this many simulated seconds (0: never)",
        )

    return serve_main(
        "python -m tools.endpoints.aws",
        __doc__,
        lambda seed, args: AwsEndpoint(
            seed, args.time_factor, args.host, args.port, args.checkpoint_every or None
        ),
        argv,
        options,
    )


if __name__ == "__main__":
    sys.exit(main())
