"""The Azure drill adapter against the local ARM endpoint (tools/endpoints/azure.py), with the
real SDKs over plain HTTP: scaling and its long-running operation, pre-checks, Traffic Manager
failover and back, call counts, errors, and no token in any answer."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.clouds import CLOUDS
from infra.clouds.azure import naming
from infra.clouds.azure.cloud import traffic_manager_names
from infra.clouds.azure.drill import AzureDrill, LocalTokenCredential
from infra.drill.api import JSON, CallError, Op, PoolRef, TrafficRef
from tools.endpoints.azure import AzureEndpoint

ROOT = Path(__file__).resolve().parents[2]
AZURE = CLOUDS["azure"]
STACK, OWNER, CLUSTER, REGION = "llm-train", "aml-infra", "az-eus", "eastus"
RESOURCE = AZURE.resource_name(STACK, CLUSTER)
POOL = "sbh100"
NODE_POOL = AZURE.node_pool_name(RESOURCE, POOL)
SKU = "Standard_ND96isr_H100_v5"
FAMILY = "standardNDSH100v5Family"
TIME_FACTOR = 0.001  # 900 s of boot in 0.9 s

SEED: dict[str, Any] = {
    "stack": STACK,
    "owner": OWNER,
    "clusters": [
        {
            "cloud": "azure",
            "cluster": CLUSTER,
            "resource": RESOURCE,
            "region": REGION,
            "resource_group": naming.resource_group(RESOURCE),
            "pools": [
                {
                    "pool": POOL,
                    "node_pool": NODE_POOL,
                    "instance_type": SKU,
                    "min": 0,
                    "desired": 0,
                    "max": 8,
                    "autoscaling": True,
                    "boot_seconds": 900,
                    "vcpus": 96,
                },
                {
                    "pool": "system",
                    "node_pool": "system",
                    "instance_type": "Standard_D4s_v5",
                    "min": 3,
                    "desired": 3,
                    "max": 3,
                    "autoscaling": False,
                    "boot_seconds": 420,
                    "vcpus": 4,
                },
            ],
        },
        {"cloud": "aws", "resource": "llm-train-aws-use1", "region": "us-east-1", "pools": []},
    ],
    "dns": [
        {
            "cloud": "azure",
            "record": RESOURCE,
            "source": CLUSTER,
            "region": REGION,
            "home_region": REGION,
            "targets": {"aws-use1": "llm-train-aws-use1", "aws-usw2": "llm-train-aws-usw2"},
        }
    ],
    "offers": [
        {
            "cloud": "azure",
            "region": REGION,
            "instance_type": SKU,
            "zones": ["1", "2", "3"],
            "vcpus": 96,
            "family": FAMILY,
        },
        {"cloud": "aws", "region": "us-east-1", "instance_type": "p5.48xlarge", "vcpus": 192},
    ],
    "quotas": [{"cloud": "azure", "region": REGION, "family": FAMILY, "limit": 1536, "used": 0}],
}

POOL_REF = PoolRef(STACK, OWNER, CLUSTER, RESOURCE, REGION, POOL, NODE_POOL, SKU)
TRAFFIC_REF = TrafficRef(
    STACK, OWNER, CLUSTER, RESOURCE, REGION, REGION, {"aws-use1": "llm-train-aws-use1"}
)


@pytest.fixture(autouse=True)
def _no_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> Iterator[AzureEndpoint]:
    with AzureEndpoint(SEED, time_factor=TIME_FACTOR) as server:
        yield server


@pytest.fixture
def adapter(api: AzureEndpoint) -> Iterator[AzureDrill]:
    drill = AzureDrill(api.url)
    yield drill
    drill.close()


ANSWERS: list[Any] = []  # every answer and error message, checked for the token at the end


def call(adapter: AzureDrill, op: Op, probe: bool = False) -> JSON:
    target = op.probe if probe and op.probe is not None else op.call
    answer = adapter.invoke(adapter.resolve(target), f"test/{target.operation}")
    ANSWERS.append(answer)
    json.dumps(answer)  # JSON-able
    return answer


def wait(adapter: AzureDrill, op: Op, seconds: float = 5.0) -> JSON:
    deadline = time.monotonic() + seconds
    while True:
        answer = call(adapter, op)
        if adapter.done(op, answer):
            return answer
        assert time.monotonic() < deadline, f"{op.title}: not done: {answer}"
        time.sleep(0.02)


def with_seed(api: AzureEndpoint, change: Any) -> None:
    seed = copy.deepcopy(SEED)
    change(seed)
    api.seed(seed)


# -- scaling ----------------------------------------------------------------------------------


def test_scale_then_wait_reaches_succeeded_and_the_count(
    api: AzureEndpoint, adapter: AzureDrill
) -> None:
    before = adapter.evaluate(
        adapter.pool_size(POOL_REF), call(adapter, adapter.pool_size(POOL_REF))
    )
    assert before.value == {"min": 0, "desired": 0, "max": 8}

    (op,) = adapter.scale(POOL_REF, 8, 8, 8)
    assert op.kind == "mutate" and op.call.mutating and op.probe is not None
    assert op.call.params["resource_group_name"] == f"{RESOURCE}-rg"
    assert op.call.params["agent_pool_name"] == NODE_POOL
    assert not adapter.done(op, call(adapter, op, probe=True))  # not set yet

    answer = call(adapter, op)
    assert answer["properties"]["provisioningState"] == "Updating"
    assert answer["properties"]["minCount"] == 8 and answer["properties"]["maxCount"] == 8
    assert adapter.done(op, call(adapter, op, probe=True))  # the sizes are set at once

    (ready,) = adapter.pool_ready(POOL_REF, 8)
    assert ready.kind == "wait" and ready.interval_s == 10 and ready.timeout_s >= 30 * 60
    assert not adapter.done(ready, call(adapter, ready))  # nodes still booting
    started = time.monotonic()
    final = wait(adapter, ready)
    assert time.monotonic() - started >= 0.5  # ~900 s x 0.001 of simulated boot
    assert final["properties"]["provisioningState"] == "Succeeded"
    assert final["properties"]["count"] == 8

    size = adapter.evaluate(adapter.pool_size(POOL_REF), call(adapter, adapter.pool_size(POOL_REF)))
    assert size.ok and size.value == {"min": 8, "desired": 8, "max": 8}
    # The nodes hold quota now.
    (_, quota) = adapter.prechecks(POOL_REF, 1)
    assert (
        f"{FAMILY}: 768 of 1536 vCPUs used, needs 96"
        in adapter.evaluate(quota, call(adapter, quota)).detail
    )

    # Back to the rendered sizes: min 0, 0 nodes, max 8.
    (back,) = adapter.scale(POOL_REF, 0, 0, 8)
    call(adapter, back)
    wait(adapter, adapter.pool_ready(POOL_REF, 0)[0])
    size = adapter.evaluate(adapter.pool_size(POOL_REF), call(adapter, adapter.pool_size(POOL_REF)))
    assert size.value == {"min": 0, "desired": 0, "max": 8}


def test_a_put_while_updating_is_a_retryable_conflict(adapter: AzureDrill) -> None:
    (op,) = adapter.scale(POOL_REF, 8, 8, 8)
    call(adapter, op)
    with pytest.raises(CallError) as caught:
        call(adapter, op)
    assert caught.value.retryable and "409 OperationNotAllowed" in str(caught.value)
    ANSWERS.append(str(caught.value))


def test_a_real_sdk_poller_completes_on_the_async_operation_url(
    api: AzureEndpoint, adapter: AzureDrill
) -> None:
    from azure.mgmt.containerservice import models

    pools = adapter.clients.containerservice.agent_pools
    current = pools.get(f"{RESOURCE}-rg", RESOURCE, NODE_POOL).as_dict()
    current["properties"].update(minCount=4, maxCount=8, count=4, enableAutoScaling=True)
    api.reset_calls()
    poller = pools.begin_create_or_update(
        f"{RESOURCE}-rg", RESOURCE, NODE_POOL, models.AgentPool(current), polling_interval=0
    )
    result = poller.result(timeout=10)
    assert poller.status() == "Succeeded"
    assert result.properties is not None
    assert result.properties.provisioning_state == "Succeeded" and result.properties.count == 4
    calls = api.calls()
    assert calls["PUT AgentPools_CreateOrUpdate"] == 1
    assert calls["GET OperationStatus_Get"] >= 1  # the Azure-AsyncOperation URL, api-version kept
    assert calls["GET AgentPools_Get"] == 1  # the poller's final GET


# -- pre-checks -------------------------------------------------------------------------------


def test_prechecks_pass_when_offered_with_quota_room(adapter: AzureDrill) -> None:
    offered, quota = adapter.prechecks(POOL_REF, 8)
    assert offered.kind == quota.kind == "precheck"
    assert offered.need["check"] == "offered" and quota.need["check"] == "quota"
    first = adapter.evaluate(offered, call(adapter, offered))
    assert first.ok and first.detail == f"{SKU} offered in {REGION} (zones 1, 2, 3)"
    resolved = adapter.resolve(quota.call)
    assert resolved.params["family"] == FAMILY and resolved.params["vcpus"] == 96
    second = adapter.evaluate(quota, call(adapter, quota))
    assert second.ok, second.detail
    assert f"{FAMILY}: 0 of 1536 vCPUs used, needs 768" in second.detail
    assert "regional total: 0 of 1536 vCPUs used, needs 768" in second.detail


def test_prechecks_fail_clearly_when_the_sku_is_not_offered(
    api: AzureEndpoint, adapter: AzureDrill
) -> None:
    with_seed(api, lambda s: s["offers"].pop(0))
    offered, quota = adapter.prechecks(POOL_REF, 8)
    first = adapter.evaluate(offered, call(adapter, offered))
    assert not first.ok and first.detail == f"{SKU} is not offered in {REGION} (no such SKU there)"
    second = adapter.evaluate(quota, call(adapter, quota))
    assert not second.ok and "not offered" in second.detail


def test_prechecks_fail_on_a_location_or_every_zone_restricted(
    api: AzureEndpoint, adapter: AzureDrill
) -> None:
    offered, _ = adapter.prechecks(POOL_REF, 8)
    with_seed(api, lambda s: s["offers"][0].update(restricted=True))
    first = adapter.evaluate(offered, call(adapter, offered))
    assert not first.ok
    assert first.detail == f"{SKU} is not available in {REGION} (NotAvailableForSubscription)"
    with_seed(api, lambda s: s["offers"][0].update(restricted_zones=["1", "2", "3"]))
    assert not adapter.evaluate(offered, call(adapter, offered)).ok
    with_seed(api, lambda s: s["offers"][0].update(restricted_zones=["2"]))
    partly = adapter.evaluate(offered, call(adapter, offered))
    assert (
        partly.ok
        and partly.detail == f"{SKU} offered in {REGION} (zones 1, 3; restricted in zones 2)"
    )


def test_prechecks_fail_out_of_quota_and_the_scale_fails_fast(
    api: AzureEndpoint, adapter: AzureDrill
) -> None:
    with_seed(api, lambda s: s["quotas"][0].update(used=1000))
    _, quota = adapter.prechecks(POOL_REF, 8)
    evaluation = adapter.evaluate(quota, call(adapter, quota))
    assert not evaluation.ok
    assert f"{FAMILY}: 1000 of 1536 vCPUs used, needs 768" in evaluation.detail
    assert "not enough quota" in evaluation.detail
    # Scaling anyway: the operation fails, and the wait says so instead of timing out.
    (op,) = adapter.scale(POOL_REF, 8, 8, 8)
    call(adapter, op)
    (ready,) = adapter.pool_ready(POOL_REF, 8)
    with pytest.raises(CallError, match="provisioning Failed at 0 of 8 nodes"):
        wait(adapter, ready)


def test_the_regional_total_counts_too(api: AzureEndpoint, adapter: AzureDrill) -> None:
    cores = {"cloud": "azure", "region": REGION, "family": "cores", "limit": 100, "used": 0}
    with_seed(api, lambda s: s["quotas"].append(cores))
    _, quota = adapter.prechecks(POOL_REF, 8)
    evaluation = adapter.evaluate(quota, call(adapter, quota))
    assert (
        not evaluation.ok and "regional total: 0 of 100 vCPUs used, needs 768" in evaluation.detail
    )


# -- traffic ----------------------------------------------------------------------------------


def _endpoints(adapter: AzureDrill) -> dict[str, dict[str, Any]]:
    group, profile = traffic_manager_names(STACK, CLUSTER)
    body = adapter.clients.trafficmanager.profiles.get(group, profile).as_dict()
    return {e["name"]: e["properties"] for e in body["properties"]["endpoints"]}


def test_traffic_failover_and_back_change_the_endpoints(adapter: AzureDrill) -> None:
    before = _endpoints(adapter)
    assert [before[n]["priority"] for n in ("az-eus", "aws-use1", "aws-usw2")] == [1, 2, 3]
    ops = adapter.traffic(TRAFFIC_REF, {"aws-use1": 64}, failover=True)
    assert [(o.call.params["endpoint_name"], o.need["properties"]) for o in ops] == [
        ("aws-use1", {"endpointStatus": "Enabled", "weight": 64}),
        ("az-eus", {"endpointStatus": "Disabled"}),
    ]
    assert {o.call.params["profile_name"] for o in ops} == {"llm-train-dr-az-eus"}
    assert {o.call.params["resource_group_name"] for o in ops} == {"llm-train-dr-rg"}
    for op in ops:
        assert (
            op.kind == "mutate" and op.probe is not None and op.probe.operation == "endpoints.get"
        )
        if op.call.params["endpoint_name"] == "az-eus":
            assert not adapter.done(op, call(adapter, op, probe=True))
        call(adapter, op)
        assert adapter.done(op, call(adapter, op, probe=True))
    moved = _endpoints(adapter)
    assert moved["az-eus"]["endpointStatus"] == "Disabled"
    assert moved["aws-use1"]["endpointStatus"] == "Enabled" and moved["aws-use1"]["weight"] == 64

    for op in adapter.traffic(TRAFFIC_REF, {"aws-use1": 64}, failover=False):
        call(adapter, op)
        assert adapter.done(op, call(adapter, op, probe=True))
    back = _endpoints(adapter)
    assert back["az-eus"]["endpointStatus"] == "Enabled"
    # Back to what modules/dr-azure renders: every endpoint Enabled, the source first.
    assert back["aws-use1"]["endpointStatus"] == "Enabled"
    assert back["aws-usw2"]["endpointStatus"] == "Enabled"  # not among the weighted targets


def test_weights_over_1000_are_scaled_like_the_runbook(adapter: AzureDrill) -> None:
    weights = {"aws-use1": 3000, "aws-usw2": 1000}
    ref = TrafficRef(STACK, OWNER, CLUSTER, RESOURCE, REGION, REGION, dict.fromkeys(weights, ""))
    ops = adapter.traffic(ref, weights, failover=True)
    assert [o.need["properties"].get("weight") for o in ops] == [1000, 333, None]
    commands = AZURE.traffic_commands(RESOURCE, CLUSTER, weights, failover=True)
    assert "--weight 1000" in commands[0] and "--weight 333" in commands[1]


# -- calls, errors, credentials ----------------------------------------------------------------


def test_the_server_counts_what_was_invoked(api: AzureEndpoint, adapter: AzureDrill) -> None:
    api.reset_calls()
    (scale,) = adapter.scale(POOL_REF, 8, 8, 8)
    call(adapter, scale)  # reads the pool, puts it back changed
    call(adapter, adapter.pool_size(POOL_REF))
    offered, quota = adapter.prechecks(POOL_REF, 8)
    call(adapter, offered)
    call(adapter, quota)  # its family comes from the SKU list just read (cached)
    for op in adapter.traffic(TRAFFIC_REF, {"aws-use1": 64}, failover=True):
        call(adapter, op)
        call(adapter, op, probe=True)
    expected = {
        "GET AgentPools_Get": 2,
        "PUT AgentPools_CreateOrUpdate": 1,
        "GET ResourceSkus_List": 1,
        "GET Usage_List": 1,
        "PATCH Endpoints_Update": 2,
        "GET Endpoints_Get": 2,
    }
    assert api.calls() == expected
    with urllib.request.urlopen(f"{api.url}/_infra/calls", timeout=5) as response:
        assert json.load(response)["calls"] == expected


def test_a_server_error_is_retryable_and_a_missing_pool_is_not(
    api: AzureEndpoint, adapter: AzureDrill
) -> None:
    op = adapter.pool_size(POOL_REF)
    api.fail_next("AgentPools_Get", 500, "InternalServerError", "Something went wrong.")
    with pytest.raises(CallError) as caught:
        call(adapter, op)
    assert caught.value.retryable
    assert str(caught.value) == (
        "azure containerservice.agent_pools.get: HTTP 500 InternalServerError: Something went wrong."
    )
    api.fail_next("Endpoints_Update", 429, "TooManyRequests", "Slow down.")
    with pytest.raises(CallError) as throttled:
        call(adapter, adapter.traffic(TRAFFIC_REF, {"aws-use1": 1}, failover=True)[0])
    assert throttled.value.retryable
    missing = PoolRef(STACK, OWNER, CLUSTER, RESOURCE, REGION, "nope", "nope", SKU)
    with pytest.raises(CallError) as absent:
        call(adapter, adapter.pool_size(missing))
    assert not absent.value.retryable and "HTTP 404" in str(absent.value)
    ANSWERS.extend(str(e.value) for e in (caught, throttled, absent))


def test_a_refused_connection_is_retryable(api: AzureEndpoint) -> None:
    url = api.url
    api.stop()
    drill = AzureDrill(url)
    try:
        with pytest.raises(CallError) as caught:
            drill.invoke(drill.pool_size(POOL_REF).call, "key")
    finally:
        drill.close()
    assert caught.value.retryable and "connection failed" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_token_reaches_the_server_over_http_and_never_an_answer(
    api: AzureEndpoint, adapter: AzureDrill
) -> None:
    path = (
        f"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{RESOURCE}-rg/"
        f"providers/Microsoft.ContainerService/managedClusters/{RESOURCE}"
        "?api-version=2026-08-01"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(api.url + path, timeout=5)
    assert refused.value.code == 401
    assert json.load(refused.value)["error"]["code"] == "AuthenticationFailed"
    # The adapter's calls get through: the SDK sent its bearer token over plain HTTP.
    answer = call(adapter, adapter.pool_size(POOL_REF))
    assert answer["name"] == NODE_POOL
    ANSWERS.append(answer)
    assert LocalTokenCredential.TOKEN not in json.dumps(ANSWERS)
    assert "Bearer" not in json.dumps(ANSWERS)


def test_against_the_cloud_a_subscription_is_required() -> None:
    drill = AzureDrill(None)
    with pytest.raises(CallError) as caught:
        drill.invoke(drill.pool_size(POOL_REF).call, "key")
    assert not caught.value.retryable
    assert "AZURE_SUBSCRIPTION_ID" in str(caught.value)
    assert "ARM_SUBSCRIPTION_ID" in str(caught.value)
    assert os.environ.get("AZURE_SUBSCRIPTION_ID") is None


def test_unknown_paths_answer_the_arm_error_shape(api: AzureEndpoint) -> None:
    request = urllib.request.Request(
        f"{api.url}/subscriptions/x/nothing?api-version=1", headers={"Authorization": "Bearer x"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 404
    error = json.load(caught.value)["error"]
    assert error["code"] == "NotFound" and error["message"]


def test_replica_age_is_a_manual_step(adapter: AzureDrill) -> None:
    assert adapter.replica_age(None) is None  # type: ignore[arg-type]


# -- the runbook and the render agree with the drill -------------------------------------------


def test_runbook_commands_name_what_the_drill_and_the_render_name() -> None:
    from infra.clouds.base import dr_module_name
    from infra.dr.terraform import dr_module_calls
    from infra.pipeline import resolve_paths

    (stack,) = resolve_paths([str(ROOT / "stacks/llm_train.py")]).stacks
    (azure,) = [c for c in dr_module_calls(stack) if c.cloud == "azure"]
    group, profile = traffic_manager_names(STACK, CLUSTER)
    assert group == naming.resource_group(str(azure.inputs["name"]))
    assert CLUSTER in azure.inputs["dns_records"]  # type: ignore[operator]
    assert profile == f"{azure.inputs['name']}-{CLUSTER}"
    for failover in (True, False):
        for command in AZURE.traffic_commands(RESOURCE, CLUSTER, {"aws-use1": 64}, failover):
            assert f"--resource-group {group} --profile-name {profile}" in command
            assert "<" not in command
    (_, kubectl) = AZURE.pool_ready_commands(RESOURCE, REGION, POOL)
    assert f"kubernetes.azure.com/agentpool={NODE_POOL} " in kubectl
    for name in ("a", "x" * 37, "x" * 38, "very-long-stack-name-" * 3):
        assert traffic_manager_names(name, "c")[1] == f"{dr_module_name(name)}-c"


def test_the_seed_of_a_rendered_stack_serves_its_names() -> None:
    from infra.pipeline import resolve_paths
    from tools.endpoints.seed import seed_of

    (stack,) = resolve_paths([str(ROOT / "stacks/llm_train.py")]).stacks
    with AzureEndpoint(seed_of(stack), time_factor=TIME_FACTOR) as server:
        drill = AzureDrill(server.url)
        try:
            pool = PoolRef(
                STACK,
                OWNER,
                CLUSTER,
                RESOURCE,
                REGION,
                "h100",
                AZURE.node_pool_name(RESOURCE, "h100"),
                SKU,
            )
            size = drill.evaluate(
                drill.pool_size(pool), drill.invoke(drill.pool_size(pool).call, "k")
            )
            assert size.value == {"min": 8, "desired": 8, "max": 8}
            for op in drill.prechecks(pool, 0):
                answer = drill.invoke(drill.resolve(op.call), "k")
                assert drill.evaluate(op, answer).ok
            ref = TrafficRef(
                STACK, OWNER, CLUSTER, RESOURCE, REGION, REGION, {"aws-use1": "llm-train-aws-use1"}
            )
            for op in drill.traffic(ref, {"aws-use1": 64}, failover=True):
                assert op.probe is not None
                assert not drill.done(op, drill.invoke(op.probe, "k")) or "aws-use1" in op.title
        finally:
            drill.close()


def test_the_module_serves_a_seed_file_until_sigterm(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy")}
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.endpoints.azure", "--seed", str(seed), "--time-factor", "0"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/_infra/calls", timeout=5) as response:
            assert json.load(response) == {"calls": {}}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
