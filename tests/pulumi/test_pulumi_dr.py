"""The DR components (``infra:<cloud>:DisasterRecovery``) under Pulumi's mocks.

The example projects run once (``programs`` fixture, with the config users would set); the tests
check per call of the Terraform ``_dr`` root the resources its module creates, RTC by RPO, the
failover order of every DNS name, the alarms, providers, outputs, and the config handling.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.conftest import ROOT
from tests.pulumi.conftest import DR_CONFIG, EXAMPLE_STACKS, require_pulumi, stack_json

require_pulumi()

import pulumi  # noqa: E402  (after the skip: the modules below import the Pulumi packages)

from infra.clouds.alicloud.disaster_recovery import (  # noqa: E402
    AlicloudDisasterRecovery,
    AlicloudDisasterRecoveryArgs,
)
from infra.clouds.args import ComponentInputError  # noqa: E402
from infra.clouds.aws.disaster_recovery import AwsDisasterRecoveryArgs  # noqa: E402
from infra.clouds.azure.disaster_recovery import AzureDisasterRecoveryArgs, lag_window_minutes  # noqa: E402
from infra.pulumi.program import MissingConfigError, config_inputs, load_stack_document  # noqa: E402
from tests.pulumi.mocks import Recorder, Registered, run_rendered_project, run_under_mocks  # noqa: E402

ARGS = {
    "dr-aws": AwsDisasterRecoveryArgs,
    "dr-azure": AzureDisasterRecoveryArgs,
    "dr-alicloud": AlicloudDisasterRecoveryArgs,
}


def _expected(call: Mapping[str, Any]) -> Counter[str]:
    """What the call's module creates, counted from its inputs by the module's for_each/count."""
    inputs = call["inputs"]
    pairs = len(inputs["replication_pairs"])
    records = inputs["dns_records"].values()
    targets = sum(len(r["targets"]) for r in records)
    if call["module"] == "dr-aws":
        standby = 1 if inputs["standby_node_groups"] else 0
        return Counter(
            {
                "aws:iam/role:Role": pairs,
                "aws:iam/rolePolicy:RolePolicy": pairs,
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig": pairs,
                "aws:cloudwatch/metricAlarm:MetricAlarm": 2 * pairs + standby,
                "aws:cloudwatch/eventRule:EventRule": standby,
                "aws:route53/healthCheck:HealthCheck": len(
                    {t for r in records for t in r["targets"]}
                ),
                # N targets: N-1 tiers of a PRIMARY and a SECONDARY record each.
                "aws:route53/record:Record": 2 * (targets - len(records)),
            }
        )
    if call["module"] == "dr-azure":
        return Counter(
            {
                "azure-native:resources:ResourceGroup": 1,
                "azure-native:storage:ObjectReplicationPolicy": 2 * pairs,
                "azure-native:monitor:MetricAlert": pairs + len(inputs["standby_clusters"]),
                "azure-native:trafficmanager:Profile": len(records),
                "azure-native:trafficmanager:Endpoint": targets,
                "azure-native:dns:RecordSet": len(records),  # DR_CONFIG sets dr_azure_dns_zone
            }
        )
    return Counter(
        {
            "alicloud:ram/role:Role": pairs,
            "alicloud:ram/policy:Policy": pairs,
            "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment": pairs,
            "alicloud:oss/bucketReplication:BucketReplication": pairs,
            "alicloud:dns/gtmInstance:GtmInstance": len(records),
            "alicloud:dns/addressPool:AddressPool": targets,
            "alicloud:dns/monitorConfig:MonitorConfig": targets,
            "alicloud:dns/accessStrategy:AccessStrategy": len(records),
            "alicloud:dns/alidnsRecord:AlidnsRecord": len(records),
            "alicloud:cms/eventRule:EventRule": 1 if inputs["standby_node_pools"] else 0,
        }
    )


def _of_call(recorder: Recorder, call: Mapping[str, Any]) -> list[Registered]:
    provider = f"{call['label'].replace('_', '-')}-provider"
    return [
        r
        for r in recorder.resources
        if r.custom
        and not r.type.startswith("pulumi:providers:")
        and recorder.provider_of(r).name == provider
    ]


def _dr(rendered: Path, stack: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = stack_json(rendered, stack)["dr"]
    return calls


def _call(rendered: Path, stack: str, label: str) -> dict[str, Any]:
    return next(c for c in _dr(rendered, stack) if c["label"] == label)


# -- resource sets -----------------------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_each_dr_call_creates_its_module_resources(
    stack: str, rendered: Path, programs: dict[str, Recorder]
) -> None:
    calls = _dr(rendered, stack)
    components = [r for r in programs[stack].resources if r.type.endswith(":DisasterRecovery")]
    assert sorted(c.name for c in components) == sorted(c["label"].replace("_", "-") for c in calls)
    for call in calls:
        actual = Counter(r.type for r in _of_call(programs[stack], call))
        expected = +_expected(call)
        assert actual == expected, (
            f"{stack}/{call['label']}: {actual - expected} extra, {expected - actual} missing"
        )


def test_llm_train_dr_calls(rendered: Path, programs: dict[str, Recorder]) -> None:
    """The largest example spelled out: two AWS regions, Azure and Alibaba Cloud."""
    recorder = programs["llm-train"]
    assert [c["label"] for c in _dr(rendered, "llm-train")] == [
        "dr_aws_us_east_1",
        "dr_aws_us_west_2",
        "dr_azure",
        "dr_alicloud_cn_beijing",
    ]

    def count(label: str) -> Counter[str]:
        resources = _of_call(recorder, _call(rendered, "llm-train", label))
        return Counter(r.type.split(":")[-1] for r in resources)

    # us-east-1: one pair, a 3-target record (2 tiers), standby pool, 3 endpoints checked.
    assert count("dr_aws_us_east_1") == Counter(
        Role=1,
        RolePolicy=1,
        BucketReplicationConfig=1,
        MetricAlarm=3,
        EventRule=1,
        HealthCheck=3,
        Record=4,
    )
    assert count("dr_aws_us_west_2") == Counter(
        Role=1,
        RolePolicy=1,
        BucketReplicationConfig=1,
        MetricAlarm=3,
        EventRule=1,
        HealthCheck=2,
        Record=2,
    )
    assert count("dr_azure") == Counter(ResourceGroup=1, Profile=1, Endpoint=3, RecordSet=1)
    assert count("dr_alicloud_cn_beijing") == Counter(
        GtmInstance=1, AddressPool=2, MonitorConfig=2, AccessStrategy=1, AlidnsRecord=1
    )
    providers = {
        r.name: r.inputs.get("region", r.inputs.get("location"))
        for r in recorder.resources
        if r.type.startswith("pulumi:providers:") and r.name.startswith("dr-")
    }
    assert providers == {
        "dr-aws-us-east-1-provider": "us-east-1",
        "dr-aws-us-west-2-provider": "us-west-2",
        "dr-azure-provider": "eastus",
        "dr-alicloud-cn-beijing-provider": "cn-beijing",
    }


# -- replication ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "rtc"), [("llm-train", True), ("chat-serving", False)])
def test_s3_replication_time_control_only_when_rpo_is_15_or_less(
    stack: str, rtc: bool, rendered: Path, programs: dict[str, Recorder]
) -> None:
    rpo = _dr(rendered, stack)[0]["inputs"]["rpo_minutes"]
    assert (rpo <= 15) is rtc
    configs = programs[stack].of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert len(configs) == 2
    for config in configs:
        (rule,) = config.inputs["rules"]
        destination = rule["destination"]
        if rtc:
            assert destination["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
        else:
            assert "replicationTime" not in destination
        # Always: SSE-KMS objects replicated, metrics on (they feed the alarms), no deletes.
        assert rule["sourceSelectionCriteria"]["sseKmsEncryptedObjects"]["status"] == "Enabled"
        assert destination["metrics"] == {"status": "Enabled", "eventThreshold": {"minutes": 15}}
        assert rule["deleteMarkerReplication"]["status"] == "Disabled"
        assert destination["encryptionConfiguration"]["replicaKmsKeyId"].startswith("arn:aws:kms:")
    outputs = [
        o
        for urn, o in programs[stack].outputs.items()
        if urn.split("::")[2].split("$")[-1] == "infra:aws:DisasterRecovery"
    ]
    assert outputs and all(o["replication_time_control_enabled"] is rtc for o in outputs)


def _alicloud_args(rpo: int, destination_region: str) -> AlicloudDisasterRecoveryArgs:
    return AlicloudDisasterRecoveryArgs.from_inputs(
        {
            "name": "s-dr-cn-beijing",
            "region": "cn-beijing",
            "rpo_minutes": rpo,
            "replication_pairs": {
                "ab": {
                    "source_bucket": "s-a-ckpt",
                    "destination_bucket": "s-b-ckpt",
                    "destination_region": destination_region,
                }
            },
        }
    )


def test_oss_rtc_needs_the_rpo_and_two_rtc_regions() -> None:
    pair = _alicloud_args(15, "cn-shanghai").replication_pairs["ab"]
    assert _alicloud_args(15, "cn-shanghai").rtc(pair)
    assert not _alicloud_args(16, "cn-shanghai").rtc(pair)
    other = _alicloud_args(15, "ap-southeast-1")
    assert not other.rtc(other.replication_pairs["ab"])


def test_oss_replication_under_mocks() -> None:
    def program() -> None:
        provider = pulumi.ProviderResource("alicloud", "p", {"region": "cn-beijing"})
        AlicloudDisasterRecovery(
            "dr",
            _alicloud_args(15, "cn-shanghai"),
            pulumi.ResourceOptions(providers=[provider]),
        )

    recorder = run_under_mocks(program, "p", "s")
    (replication,) = recorder.of_type("alicloud:oss/bucketReplication:BucketReplication")
    assert replication.inputs["rtc"] == {"enabled": True}
    assert replication.inputs["destination"] == {
        "bucket": "s-b-ckpt",
        "location": "oss-cn-shanghai",
    }
    assert replication.inputs["syncRole"] == "s-dr-cn-beijing-ab-repl"
    assert len(recorder.of_type("alicloud:ram/rolePolicyAttachment:RolePolicyAttachment")) == 1


def test_azure_lag_window_is_the_longest_that_fits_the_rpo() -> None:
    assert [lag_window_minutes(m) for m in (1, 4, 15, 59, 60, 1440)] == [1, 1, 15, 30, 60, 1440]


# -- DNS failover ------------------------------------------------------------------------------


def test_route53_failover_chain_follows_the_target_order(
    rendered: Path, programs: dict[str, Recorder]
) -> None:
    recorder = programs["llm-train"]
    endpoints = stack_json(rendered, "llm-train")["config"]["dr_endpoints"]["default"]
    records = {
        r.inputs["setIdentifier"]: r
        for r in recorder.of_type("aws:route53/record:Record")
        if r.inputs["setIdentifier"].startswith("aws-use1-")
    }
    assert sorted(records) == [
        "aws-use1-0-primary",
        "aws-use1-0-secondary",
        "aws-use1-1-primary",
        "aws-use1-1-secondary",
    ]

    def check(record: Registered) -> str:
        return str(recorder.by_id(record.inputs["healthCheckId"]).inputs["fqdn"])

    tier0, tier1 = records["aws-use1-0-primary"], records["aws-use1-1-primary"]
    assert tier0.inputs["name"] == "llm-train-aws-use1"
    assert tier0.inputs["records"] == [endpoints["aws-use1"]] == [check(tier0)]
    assert tier0.inputs["failoverRoutingPolicies"] == [{"type": "PRIMARY"}]
    assert tier0.inputs["zoneId"] == DR_CONFIG["dr_aws_dns_zone_id"]
    handover = records["aws-use1-0-secondary"]
    assert handover.inputs["failoverRoutingPolicies"] == [{"type": "SECONDARY"}]
    assert handover.inputs["aliases"] == [
        {
            "name": f"llm-train-aws-use1-failover-1.zone-{DR_CONFIG['dr_aws_dns_zone_id']}.example",
            "zoneId": DR_CONFIG["dr_aws_dns_zone_id"],
            "evaluateTargetHealth": True,
        }
    ]
    assert tier1.inputs["name"] == "llm-train-aws-use1-failover-1"
    assert tier1.inputs["records"] == [endpoints["aws-usw2"]] == [check(tier1)]
    last = records["aws-use1-1-secondary"]
    assert last.inputs["records"] == [endpoints["az-eus"]] == [check(last)]
    assert last.inputs["ttl"] == 60


def test_traffic_manager_priorities_follow_the_target_order(
    programs: dict[str, Recorder],
) -> None:
    recorder = programs["llm-train"]
    (profile,) = recorder.of_type("azure-native:trafficmanager:Profile")
    assert profile.inputs["trafficRoutingMethod"] == "Priority"
    assert profile.inputs["dnsConfig"]["relativeName"] == "llm-train-az-eus-de4470"
    assert profile.inputs["monitorConfig"]["protocol"] == "HTTPS"
    endpoints = sorted(
        recorder.of_type("azure-native:trafficmanager:Endpoint"),
        key=lambda e: e.inputs["priority"],
    )
    assert [(e.inputs["endpointName"], e.inputs["priority"]) for e in endpoints] == [
        ("az-eus", 1),
        ("aws-use1", 2),
        ("aws-usw2", 3),
    ]
    (cname,) = recorder.of_type("azure-native:dns:RecordSet")
    assert cname.inputs["recordType"] == "CNAME"
    assert cname.inputs["targetResource"] == {"id": profile.id}
    assert cname.inputs["zoneName"] == "example.com"


def test_gtm_default_pool_is_the_primary(programs: dict[str, Recorder]) -> None:
    recorder = programs["llm-train"]
    (strategy,) = recorder.of_type("alicloud:dns/accessStrategy:AccessStrategy")
    pools = [
        recorder.by_id(p["addrPoolId"]).inputs["addressPoolName"]
        for p in strategy.inputs["defaultAddrPools"] + strategy.inputs["failoverAddrPools"]
    ]
    assert pools == ["ali-bj-ali-bj", "ali-bj-aws-usw2"]
    assert strategy.inputs["accessMode"] == "AUTO"
    (gtm,) = recorder.of_type("alicloud:dns/gtmInstance:GtmInstance")
    assert gtm.inputs["publicZoneName"] == "example.com"
    assert gtm.inputs["publicRr"] == "llm-train-ali-bj-gtm"
    (service,) = recorder.of_type("alicloud:dns/alidnsRecord:AlidnsRecord")
    assert (service.inputs["rr"], service.inputs["value"]) == (
        "llm-train-ali-bj",
        "llm-train-ali-bj-gtm.example.com",
    )
    assert len(recorder.of_type("alicloud:dns/monitorConfig:MonitorConfig")) == 2


# -- alarms ------------------------------------------------------------------------------------


def test_aws_alarms(rendered: Path, programs: dict[str, Recorder]) -> None:
    recorder = programs["llm-train"]
    alarms = {
        a.inputs["name"]: a for a in recorder.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    lag = alarms["llm-train-dr-us-east-1-aws-use1-replication-lag"]
    assert lag.inputs["metricName"] == "ReplicationLatency"
    assert lag.inputs["threshold"] == 15 * 60  # the RPO, in seconds
    assert lag.inputs["dimensions"] == {
        "SourceBucket": "llm-train-aws-use1-ckpt-8fa50729",
        "DestinationBucket": "llm-train-aws-usw2-ckpt-8e0f074e",
        "RuleId": "checkpoints-aws-use1",
    }
    assert alarms["llm-train-dr-us-east-1-aws-use1-replication-failed"].inputs["metricName"] == (
        "OperationsFailedReplication"
    )
    standby = alarms["llm-train-dr-us-east-1-standby-cannot-scale"]
    rules = {r.inputs["name"]: r for r in recorder.of_type("aws:cloudwatch/eventRule:EventRule")}
    rule = rules["llm-train-dr-us-east-1-standby-launch-failed"]
    assert standby.inputs["dimensions"] == {"RuleName": rule.inputs["name"]}
    assert '"prefix":"eks-llm-train-aws-use1-standby-h100-"' in rule.inputs["eventPattern"]
    assert len([name for name in alarms if "-dr-" in name]) == 6  # beside the node-health ones


def test_azure_and_alicloud_standby_alarms(programs: dict[str, Recorder]) -> None:
    recorder = programs["embeddings"]
    # The DR module's alert, beside the clusters' node-health alerts (health.tf).
    (alert,) = [
        a
        for a in recorder.of_type("azure-native:monitor:MetricAlert")
        if "-dr-" in a.inputs["ruleName"]
    ]
    assert alert.inputs["ruleName"] == "embeddings-dr-embeddings-az-wus3-standby-cannot-scale"
    assert alert.inputs["scopes"][0].endswith(
        "/resourceGroups/embeddings-az-wus3-rg/providers/"
        "Microsoft.ContainerService/managedClusters/embeddings-az-wus3"
    )
    criteria = alert.inputs["criteria"]["allOf"][0]
    assert criteria["metricName"] == "cluster_autoscaler_unschedulable_pods_count"
    (rule,) = recorder.of_type("alicloud:cms/eventRule:EventRule")
    assert rule.inputs["eventPattern"] == {
        "product": "ESS",
        "nameLists": ["AUTOSCALING:SCALE_OUT_ERROR"],
    }
    assert "embeddings-ali-sh-standby-a10" in rule.inputs["description"]


# -- outputs, args, config ---------------------------------------------------------------------


@pytest.mark.parametrize("module", sorted(ARGS))
def test_outputs_and_args_are_the_modules(module: str, programs: dict[str, Recorder]) -> None:
    outputs_tf = hcl2.loads((ROOT / "modules" / module / "outputs.tf").read_text())
    names = {next(iter(block)).strip('"') for block in outputs_tf["output"]}
    cloud = module.removeprefix("dr-")
    registered = [
        outputs
        for recorder in programs.values()
        for urn, outputs in recorder.outputs.items()
        if urn.split("::")[2].split("$")[-1] == f"infra:{cloud}:DisasterRecovery"
    ]
    assert registered, f"no {module} component ran"
    # A null output (no standby pools: standby_*) is not serialized, as Terraform omits it.
    assert all(set(outputs) <= names for outputs in registered)
    assert set().union(*registered) == names
    variables_tf = hcl2.loads((ROOT / "modules" / module / "variables.tf").read_text())
    variables = {next(iter(block)).strip('"') for block in variables_tf["variable"]}
    assert {f.name for f in dataclasses.fields(ARGS[module])} == variables


def test_args_refuse_what_the_modules_refuse(rendered: Path) -> None:
    call = _call(rendered, "llm-train", "dr_aws_us_east_1")
    inputs = {
        **call["inputs"],
        "endpoints": stack_json(rendered, "llm-train")["config"]["dr_endpoints"]["default"],
        "dns_zone_id": "Z0123456789EXAMPLE",
    }
    assert AwsDisasterRecoveryArgs.from_inputs(inputs).rtc_enabled
    with pytest.raises(ComponentInputError, match="needs dns_zone_id"):
        AwsDisasterRecoveryArgs.from_inputs({**inputs, "dns_zone_id": None})
    with pytest.raises(ComponentInputError, match="missing: az-eus"):
        AwsDisasterRecoveryArgs.from_inputs(
            {**inputs, "endpoints": {k: v for k, v in inputs["endpoints"].items() if k != "az-eus"}}
        )
    pair = {**inputs["replication_pairs"]["aws-use1"], "destination_region": "us-east-1"}
    with pytest.raises(ComponentInputError, match="is the source region"):
        AwsDisasterRecoveryArgs.from_inputs({**inputs, "replication_pairs": {"aws-use1": pair}})
    with pytest.raises(ComponentInputError, match="unknown attribute"):
        AwsDisasterRecoveryArgs.from_inputs(
            {**inputs, "dns_records": {"x1": {"name": "x", "targets": ["a", "b"], "weight": 1}}}
        )
    with pytest.raises(ComponentInputError, match="unsupported input"):
        AwsDisasterRecoveryArgs.from_inputs({**inputs, "dns_zone": "Z1"})


def test_config_defaults_and_values(rendered: Path) -> None:
    document = load_stack_document(rendered / "pulumi" / "llm-train" / "stack.json")
    call = next(c for c in document.dr if c.label == "dr_azure")
    pulumi.runtime.set_all_config(
        {
            "llm-train:dr_azure_action_group_id": "/subscriptions/s/resourceGroups/g/providers/"
            "microsoft.insights/actionGroups/oncall"
        },
        [],
    )
    try:
        values = config_inputs(call.variables, pulumi.Config("llm-train"))
    finally:
        pulumi.runtime.set_all_config({}, [])
    assert values["action_group_id"].endswith("/actionGroups/oncall")
    assert values["dns_zone"] is None  # null default: no CNAMEs
    assert set(values["endpoints"]) == {"ali-bj", "aws-use1", "aws-usw2", "az-eus"}


def test_a_missing_required_config_key_fails_naming_it(rendered: Path) -> None:
    config = {k: v for k, v in DR_CONFIG.items() if k != "dr_alicloud_dns_zone_name"}
    with pytest.raises(
        MissingConfigError, match=r"embeddings:dr_alicloud_dns_zone_name is required"
    ):
        run_rendered_project(rendered / "pulumi" / "embeddings", "prod", config)
