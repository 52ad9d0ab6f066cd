"""The AWS drill adapter against the local AWS endpoint (moto, patched): tools/endpoints/aws.py."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("moto.server", reason="moto[server] is not installed")
pytest.importorskip("boto3", reason="boto3 is not installed")

import boto3  # type: ignore[import-untyped]
import jmespath  # type: ignore[import-untyped]

from infra.clouds import CLOUDS
from infra.clouds.aws import naming
from infra.clouds.aws.drill import (
    CHECKPOINT_PREFIX,
    AwsDrill,
    health_check_name,
    quota_of,
)
from infra.drill.api import Call, CallError, Op, PoolRef, ReplicaRef, TrafficRef
from tools.endpoints.aws import AwsEndpoint

ROOT = Path(__file__).resolve().parents[2]
STACK, OWNER = "llm-train", "aml-infra"
TIME_FACTOR = 0.001  # p5.48xlarge boots in 960 s: 0.96 s here
SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIADRILLTEST0000001",
    "AWS_SECRET_ACCESS_KEY": "drill-secret-never-echoed-0123456789",
    "AWS_SESSION_TOKEN": "drill-session-token-never-echoed",
}
P_QUOTA = "L-417A185B"
AWS = CLOUDS["aws"]


def _pool(cluster: str, region: str, pool: str, instance_type: str) -> PoolRef:
    resource = AWS.resource_name(STACK, cluster)
    return PoolRef(
        stack=STACK,
        owner=OWNER,
        cluster=cluster,
        resource=resource,
        region=region,
        pool=pool,
        node_pool=AWS.node_pool_name(resource, pool),
        instance_type=instance_type,
    )


STANDBY = _pool("aws-usw2", "us-west-2", "standby-h100", "p5.48xlarge")
SEED: dict[str, Any] = {
    "stack": STACK,
    "owner": OWNER,
    "clusters": [
        {
            "cloud": "aws",
            "cluster": "aws-use1",
            "resource": "llm-train-aws-use1",
            "region": "us-east-1",
            "pools": [
                {
                    "pool": "h100",
                    "node_pool": "llm-train-aws-use1-h100",
                    "instance_type": "p5.48xlarge",
                    "min": 32,
                    "desired": 32,
                    "max": 32,
                    "boot_seconds": 960,
                    "vcpus": 192,
                }
            ],
        },
        {
            "cloud": "aws",
            "cluster": "aws-usw2",
            "resource": "llm-train-aws-usw2",
            "region": "us-west-2",
            "pools": [
                {
                    "pool": "standby-h100",
                    "node_pool": STANDBY.node_pool,
                    "instance_type": "p5.48xlarge",
                    "min": 0,
                    "desired": 0,
                    "max": 32,
                    "boot_seconds": 960,
                    "vcpus": 192,
                },
                {
                    "pool": "system",
                    "node_pool": "llm-train-aws-usw2-system",
                    "instance_type": "m7i.2xlarge",
                    "min": 2,
                    "desired": 2,
                    "max": 2,
                    "boot_seconds": 360,
                    "vcpus": 8,
                },
            ],
        },
        {"cloud": "azure", "cluster": "az-eus", "resource": "llm-train-az-eus", "pools": []},
    ],
    "dns": [
        {
            "cloud": "aws",
            "record": "llm-train-aws-use1",
            "source": "aws-use1",
            "region": "us-east-1",
            "home_region": "us-east-1",
            "targets": {"aws-usw2": "llm-train-aws-usw2", "az-eus": "llm-train-az-eus"},
        },
        {
            "cloud": "aws",
            "record": "llm-train-aws-usw2",
            "source": "aws-usw2",
            "region": "us-west-2",
            "home_region": "us-east-1",
            "targets": {"aws-use1": "llm-train-aws-use1"},
        },
    ],
    "offers": [
        {
            "cloud": "aws",
            "region": "us-west-2",
            "instance_type": "p5.48xlarge",
            "zones": ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"],
        }
    ],
    "quotas": [
        # Per instance type, as tools/endpoints/seed.py writes them: summed into the P quota.
        {"cloud": "aws", "region": "us-west-2", "instance_type": "p5.48xlarge", "limit": 6144},
        {"cloud": "aws", "region": "us-east-1", "instance_type": "p5.48xlarge", "limit": 6144},
        {"cloud": "aws", "region": "us-east-1", "instance_type": "p5.48xlarge", "used": 6144},
    ],
}


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsEndpoint]:
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in SECRETS.items():
            patch.setenv(key, value)
        patch.setenv("AWS_CONFIG_FILE", str(home / "config"))  # nothing of the user's
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
            patch.delenv(key, raising=False)
        for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
            patch.delenv(key, raising=False)
        # No simulated checkpoint writer: the tests write the objects they read.
        with AwsEndpoint(SEED, time_factor=TIME_FACTOR, checkpoint_every=None) as api:
            yield api


@pytest.fixture
def drill(endpoint: AwsEndpoint) -> Iterator[AwsDrill]:
    endpoint.reset_calls()
    adapter = AwsDrill(endpoint.url)
    yield adapter
    adapter.close()


def _clean(value: Any) -> None:
    """No credential in anything the adapter hands the executor."""
    text = json.dumps(value, default=str)
    for secret in SECRETS.values():
        assert secret not in text


def call(drill: AwsDrill, call: Call, key: str = "drill-test/0") -> Any:
    """What the executor does with a call: resolve, invoke."""
    answer = drill.invoke(drill.resolve(call), key)
    _clean(answer)
    return answer


def read(drill: AwsDrill, op: Op) -> Any:
    evaluation = drill.evaluate(op, call(drill, op.call))
    _clean([evaluation.detail, evaluation.value])
    assert "\n" not in evaluation.detail
    return evaluation


# -- node groups ---------------------------------------------------------------------------------


def test_scale_waits_for_the_update_and_is_idempotent(
    endpoint: AwsEndpoint, drill: AwsDrill
) -> None:
    size = read(drill, drill.pool_size(STANDBY))
    assert size.ok and size.value == {"min": 0, "desired": 0, "max": 32}

    (op,) = drill.scale(STANDBY, 32, 32, 32)
    assert op.kind == "mutate" and op.call.mutating and op.probe is not None
    assert op.call.params == {
        "clusterName": "llm-train-aws-usw2",
        "nodegroupName": "llm-train-aws-usw2-standby-h100",
        "scalingConfig": {"minSize": 32, "maxSize": 32, "desiredSize": 32},
    }
    assert not drill.done(op, call(drill, op.probe))  # not in effect yet
    started = time.monotonic()
    update = call(drill, op.call, "run-1/scale")["update"]
    assert update["status"] == "InProgress"
    assert {p["type"]: p["value"] for p in update["params"]} == {
        "MinSize": "32",
        "MaxSize": "32",
        "DesiredSize": "32",
    }
    # The idempotency key is the clientRequestToken: the same key again is the same update...
    assert call(drill, op.call, "run-1/scale")["update"]["id"] == update["id"]
    # ...while another request meets the update in progress (retryable: try again later).
    with pytest.raises(CallError) as busy:
        call(drill, op.call, "run-2/scale")
    assert busy.value.retryable
    assert str(busy.value).startswith("eks.update_nodegroup_config: ResourceInUseException: ")
    assert drill.done(op, call(drill, op.probe))  # the sizes are set

    (wait,) = drill.pool_ready(STANDBY, 32)
    assert wait.kind == "wait" and wait.timeout_s >= 1800
    statuses = []
    while True:
        answer = call(drill, wait.call)
        statuses.append(answer["nodegroup"]["status"])
        if drill.done(wait, answer):
            break
        assert time.monotonic() - started < 10, statuses
        time.sleep(0.1)
    assert statuses[0] == "UPDATING" and statuses[-1] == "ACTIVE"
    assert time.monotonic() - started >= 960 * TIME_FACTOR * 0.9
    assert read(drill, drill.pool_size(STANDBY)).value == {"min": 32, "desired": 32, "max": 32}
    assert endpoint.calls() == {
        ("POST", "eks.UpdateNodegroupConfig"): 3,
        ("GET", "eks.DescribeNodegroup"): 4 + len(statuses),
    }

    # Back to the rendered sizes (shrinking settles within SHRINK_SECONDS * TIME_FACTOR).
    (back,) = drill.scale(STANDBY, 0, 0, 32)
    call(drill, back.call, "run-1/failback")
    (ready,) = drill.pool_ready(STANDBY, 0)
    deadline = time.monotonic() + 5
    while not drill.done(ready, call(drill, ready.call)):
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_pool_ready_is_not_done_with_health_issues(drill: AwsDrill) -> None:
    (wait,) = drill.pool_ready(STANDBY, 2)
    group = {"status": "ACTIVE", "scalingConfig": {"minSize": 0, "maxSize": 4, "desiredSize": 2}}
    assert drill.done(wait, {"nodegroup": {**group, "health": {"issues": []}}})
    issue = {"code": "AsgInstanceLaunchFailures", "message": "no capacity", "resourceIds": []}
    assert not drill.done(wait, {"nodegroup": {**group, "health": {"issues": [issue]}}})
    assert not drill.done(wait, {"nodegroup": {**group, "status": "DEGRADED"}})
    fewer = {**group, "scalingConfig": {"minSize": 0, "maxSize": 4, "desiredSize": 1}}
    assert not drill.done(wait, {"nodegroup": fewer})


def test_invalid_sizes_are_refused(drill: AwsDrill) -> None:
    (op,) = drill.scale(STANDBY, 4, 2, 8)  # desired below min
    with pytest.raises(CallError) as refused:
        call(drill, op.call)
    assert not refused.value.retryable
    assert "InvalidParameterException" in str(refused.value)


# -- pre-checks -----------------------------------------------------------------------------------


def precheck(drill: AwsDrill, nodes: int, pool: PoolRef = STANDBY) -> dict[str, Any]:
    ops = drill.prechecks(pool, nodes)
    assert [op.kind for op in ops] == ["precheck"] * len(ops)
    return {op.need["check"]: read(drill, op) for op in ops}


def test_prechecks_pass_when_offered_with_quota_room(
    endpoint: AwsEndpoint, drill: AwsDrill
) -> None:
    found = precheck(drill, 32)
    assert all(e.ok for e in found.values()), {k: e.detail for k, e in found.items()}
    assert found["offered"].detail == (
        "p5.48xlarge offered in us-west-2 (us-west-2a, us-west-2b, us-west-2c, us-west-2d)"
    )
    assert found["vcpus"].value == 192
    assert found["quota"].value == 6144
    assert found["quota-room"].detail == (
        "quota L-417A185B in us-west-2: 0 of 6144 vCPUs in use, 6144 free; "
        "32 x p5.48xlarge need 6144 vCPUs"
    )
    assert endpoint.calls() == {
        ("POST", "ec2.DescribeInstanceTypeOfferings"): 1,
        ("POST", "ec2.DescribeInstanceTypes"): 1,
        ("POST", "service-quotas.GetServiceQuota"): 1,
        ("POST", "cloudwatch.GetMetricStatistics"): 1,
    }


def test_precheck_fails_for_a_type_not_offered(endpoint: AwsEndpoint, drill: AwsDrill) -> None:
    zones = ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"]
    endpoint.set_offer("us-west-2", "p5.48xlarge", [])
    try:
        found = precheck(drill, 1)
    finally:
        endpoint.set_offer("us-west-2", "p5.48xlarge", zones)
    assert not found["offered"].ok
    assert found["offered"].detail == "p5.48xlarge is not offered in any zone of us-west-2"
    # A type EC2 does not have at all fails the vCPU read with EC2's answer (a CallError: the
    # executor makes it the failed pre-check's detail).
    bogus = replace(STANDBY, instance_type="p9.96xlarge")
    ops = drill.prechecks(bogus, 1)
    assert not read(drill, ops[0]).ok
    with pytest.raises(CallError, match=r"^ec2.describe_instance_types: InvalidInstanceType: "):
        call(drill, ops[1].call)


def test_precheck_fails_for_a_full_or_small_or_unreadable_quota(
    endpoint: AwsEndpoint, drill: AwsDrill
) -> None:
    try:
        endpoint.set_quota("us-west-2", P_QUOTA, 6144, used=1536)  # in use: only 1152 free
        found = precheck(drill, 32)
        assert found["quota"].ok
        assert not found["quota-room"].ok
        assert found["quota-room"].detail == (
            "quota L-417A185B in us-west-2: 1536 of 6144 vCPUs in use, 4608 free; "
            "32 x p5.48xlarge need 6144 vCPUs (1536 short)"
        )
        assert found["quota-room"].value == 1536

        endpoint.set_quota("us-west-2", P_QUOTA, 1536)  # too small even when idle
        found = precheck(drill, 32)
        assert not found["quota"].ok and not found["quota-room"].ok
        assert found["quota"].detail == (
            "quota Running On-Demand P instances (L-417A185B) in us-west-2 is 1536 vCPUs, "
            "too small: 32 x p5.48xlarge need 6144 vCPUs"
        )

        endpoint.drop_quota("us-west-2", P_QUOTA)  # cannot be read: a failed check, no crash
        found = precheck(drill, 32)
        assert not found["quota"].ok and not found["quota-room"].ok
        assert found["quota"].detail.startswith(
            "quota Running On-Demand P instances (L-417A185B) in us-west-2 cannot be read: "
            "NoSuchResourceException: "
        )
        assert found["quota-room"].detail == (
            "0 vCPUs of quota L-417A185B in use in us-west-2, but the quota was not read"
        )
    finally:
        endpoint.set_quota("us-west-2", P_QUOTA, 6144)


def test_quota_families() -> None:
    def code(instance_type: str) -> str | None:
        quota = quota_of(instance_type)
        return quota.code if quota else None

    assert code("p5.48xlarge") == P_QUOTA
    assert code("p6-b200.48xlarge") == P_QUOTA
    assert code("g6e.12xlarge") == "L-DB2E81BA"
    assert code("m7i.2xlarge") == "L-1216C47A"
    assert code("inf2.xlarge") == "L-1945791B"
    assert code("trn1.32xlarge") is None  # unconfirmed usage dimension: fails the check


# -- replicas -------------------------------------------------------------------------------------


REPLICA = ReplicaRef(
    stack=STACK,
    owner=OWNER,
    source="aws-use1",
    source_resource="llm-train-aws-use1",
    source_cloud="aws",
    target="aws-usw2",
    target_resource="llm-train-aws-usw2",
    region="us-west-2",
)


def test_replica_age_is_the_newest_object_over_every_page(
    endpoint: AwsEndpoint, drill: AwsDrill
) -> None:
    bucket = naming.checkpoint_bucket(STACK, OWNER, "aws-usw2")
    now = datetime.now(UTC).replace(microsecond=0)
    # Lexical order is not time order: the newest object is on the first of three pages.
    ages = (("a-newest", 2), ("b", 30), ("c", 20), ("d", 50), ("e", 40), ("seed", 60))
    for key, age in ages:
        endpoint.put_checkpoint(
            bucket, f"{CHECKPOINT_PREFIX}{key}", now - timedelta(minutes=age), "us-west-2"
        )
    op = drill.replica_age(REPLICA)
    assert op is not None and op.kind == "read"
    assert op.call.params == {"Bucket": bucket, "Prefix": CHECKPOINT_PREFIX}
    assert op.call.region == "us-west-2"
    endpoint.reset_calls()
    paged = replace(op, call=replace(op.call, params={**op.call.params, "MaxKeys": 2}))
    answer = call(drill, paged.call)
    assert answer["Pages"] == 3 and answer["KeyCount"] == 6
    assert answer["Contents"] == [
        {**answer["Contents"][0], "Key": f"{CHECKPOINT_PREFIX}a-newest"}
    ]  # only the newest object is kept
    evaluation = drill.evaluate(paged, answer)
    assert evaluation.ok
    assert evaluation.value == (now - timedelta(minutes=2)).isoformat()
    assert endpoint.calls() == {("GET", "s3.ListObjectsV2"): 3}


def test_replica_age_of_an_empty_replica_is_not_ok(drill: AwsDrill) -> None:
    back = replace(REPLICA, source="aws-usw2", target="aws-use1", region="us-east-1")
    bucket = naming.checkpoint_bucket(STACK, OWNER, "aws-use1")
    s3 = boto3.client("s3", endpoint_url=drill.endpoint, region_name="us-east-1")
    s3.delete_object(Bucket=bucket, Key=f"{CHECKPOINT_PREFIX}seed")
    try:
        op = drill.replica_age(back)
        assert op is not None
        evaluation = read(drill, op)
    finally:
        s3.put_object(Bucket=bucket, Key=f"{CHECKPOINT_PREFIX}seed", Body=b"checkpoint")
    assert not evaluation.ok and evaluation.value is None
    assert evaluation.detail == f"no checkpoint under s3://{bucket}/checkpoints/ (us-east-1)"


# -- traffic --------------------------------------------------------------------------------------


def test_traffic_inverts_and_restores_the_health_check_found_by_its_name(
    endpoint: AwsEndpoint, drill: AwsDrill
) -> None:
    ref = TrafficRef(
        stack=STACK,
        owner=OWNER,
        source="aws-use1",
        source_resource="llm-train-aws-use1",
        region="us-east-1",
        home_region="us-east-1",
        targets={"aws-usw2": "llm-train-aws-usw2"},
    )
    name = "llm-train-dr-us-east-1-aws-use1"  # modules/dr-aws: "${var.name}-${each.key}"
    assert health_check_name(STACK, "us-east-1", "aws-use1") == name
    expected = endpoint.health_check_id(name)
    for failover in (True, False):
        (op,) = drill.traffic(ref, {"aws-usw2": 256}, failover)
        assert op.kind == "mutate" and op.probe is not None
        assert str(op.call.params["HealthCheckId"]) == f"<route53-health-check {name}>"
        resolved = drill.resolve(op.call)
        assert resolved.params == {"HealthCheckId": expected, "Inverted": failover}
        assert not drill.done(op, call(drill, op.probe))
        check = call(drill, op.call)["HealthCheck"]
        assert check["Id"] == expected and check["HealthCheckConfig"]["Inverted"] is failover
        assert drill.done(op, call(drill, op.probe))
    assert endpoint.calls() == {
        ("GET", "route53.ListHealthChecks"): 1,  # listed once, then cached
        ("POST", "route53.ListTagsForResources"): 1,  # five checks: one batch of ten
        ("POST", "route53.UpdateHealthCheck"): 2,
        ("GET", "route53.GetHealthCheck"): 4,
    }

    # The runbook finds the same check from the record that uses it.
    lookup, update, status = AWS.traffic_commands("llm-train-aws-use1", "aws-use1", {}, True)
    assert "<dr_aws_dns_zone_id>" in lookup and '"$HC" --inverted' in update
    assert status == 'aws route53 get-health-check-status --health-check-id "$HC"'
    query = lookup.split('--query "', 1)[1].split('"', 1)[0]
    route53 = boto3.client("route53", endpoint_url=endpoint.url, region_name="us-east-1")
    records = route53.list_resource_record_sets(HostedZoneId=endpoint.hosted_zone_id(STACK))
    assert jmespath.search(query, records) == [expected]


def test_an_unknown_health_check_is_a_clear_error(drill: AwsDrill) -> None:
    ref = TrafficRef(STACK, OWNER, "nope", "llm-train-nope", "us-east-1", "us-east-1", {})
    (op,) = drill.traffic(ref, {}, True)
    with pytest.raises(
        CallError, match="no health check is tagged Name=llm-train-dr-us-east-1-nope"
    ):
        drill.resolve(op.call)


# -- errors ---------------------------------------------------------------------------------------


def test_throttling_is_retryable_and_other_errors_are_not(
    endpoint: AwsEndpoint, drill: AwsDrill
) -> None:
    describe = drill.pool_size(STANDBY).call
    endpoint.fail_next("eks.DescribeNodegroup", 429, "ThrottlingException", "Rate exceeded", 2)
    with pytest.raises(CallError) as throttled:
        call(drill, describe)
    assert throttled.value.retryable
    assert str(throttled.value) == "eks.describe_nodegroup: ThrottlingException: Rate exceeded"
    # botocore tried twice (max_attempts 2): the executor owns every further retry.
    assert endpoint.calls() == {("GET", "eks.DescribeNodegroup"): 2}
    endpoint.fail_next("ec2.DescribeInstanceTypes", 503, "RequestLimitExceeded", "slow down", 2)
    with pytest.raises(CallError) as limited:
        call(drill, drill.prechecks(STANDBY, 1)[1].call)
    assert limited.value.retryable

    missing = replace(describe, params={**describe.params, "nodegroupName": "nope"})
    with pytest.raises(CallError) as not_found:
        call(drill, missing)
    assert not not_found.value.retryable
    assert str(not_found.value).startswith("eks.describe_nodegroup: ResourceNotFoundException: ")
    for error in (throttled.value, limited.value, not_found.value):
        _clean(str(error))


def test_connection_errors_are_retryable() -> None:
    adapter = AwsDrill("http://127.0.0.1:9")  # discard: nothing listens
    try:
        with pytest.raises(CallError) as refused:
            adapter.invoke(adapter.pool_size(STANDBY).call, "k")
    finally:
        adapter.close()
    assert refused.value.retryable
    assert str(refused.value).startswith("eks.describe_nodegroup: connection failed")


def test_calls_over_http(endpoint: AwsEndpoint, drill: AwsDrill) -> None:
    read(drill, drill.pool_size(STANDBY))
    with urllib.request.urlopen(f"{endpoint.url}/_infra/calls") as answer:
        assert json.load(answer) == {"calls": {"GET eks.DescribeNodegroup": 1}}
    fault = {"operation": "eks.DescribeNodegroup", "status": 500, "code": "InternalFailure"}
    request = urllib.request.Request(
        f"{endpoint.url}/_infra/fail", data=json.dumps({**fault, "count": 2}).encode()
    )
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer) == {"ok": True}
    with pytest.raises(CallError, match="InternalFailure") as failed:
        call(drill, drill.pool_size(STANDBY).call)
    assert failed.value.retryable
    reset = urllib.request.Request(f"{endpoint.url}/_infra/calls", method="DELETE")
    with urllib.request.urlopen(reset):
        assert endpoint.calls() == {}


# -- names and runbooks ---------------------------------------------------------------------------


def test_runbooks_name_what_the_drill_acts_on() -> None:
    resource = AWS.resource_name(STACK, "aws-usw2")
    wait, ready = AWS.pool_ready_commands(resource, "us-west-2", "standby-h100")
    assert "--nodegroup-name llm-train-aws-usw2-standby-h100" in wait
    assert "-l eks.amazonaws.com/nodegroup=llm-train-aws-usw2-standby-h100 " in ready
    bucket = naming.checkpoint_bucket(STACK, OWNER, "aws-usw2")
    command = AWS.replica_age_command(
        "llm-train-aws-use1", "us-west-2", stack=STACK, owner=OWNER, target="aws-usw2"
    )
    assert f"--bucket {bucket} --prefix {CHECKPOINT_PREFIX} " in command


@pytest.mark.slow
def test_entry_point_prints_its_url_first(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.endpoints.aws", "--seed", str(seed), "--time-factor", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/_infra/calls") as answer:
            assert json.load(answer) == {"calls": {}}
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
