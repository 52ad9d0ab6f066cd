"""The Alibaba Cloud drill adapter against the local Alibaba endpoint, through the real SDKs.

Scaling ACK node pools to absolute sizes and waiting for them, the ECS pre-checks, the GTM
failover and back, the ids found by name, errors as CallError, the endpoint's call counts, and
no credential in any answer. Provisioning runs at time_factor 0.001 (a 600 s boot is 0.6 s).
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.clouds import CLOUDS
from infra.clouds.alicloud.drill import AlicloudDrill
from infra.drill.api import JSON, Call, CallError, Op, PoolRef, Ref, TrafficRef
from tools.endpoints.alicloud import AlicloudEndpoint

ROOT = Path(__file__).resolve().parents[2]
KEY_ID = "LTAI5tDrillTestKeyId01"
SECRET = "drill-test-secret-0f9e8d7c6b5a"
FACTOR = 0.001
REGION = "cn-shanghai"
RESOURCE = "embeddings-ali-sh"
A10 = "ecs.gn7i-c8g1.2xlarge"  # 8 vCPUs (catalog)
STANDBY = PoolRef(
    stack="embeddings",
    owner="search-ml",
    cluster="ali-sh",
    resource=RESOURCE,
    region=REGION,
    pool="standby-a10",
    node_pool=CLOUDS["alicloud"].node_pool_name(RESOURCE, "standby-a10"),
    instance_type=A10,
)
FIXED = PoolRef(
    stack="embeddings",
    owner="search-ml",
    cluster="ali-sh",
    resource=RESOURCE,
    region=REGION,
    pool="system",
    node_pool=CLOUDS["alicloud"].node_pool_name(RESOURCE, "system"),
    instance_type="ecs.g7.2xlarge",
)
TRAFFIC = TrafficRef(
    stack="embeddings",
    owner="search-ml",
    source="ali-sh",
    source_resource=RESOURCE,
    region=REGION,
    home_region=REGION,
    targets={"az-wus3": "embeddings-az-wus3"},
)


def make_seed(
    *, stock: Any = "WithStock", offered: bool = True, limit: int = 64, used: int = 16
) -> dict[str, Any]:
    """A neutral seed: one ACK cluster with an autoscaling standby pool (0-2 nodes) and a fixed
    system pool (2 nodes), its GTM record, the offer and the regional vCPU quota."""
    offers = [
        {
            "cloud": "alicloud",
            "region": REGION,
            "instance_type": "ecs.g7.2xlarge",
            "vcpus": 8,
            "zones": ["cn-shanghai-a", "cn-shanghai-b"],
        },
    ]
    if offered:
        offers.append(
            {
                "cloud": "alicloud",
                "region": REGION,
                "instance_type": A10,
                "vcpus": 8,
                "zones": ["cn-shanghai-a", "cn-shanghai-b"],
                "stock": stock,
            }
        )
    return {
        "stack": "embeddings",
        "owner": "search-ml",
        "clusters": [
            {
                "cloud": "alicloud",
                "cluster": "ali-sh",
                "resource": RESOURCE,
                "region": REGION,
                "pools": [
                    {
                        "pool": "standby-a10",
                        "node_pool": STANDBY.node_pool,
                        "instance_type": A10,
                        "min": 0,
                        "desired": 0,
                        "max": 2,
                        "autoscaling": True,
                        "boot_seconds": 600,
                        "vcpus": 8,
                    },
                    {
                        "pool": "system",
                        "node_pool": FIXED.node_pool,
                        "instance_type": "ecs.g7.2xlarge",
                        "min": 2,
                        "desired": 2,
                        "max": 2,
                        "autoscaling": False,
                        "boot_seconds": 300,
                        "vcpus": 8,
                    },
                ],
            },
            {
                "cloud": "aws",
                "cluster": "aws-use1",
                "resource": "embeddings-aws-use1",
                "region": "us-east-1",
                "pools": [],
            },
        ],
        "dns": [
            {
                "cloud": "alicloud",
                "record": RESOURCE,
                "source": "ali-sh",
                "region": REGION,
                "home_region": REGION,
                "targets": {"az-wus3": "embeddings-az-wus3"},
            },
        ],
        "offers": offers,
        "quotas": [
            {
                "cloud": "alicloud",
                "region": REGION,
                "instance_type": A10,
                "limit": limit,
                "used": used,
            },
        ],
    }


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> Iterator[AlicloudEndpoint]:
    with AlicloudEndpoint(make_seed(), time_factor=FACTOR) as server:
        yield server


@pytest.fixture
def drill(api: AlicloudEndpoint) -> Iterator[AlicloudDrill]:
    adapter = AlicloudDrill(api.url)
    yield adapter
    adapter.close()


def call(drill: AlicloudDrill, c: Call, answers: list[JSON] | None = None) -> JSON:
    """As the executor does: resolve the Refs, then invoke."""
    answer = drill.invoke(drill.resolve(c), "run-1/key")
    if answers is not None:
        answers.append(answer)
    return answer


def wait(drill: AlicloudDrill, op: Op, timeout: float = 5.0) -> tuple[JSON, float]:
    """Poll a wait op until it is done: (last answer, seconds it took)."""
    started = time.monotonic()
    while True:
        answer = call(drill, op.call)
        if drill.done(op, answer):
            return answer, time.monotonic() - started
        assert time.monotonic() - started < timeout, f"not done: {answer}"
        time.sleep(0.02)


def probe_of(op: Op) -> Call:
    assert op.probe is not None
    return op.probe


def read(drill: AlicloudDrill, op: Op) -> Any:
    return drill.evaluate(op, call(drill, op.call))


# -- scaling ----------------------------------------------------------------------------------


def test_scale_and_wait_reach_active_with_the_nodes_after_the_boot_time(
    drill: AlicloudDrill, api: AlicloudEndpoint
) -> None:
    before = read(drill, drill.pool_size(STANDBY))
    assert before.ok and before.value == {"min": 0, "desired": 0, "max": 2}

    (op,) = drill.scale(STANDBY, 2, 2, 2)
    assert op.kind == "mutate" and op.call.mutating and op.probe is not None
    assert op.call.operation == "ModifyClusterNodePool"  # never ScaleClusterNodePool
    assert op.call.params["auto_scaling"] == {"min_instances": 2, "max_instances": 2}
    assert op.call.params["scaling_group"] == {"desired_size": 2}
    assert not drill.done(op, call(drill, probe_of(op)))  # not in effect yet
    started = time.monotonic()
    call(drill, op.call)
    assert drill.done(op, call(drill, probe_of(op)))  # the sizes are set at once

    (ready,) = drill.pool_ready(STANDBY, 2)
    assert ready.kind == "wait" and ready.timeout_s >= 1800
    detail = call(drill, ready.call)
    assert detail["status"]["state"] == "scaling"
    assert detail["status"]["initial_nodes"] == 2
    assert not drill.done(ready, detail)
    answer, _ = wait(drill, ready)
    assert time.monotonic() - started >= 600 * FACTOR * 0.9  # the simulated boot time
    assert answer["status"]["state"] == "active"
    assert answer["status"]["healthy_nodes"] == 2
    after = read(drill, drill.pool_size(STANDBY))
    assert after.value == {"min": 2, "desired": 2, "max": 2}

    # failback to the sizes read before: "removing", then active with no nodes
    (back,) = drill.scale(STANDBY, 0, 0, 2)
    call(drill, back.call)
    assert call(drill, probe_of(back))["status"]["state"] == "removing"
    answer, _ = wait(drill, drill.pool_ready(STANDBY, 0)[0])
    assert answer["status"]["total_nodes"] == 0
    assert read(drill, drill.pool_size(STANDBY)).value == before.value


def test_a_repeated_modify_is_harmless(drill: AlicloudDrill, api: AlicloudEndpoint) -> None:
    (op,) = drill.scale(STANDBY, 2, 2, 2)
    for _ in range(3):  # as a resumed drill that never saw the answer would
        call(drill, op.call)
    answer, _ = wait(drill, drill.pool_ready(STANDBY, 2)[0])
    assert answer["status"]["total_nodes"] == 2  # absolute: not 6
    call(drill, op.call)  # once more after it settled: nothing to do
    assert call(drill, probe_of(op))["status"]["state"] == "active"
    quota = read(drill, drill.prechecks(STANDBY, 0)[1])
    assert "32 of 64 used" in quota.detail  # 16 seeded + 2 nodes x 8 vCPUs, counted once


def test_pool_size_of_a_fixed_pool_is_its_desired_size(drill: AlicloudDrill) -> None:
    evaluation = read(drill, drill.pool_size(FIXED))
    assert evaluation.ok
    assert evaluation.value == {"min": 2, "desired": 2, "max": 2}
    assert "embeddings-ali-sh-system" in evaluation.detail


def test_nodes_beyond_the_quota_fail_and_the_pool_is_never_ready(
    api: AlicloudEndpoint, drill: AlicloudDrill
) -> None:
    api.seed(make_seed(limit=24, used=16))  # room for one 8-vCPU node
    (op,) = drill.scale(STANDBY, 2, 2, 2)
    call(drill, op.call)
    assert op.probe is not None
    detail = call(drill, probe_of(op))
    while detail["status"]["state"] == "scaling":
        time.sleep(0.02)
        detail = call(drill, probe_of(op))
    assert detail["status"]["state"] == "active"
    assert (detail["status"]["healthy_nodes"], detail["status"]["failed_nodes"]) == (1, 1)
    assert not drill.done(drill.pool_ready(STANDBY, 2)[0], detail)


# -- pre-checks ---------------------------------------------------------------------------------


def test_prechecks_pass_with_stock_and_quota(drill: AlicloudDrill) -> None:
    offered, quota = drill.prechecks(STANDBY, 2)
    assert (offered.kind, quota.kind) == ("precheck", "precheck")
    assert offered.need["pool"] == quota.need["pool"] == "ali-sh/embeddings-ali-sh-standby-a10"
    assert (offered.need["check"], quota.need["check"]) == ("offered", "quota")
    first = read(drill, offered)
    assert first.ok
    assert first.detail == f"{A10} offered in {REGION} with stock (cn-shanghai-a, cn-shanghai-b)"
    second = read(drill, quota)
    assert second.ok, second.detail
    assert second.detail.endswith("16 of 64 used, 48 free; 2 x ecs.gn7i-c8g1.2xlarge need 16")


@pytest.mark.parametrize(
    ("seed", "which", "message"),
    [
        (make_seed(offered=False), 0, f"{A10} not offered in {REGION}"),
        (
            make_seed(stock="WithoutStock"),
            0,
            "out of stock in every zone (cn-shanghai-a: WithoutStock",
        ),
        (
            make_seed(
                stock={"cn-shanghai-a": "ClosedWithoutStock", "cn-shanghai-b": "WithoutStock"}
            ),
            0,
            "cn-shanghai-a: ClosedWithoutStock, cn-shanghai-b: WithoutStock",
        ),
        (
            make_seed(limit=64, used=56),
            1,
            "out of quota: pay-as-you-go vCPUs in cn-shanghai: 56 of 64 used, 8 free",
        ),
    ],
    ids=["not-offered", "no-stock", "no-stock-per-zone", "out-of-quota"],
)
def test_prechecks_fail_clearly(
    api: AlicloudEndpoint, drill: AlicloudDrill, seed: dict[str, Any], which: int, message: str
) -> None:
    api.seed(seed)
    ops = drill.prechecks(STANDBY, 2)
    evaluation = read(drill, ops[which])
    assert not evaluation.ok
    assert message in evaluation.detail
    assert read(drill, ops[1 - which]).ok  # the other check still passes


def test_stock_in_one_zone_is_enough(api: AlicloudEndpoint, drill: AlicloudDrill) -> None:
    api.seed(make_seed(stock={"cn-shanghai-a": "WithoutStock", "cn-shanghai-b": "ClosedWithStock"}))
    evaluation = read(drill, drill.prechecks(STANDBY, 2)[0])
    assert evaluation.ok and "(cn-shanghai-b)" in evaluation.detail


# -- traffic -----------------------------------------------------------------------------------


def test_gtm_failover_and_back(drill: AlicloudDrill) -> None:
    (over,) = drill.traffic(TRAFFIC, {"az-wus3": 8}, failover=True)
    assert over.call.operation == "SetDnsGtmAccessMode" and over.call.mutating
    assert over.call.params["AccessMode"] == "FAILOVER"
    assert over.probe is not None and over.probe.operation == "DescribeDnsGtmAccessStrategy"
    before = call(drill, probe_of(over))
    assert before["StrategyName"] == "ali-sh-failover"
    assert before["AccessMode"] == "AUTO"  # as modules/dr-alicloud renders it
    assert not drill.done(over, before)

    call(drill, over.call)
    after = call(drill, probe_of(over))
    assert drill.done(over, after)
    assert after["EffectiveAddrPoolGroupType"] == "FAILOVER"
    # the verify step waits on the probe alone (an Op without need): still in effect
    assert drill.done(Op("wait", over.probe, "still in effect"), after)

    (back,) = drill.traffic(TRAFFIC, {"az-wus3": 8}, failover=False)
    assert back.call.params["AccessMode"] == "AUTO"
    assert not drill.done(back, call(drill, probe_of(back)))
    call(drill, back.call)
    final = call(drill, probe_of(back))
    assert drill.done(back, final) and final["EffectiveAddrPoolGroupType"] == "DEFAULT"
    assert not drill.done(over, final)


# -- ids ---------------------------------------------------------------------------------------


def test_refs_are_found_by_name_once(drill: AlicloudDrill, api: AlicloudEndpoint) -> None:
    (op,) = drill.scale(STANDBY, 1, 1, 2)
    assert op.call.params["ClusterId"] == Ref("ack-cluster-id", RESOURCE)
    assert op.call.params["NodepoolId"] == Ref(
        "ack-nodepool-id", "embeddings-ali-sh/embeddings-ali-sh-standby-a10"
    )
    resolved = drill.resolve(op.call)
    clusters = call(drill, Call("alicloud", REGION, "cs", "DescribeClustersV1", {}, False))
    (cluster,) = [c for c in clusters["clusters"] if c["name"] == RESOURCE]
    assert resolved.params["ClusterId"] == cluster["cluster_id"]
    pools = call(
        drill,
        Call(
            "alicloud",
            REGION,
            "cs",
            "DescribeClusterNodePools",
            {"ClusterId": cluster["cluster_id"]},
            False,
        ),
    )
    ids = {
        p["nodepool_info"]["name"]: p["nodepool_info"]["nodepool_id"] for p in pools["nodepools"]
    }
    assert resolved.params["NodepoolId"] == ids[STANDBY.node_pool]
    assert resolved.params["auto_scaling"] == op.call.params["auto_scaling"]

    (over,) = drill.traffic(TRAFFIC, {"az-wus3": 1}, failover=True)
    strategy = drill.resolve(over.call).params["StrategyId"]
    assert call(drill, drill.resolve(probe_of(over)))["StrategyName"] == "ali-sh-failover"

    api.reset_calls()
    assert op.probe is not None and over.probe is not None
    for c in (op.call, op.probe, over.call, over.probe):  # cached: no more lookups
        drill.resolve(c)
    assert api.calls() == {}
    assert drill.resolve(probe_of(over)).params["StrategyId"] == strategy


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            Ref("ack-cluster-id", "embeddings-ali-bj"),
            "no ACK cluster named 'embeddings-ali-bj' in cn-shanghai",
        ),
        # fuzzy name matches ("embeddings-ali" is in "embeddings-ali-sh") are not taken
        (Ref("ack-cluster-id", "embeddings-ali"), "no ACK cluster named 'embeddings-ali'"),
        (
            Ref("ack-nodepool-id", f"{RESOURCE}/{RESOURCE}-standby-h100"),
            f"no node pool named '{RESOURCE}-standby-h100' in ACK cluster {RESOURCE}",
        ),
        (
            Ref("gtm-instance-id", "embeddings-az-wus3"),
            "no GTM instance with public_rr 'embeddings-az-wus3-gtm'",
        ),
        (
            Ref("gtm-strategy-id", f"{RESOURCE}/az-wus3-failover"),
            "no GTM access strategy 'az-wus3-failover'",
        ),
        (Ref("route53-health-check", "x"), "cannot look up <route53-health-check x>"),
    ],
    ids=["cluster", "fuzzy-cluster", "nodepool", "gtm-instance", "gtm-strategy", "kind"],
)
def test_an_unknown_name_is_a_clear_call_error(
    drill: AlicloudDrill, ref: Ref, message: str
) -> None:
    c = Call(
        "alicloud",
        REGION,
        "cs",
        "DescribeClusterNodePoolDetail",
        {"ClusterId": ref, "NodepoolId": "np1"},
        False,
    )
    with pytest.raises(CallError) as caught:
        drill.resolve(c)
    assert message in str(caught.value)
    assert not caught.value.retryable
    assert "\n" not in str(caught.value)


def test_invoke_refuses_unresolved_refs_and_unknown_calls(drill: AlicloudDrill) -> None:
    with pytest.raises(CallError, match="unresolved"):
        drill.invoke(drill.pool_size(STANDBY).call, "k")
    with pytest.raises(CallError, match=r"no call cs\.ScaleClusterNodePool"):
        drill.invoke(Call("alicloud", REGION, "cs", "ScaleClusterNodePool", {}, True), "k")


# -- the endpoint's counts, errors, credentials -----------------------------------------------------


def test_call_counts_match_what_was_invoked(drill: AlicloudDrill, api: AlicloudEndpoint) -> None:
    (op,) = drill.scale(STANDBY, 1, 1, 2)
    call(drill, op.call)  # 2 lookups, then the modify
    call(drill, op.call)
    for check in drill.prechecks(STANDBY, 1):
        call(drill, check.call)
    (over,) = drill.traffic(TRAFFIC, {"az-wus3": 1}, failover=True)
    call(drill, over.call)  # 2 lookups, then the switch
    assert over.probe is not None
    call(drill, probe_of(over))
    expected = {
        "GET DescribeClustersV1": 1,
        "GET DescribeClusterNodePools": 1,
        "PUT ModifyClusterNodePool": 2,
        "POST DescribeAvailableResource": 1,
        "POST DescribeAccountAttributes": 1,
        "POST DescribeDnsGtmInstances": 1,
        "POST DescribeDnsGtmAccessStrategies": 1,
        "POST SetDnsGtmAccessMode": 1,
        "POST DescribeDnsGtmAccessStrategy": 1,
    }
    assert api.calls() == expected
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(f"{api.url}/_infra/calls", timeout=5) as response:
        assert json.load(response) == {"calls": expected}


@pytest.mark.parametrize(
    ("operation", "status", "code", "retryable"),
    [
        ("DescribeClusterNodePoolDetail", 503, "ServiceUnavailable", True),
        ("DescribeClusterNodePoolDetail", 500, "InternalError", True),
        ("DescribeClusterNodePoolDetail", 400, "Throttling.User", True),
        ("DescribeClusterNodePoolDetail", 403, "Forbidden.RAM", False),
        ("DescribeAccountAttributes", 429, "Throttling", True),
        ("SetDnsGtmAccessMode", 400, "InvalidParameter", False),
        ("SetDnsGtmAccessMode", 503, "ServiceUnavailable", True),
    ],
)
def test_a_server_error_is_a_call_error_with_the_right_retryable_flag(
    drill: AlicloudDrill,
    api: AlicloudEndpoint,
    operation: str,
    status: int,
    code: str,
    retryable: bool,
) -> None:
    ops = {
        "DescribeClusterNodePoolDetail": drill.pool_size(STANDBY).call,
        "DescribeAccountAttributes": drill.prechecks(STANDBY, 1)[1].call,
        "SetDnsGtmAccessMode": drill.traffic(TRAFFIC, {}, failover=True)[0].call,
    }
    resolved = drill.resolve(ops[operation])
    api.fail_next(operation, status, code, "injected failure")
    with pytest.raises(CallError) as caught:
        drill.invoke(resolved, "k")
    assert caught.value.retryable is retryable
    text = str(caught.value)
    assert code in text and f"HTTP {status}" in text and "injected failure" in text
    assert "\n" not in text and SECRET not in text
    drill.invoke(resolved, "k")  # the next call succeeds


def test_real_error_answers_and_connection_failures(
    api: AlicloudEndpoint, drill: AlicloudDrill
) -> None:
    missing = Call(
        "alicloud",
        REGION,
        "cs",
        "DescribeClusterNodePoolDetail",
        {"ClusterId": "c-missing", "NodepoolId": "np-missing"},
        False,
    )
    with pytest.raises(CallError, match=r"ErrorClusterNotFound \(HTTP 404\)") as caught:
        drill.invoke(missing, "k")
    assert not caught.value.retryable
    bad = Call(
        "alicloud",
        REGION,
        "alidns",
        "SetDnsGtmAccessMode",
        {"StrategyId": "nope", "AccessMode": "FAILOVER"},
        True,
    )
    with pytest.raises(CallError, match=r"DnsGtmAccessStrategy\.NotExists") as caught:
        drill.invoke(bad, "k")
    assert not caught.value.retryable

    url = api.url
    api.stop()  # nothing listens there any more
    down = AlicloudDrill(url)
    with pytest.raises(CallError, match="connection failed") as caught:
        down.invoke(Call("alicloud", REGION, "cs", "DescribeClustersV1", {}, False), "k")
    assert caught.value.retryable


def test_no_credential_in_any_answer_or_error(
    drill: AlicloudDrill, api: AlicloudEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    answers: list[JSON] = []
    evaluations = []
    for op in (drill.pool_size(STANDBY), *drill.prechecks(STANDBY, 2)):
        answer = call(drill, op.call, answers)
        evaluations.append(drill.evaluate(op, answer))
    for op in (*drill.scale(STANDBY, 2, 2, 2), *drill.traffic(TRAFFIC, {"az-wus3": 8}, True)):
        call(drill, op.call, answers)
        assert op.probe is not None
        call(drill, op.probe, answers)
    errors = []
    api.fail_next("DescribeClusterNodePoolDetail", 403, "Forbidden.RAM", "denied")
    with pytest.raises(CallError) as caught:
        call(drill, drill.pool_size(STANDBY).call)
    errors.append(str(caught.value))
    text = json.dumps([answers, [e.detail for e in evaluations], errors], default=str)
    assert len(answers) == 7
    for secret in (KEY_ID, SECRET):
        assert secret not in text
        assert secret not in caplog.text
    json.dumps(answers)  # JSON-able as they are


def test_loopback_endpoint_ignores_an_http_proxy(
    monkeypatch: pytest.MonkeyPatch, drill: AlicloudDrill
) -> None:
    # The SDK would send plain HTTP through HTTP_PROXY whatever NO_PROXY says: nothing listens
    # on port 9, so this passes only if the adapter goes straight to the loopback endpoint.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    assert read(drill, drill.pool_size(STANDBY)).ok
    assert os.environ["HTTP_PROXY"] == "http://127.0.0.1:9"  # the environment is left alone


# -- runbooks, seeds, the command line --------------------------------------------------------


def test_runbook_commands_use_the_names_and_calls_of_the_drill() -> None:
    cloud = CLOUDS["alicloud"]
    scale = cloud.scale_pool_command(RESOURCE, REGION, "standby-a10", 2, 2, 2)
    (op,) = AlicloudDrill().scale(STANDBY, 2, 2, 2)
    body = json.loads(scale.split("--body '", 1)[1].split("'", 1)[0])
    assert body == {k: op.call.params[k] for k in ("auto_scaling", "scaling_group")}
    assert f"nodepools/<nodepool-id-of-{STANDBY.node_pool}>" in scale
    assert f"--NodepoolName {STANDBY.node_pool}" in scale
    assert f"aliyun cs GET /api/v1/clusters --name {RESOURCE}" in scale

    ready = cloud.pool_ready_commands(RESOURCE, REGION, "standby-a10")
    assert ready[0].startswith(
        f"aliyun cs GET /api/v1/clusters --name {RESOURCE} --region_id {REGION}"
    )
    assert f"--NodepoolName {STANDBY.node_pool}" in ready[1]
    assert "-l infra/pool=standby-a10" in ready[-1]

    over = cloud.traffic_commands(RESOURCE, "ali-sh", {"az-wus3": 8}, failover=True)
    back = cloud.traffic_commands(RESOURCE, "ali-sh", {"az-wus3": 8}, failover=False)
    drill = AlicloudDrill()
    for commands, (op,) in (
        (over, drill.traffic(TRAFFIC, {"az-wus3": 8}, True)),
        (back, drill.traffic(TRAFFIC, {"az-wus3": 8}, False)),
    ):
        assert commands[0].startswith(
            f"aliyun alidns SetDnsGtmAccessMode --StrategyId <gtm-strategy-id-of-{RESOURCE}> "
            f"--AccessMode {op.call.params['AccessMode']}"
        )
        assert "ali-sh-failover" in commands[0] and f"{RESOURCE}-gtm" in commands[0]
        assert op.call.params["StrategyId"] == Ref("gtm-strategy-id", f"{RESOURCE}/ali-sh-failover")


def test_the_seed_of_a_rendered_stack_serves_its_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.pipeline import resolve_paths
    from tools.endpoints.seed import seed_of

    (stack,) = [
        s
        for s in resolve_paths([str(ROOT / "stacks/inference_fleet.py")]).stacks
        if s.name == "embeddings"
    ]
    seed = seed_of(stack)
    (cluster,) = [c for c in seed["clusters"] if c["cloud"] == "alicloud"]
    # the GPU standby pool (the automatic system pool is standby too, without GPUs)
    (standby,) = [p for p in cluster["pools"] if p["standby"] and p["pool"] != "system"]
    pool = PoolRef(
        stack.name,
        stack.owner,
        cluster["cluster"],
        cluster["resource"],
        cluster["region"],
        standby["pool"],
        standby["node_pool"],
        standby["instance_type"],
    )
    assert pool.node_pool == CLOUDS["alicloud"].node_pool_name(pool.resource, pool.pool)
    with AlicloudEndpoint(seed, time_factor=FACTOR) as server:
        adapter = AlicloudDrill(server.url)
        sizes = read(adapter, adapter.pool_size(pool)).value
        assert sizes == {k: standby[k] for k in ("min", "desired", "max")}
        (ready,) = adapter.pool_ready(pool, standby["desired"])
        assert adapter.done(ready, call(adapter, ready.call))
        (over,) = adapter.traffic(TRAFFIC, {"az-wus3": 8}, failover=True)
        call(adapter, over.call)
        assert over.probe is not None and adapter.done(over, call(adapter, probe_of(over)))
        room = standby["max"] - standby["desired"]
        for check in adapter.prechecks(pool, room):  # the seed's quota has room up to the max
            assert read(adapter, check).ok


def test_seed_over_http_and_the_command_line_entry(tmp_path: Path) -> None:
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(make_seed()))
    env = {k: v for k, v in os.environ.items() if k.lower() != "http_proxy"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.endpoints.alicloud",
            "--seed",
            str(seed_file),
            "--time-factor",
            "0.5",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        adapter = AlicloudDrill(url)
        assert read(adapter, adapter.pool_size(STANDBY)).value == {"min": 0, "desired": 0, "max": 2}
        seed = copy.deepcopy(make_seed())
        seed["clusters"][0]["pools"][0].update(min=1, desired=1)
        request = urllib.request.Request(
            f"{url}/_infra/seed",
            data=json.dumps(seed).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(request, timeout=5) as response:
            assert json.load(response) == {"ok": True}
        fresh = AlicloudDrill(url)  # the new seed's ids
        assert read(fresh, fresh.pool_size(STANDBY)).value == {"min": 1, "desired": 1, "max": 2}
        with direct.open(f"{url}/_infra/calls", timeout=5) as response:
            assert json.load(response)["calls"]["GET DescribeClusterNodePoolDetail"] == 2
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
