"""Cloud-side node health alarms (docs/node-health.md): ``modules/<cloud>-gpu-cluster/health.tf``
and their Pulumi twins ``infra/clouds/<cloud>/node_health.py``.

Terraform: the files are fmt-clean, alarm only on GPU pools, mark the variables and outputs the
lead moves into variables.tf / outputs.tf, and keep EventBridge names within 64 characters.
Pulumi: each Part, run on its own under Pulumi's mocks for every cluster of the golden example
renders, creates exactly one alarm set per GPU pool with the physical names and arguments the
Terraform file gives (its string templates evaluated for the same cluster and pool).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

import hcl2
import pytest

from tests.conftest import ROOT

MODULES = ROOT / "modules"
GOLDEN_STACKS = sorted((ROOT / "tests" / "golden" / "render").glob("*/pulumi/*/stack.json"))
HEALTH = {
    "alicloud": MODULES / "alicloud-gpu-cluster" / "health.tf",
    "aws": MODULES / "aws-gpu-cluster" / "health.tf",
    "azure": MODULES / "azure-gpu-cluster" / "health.tf",
}


# -- reading health.tf -----------------------------------------------------------------------


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and block labels."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


# The variables and outputs health.tf reads and writes (in the module's variables.tf/outputs.tf).
_HEALTH_NAMES = {
    "aws": {"alarm_topic_arns", "status_check_evaluation_periods", "node_health_alarm_arns"},
    "azure": {"action_group_id", "node_health_alert_ids"},
    "alicloud": {"scaling_notification_target", "node_health_notification_ids"},
}


def _blocks(cloud: str, kind: str) -> dict[str, Any]:
    """``locals`` of health.tf, or the node-health ``variable``/``output`` blocks of the module
    (variables.tf, outputs.tf), by (unquoted) label."""
    if kind == "locals":
        files = [HEALTH[cloud]]
    else:
        files = [HEALTH[cloud].parent / ("variables.tf" if kind == "variable" else "outputs.tf")]
    found: dict[str, Any] = {}
    for path in files:
        document = hcl2.load(path.open())
        for block in document.get(kind, []):
            for label, body in block.items():
                name = _unquote(label)
                if kind == "locals" or name in _HEALTH_NAMES[cloud]:
                    found[name] = body
    return found


def _resources(cloud: str) -> dict[tuple[str, str], dict[str, Any]]:
    document = hcl2.load(HEALTH[cloud].open())
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for block in document["resource"]:
        for type_, named in block.items():
            for name, body in named.items():
                found[(_unquote(type_), _unquote(name))] = body
    return found


_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")


def _render(template: Any, values: Mapping[str, str]) -> Any:
    """A string template of health.tf with its interpolations replaced from ``values``; every
    interpolation must be known (a test that guesses would not fail)."""
    text = _unquote(template)
    if not isinstance(text, str):
        return text

    def replace(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        assert expression in values, f"no value for ${{{expression}}} in {text!r}"
        return values[expression]

    return _INTERPOLATION.sub(replace, text)


def _golden_clusters(cloud: str) -> list[dict[str, Any]]:
    clusters = [
        c
        for path in GOLDEN_STACKS
        for c in json.loads(path.read_text())["clusters"]
        if c["cloud"] == cloud
    ]
    assert clusters, f"no {cloud} cluster in the golden renders"
    return clusters


def _gpu_pools(inputs: Mapping[str, Any]) -> list[str]:
    return sorted(k for k, p in inputs["node_pools"].items() if p.get("gpu") is not None)


# -- Terraform -------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", sorted(HEALTH))
def test_health_tf_is_fmt_clean(cloud: str) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("no terraform on PATH")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-diff", str(HEALTH[cloud])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("cloud", sorted(HEALTH))
def test_node_health_variables_are_documented_and_validated(cloud: str) -> None:
    assert not re.search(r'^(variable|output) "', HEALTH[cloud].read_text(), re.MULTILINE)
    found = set(_blocks(cloud, "variable")) | set(_blocks(cloud, "output"))
    assert found == _HEALTH_NAMES[cloud]
    for name, body in _blocks(cloud, "variable").items():
        assert _unquote(body["description"]), name
        assert body.get("validation"), f"variable {name} has no validation block"


@pytest.mark.parametrize("cloud", sorted(HEALTH))
def test_alarms_cover_gpu_pools_only(cloud: str) -> None:
    locals_ = _blocks(cloud, "locals")
    assert locals_["gpu_pools"] == "${{for k, p in var.node_pools : k => p if p.gpu != null}}"
    others = "\n".join(
        p.read_text() for p in HEALTH[cloud].parent.glob("*.tf") if p != HEALTH[cloud]
    )
    assert "gpu_pools" not in others, "local.gpu_pools would be defined twice"
    for (type_, name), body in _resources(cloud).items():
        assert f'resource "{type_}" "{name}"' not in others, f"{type_}.{name} defined twice"
        guard = body.get("for_each") or body.get("count")
        assert guard is not None and "gpu" in guard, f"{type_}.{name} is not per GPU pool"


def test_aws_eventbridge_rule_name_fits_at_the_longest_cluster_name() -> None:
    rule = _resources("aws")[("aws_cloudwatch_event_rule", "gpu_launch_failed")]
    longest = _render(rule["name"], {"var.name": "c" * 40})  # variables.tf: at most 40
    assert len(longest) <= 64, longest  # EventBridge PutRule: Name 1-64 characters


# -- Pulumi ----------------------------------------------------------------------------------


def _run_part(program: Callable[[], None], recorder_type: type) -> Any:
    import pulumi

    recorder = recorder_type()
    pulumi.runtime.set_mocks(recorder, project="health", stack="test", preview=False)

    @pulumi.runtime.test
    def run() -> None:
        program()

    run()
    return recorder


def _aws_recorder() -> type:
    from tests.pulumi.mocks import Recorder

    class AwsRecorder(Recorder):
        """The shared mocks, plus the Auto Scaling group EKS reports for each node group."""

        def new_resource(self, args: Any) -> tuple[str | None, dict[str, Any]]:
            resource_id, state = super().new_resource(args)
            if args.typ == "aws:eks/nodeGroup:NodeGroup":
                asg = f"eks-{args.inputs['nodeGroupName']}-0123abcd"
                state["resources"] = [{"autoscalingGroups": [{"name": asg}]}]
            return resource_id, state

    return AwsRecorder


_AWS_ALARM_ARGS = {
    "alarm_name": "name",
    "alarm_description": "alarmDescription",
    "namespace": "namespace",
    "metric_name": "metricName",
    "statistic": "statistic",
    "period": "period",
    "evaluation_periods": "evaluationPeriods",
    "threshold": "threshold",
    "comparison_operator": "comparisonOperator",
    "treat_missing_data": "treatMissingData",
}


def _assert_same_alarm(
    tf: Mapping[str, Any], inputs: Mapping[str, Any], values: Mapping[str, str]
) -> None:
    for tf_arg, pulumi_arg in _AWS_ALARM_ARGS.items():
        expected = _render(tf[tf_arg], values)
        if tf_arg == "evaluation_periods" and isinstance(expected, str):
            expected = int(expected)
        assert inputs[pulumi_arg] == expected, f"{tf_arg}: {inputs[pulumi_arg]!r} != {expected!r}"


@pytest.mark.parametrize("cluster", _golden_clusters("aws"), ids=lambda c: c["inputs"]["name"])
def test_aws_part_matches_health_tf(cluster: dict[str, Any]) -> None:
    pytest.importorskip("pulumi_aws")
    import pulumi
    import pulumi_aws as aws

    from infra.clouds.aws.cluster import AwsGpuClusterArgs
    from infra.clouds.aws.node_health import NodeHealth

    inputs = cluster["inputs"]
    args = AwsGpuClusterArgs.from_inputs(inputs)
    topics = ["arn:aws:sns:us-east-1:123456789012:gpu-oncall"]

    def program() -> None:
        top = pulumi.ComponentResource("test:index:Top", "top")
        groups = {
            k: aws.eks.NodeGroup(
                f"{args.name}-{k}",
                cluster_name=args.name,
                node_group_name=f"{args.name}-{k}",
                node_role_arn="arn:aws:iam::123456789012:role/node",
                subnet_ids=["subnet-1"],
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=0, desired_size=0, max_size=1
                ),
                opts=pulumi.ResourceOptions(parent=top),
            )
            for k in args.node_pools
        }
        NodeHealth(args.name, args, groups, alarm_topic_arns=topics, parent=top)

    recorder = _run_part(program, _aws_recorder())
    gpu = _gpu_pools(inputs)
    tf = _resources("aws")
    alarms = {
        r.inputs["name"]: r.inputs
        for r in recorder.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    rules = recorder.of_type("aws:cloudwatch/eventRule:EventRule")
    periods = str(2 * 5)  # the variable's default, 2 five-minute periods
    expected_names = set()
    for pool in gpu:
        values = {
            "var.name": args.name,
            "each.key": pool,
            "var.status_check_evaluation_periods * 5": periods,
        }
        status = tf[("aws_cloudwatch_metric_alarm", "gpu_status_check_failed")]
        name = _render(status["alarm_name"], values)
        expected_names.add(name)
        _assert_same_alarm(
            status, alarms[name], {**values, "var.status_check_evaluation_periods": "2"}
        )
        assert alarms[name]["dimensions"] == {
            "AutoScalingGroupName": f"eks-{args.name}-{pool}-0123abcd"
        }
        assert alarms[name]["alarmActions"] == topics == alarms[name]["okActions"]
    if gpu:
        launch = tf[("aws_cloudwatch_metric_alarm", "gpu_launch_failed")]
        joined = ", ".join(f"{args.name}-{k}" for k in gpu)
        values = {
            "var.name": args.name,
            'join(", ", [for k in sort(keys(local.gpu_pools)) : "${var.name}-${k}"])': joined,
        }
        # The description's join() holds a nested ${...}: evaluate it as a whole.
        description = _unquote(launch["alarm_description"]).replace(
            '${join(", ", [for k in sort(keys(local.gpu_pools)) : "${var.name}-${k}"])}', joined
        )
        name = _render(launch["alarm_name"], values)
        expected_names.add(name)
        _assert_same_alarm({**launch, "alarm_description": description}, alarms[name], values)
        (rule,) = rules
        tf_rule = tf[("aws_cloudwatch_event_rule", "gpu_launch_failed")]
        assert (
            rule.inputs["name"]
            == _render(tf_rule["name"], values)
            == alarms[name]["dimensions"]["RuleName"]
        )
        assert json.loads(rule.inputs["eventPattern"]) == {
            "source": ["aws.autoscaling"],
            "detail-type": ["EC2 Instance Launch Unsuccessful"],
            "detail": {"AutoScalingGroupName": [f"eks-{args.name}-{k}-0123abcd" for k in gpu]},
        }
    else:
        assert not rules
    assert set(alarms) == expected_names


def test_aws_part_refuses_what_health_tf_refuses() -> None:
    from infra.clouds.args import ComponentInputError
    from infra.clouds.aws.node_health import check_node_health_inputs

    check_node_health_inputs(["arn:aws:sns:eu-west-1:123456789012:oncall.fifo"], 12)
    with pytest.raises(ComponentInputError, match="SNS topic ARNs"):
        check_node_health_inputs(["arn:aws:sqs:eu-west-1:123456789012:oncall"], 2)
    with pytest.raises(ComponentInputError, match="1-12"):
        check_node_health_inputs([], 0)


@pytest.mark.parametrize("cluster", _golden_clusters("azure"), ids=lambda c: c["inputs"]["name"])
def test_azure_part_matches_health_tf(cluster: dict[str, Any]) -> None:
    pytest.importorskip("pulumi_azure_native")
    import pulumi
    from pulumi_azure_native import containerservice, resources

    from infra.clouds.azure.cluster import AzureGpuClusterArgs
    from infra.clouds.azure.node_health import NodeHealth
    from tests.pulumi.mocks import SUBSCRIPTION_ID, Recorder

    inputs = cluster["inputs"]
    args = AzureGpuClusterArgs.from_inputs(inputs)
    action_group = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/ops/providers/microsoft.insights/actionGroups/gpu"

    def program() -> None:
        top = pulumi.ComponentResource("test:index:Top", "top")
        opts = pulumi.ResourceOptions(parent=top)
        group = resources.ResourceGroup("rg", resource_group_name=f"{args.name}-rg", opts=opts)
        aks = containerservice.ManagedCluster(
            "aks",
            resource_name_=args.name,
            resource_group_name=group.name,
            identity=containerservice.ManagedClusterIdentityArgs(type="SystemAssigned"),
            opts=opts,
        )
        NodeHealth(
            args.name,
            top,
            args,
            group,
            aks,
            {"infra-cluster": args.name},
            action_group_id=action_group,
        )

    recorder = _run_part(program, Recorder)
    tf = _resources("azure")[("azurerm_monitor_metric_alert", "gpu_nodes_not_ready")]
    (criteria,) = tf["criteria"]
    alerts = {
        r.inputs["ruleName"]: r.inputs for r in recorder.of_type("azure-native:monitor:MetricAlert")
    }
    expected = {}
    for pool in _gpu_pools(inputs):
        values = {"var.name": args.name, "each.key": pool}
        expected[_render(tf["name"], values)] = values
    assert set(alerts) == set(expected)
    for name, values in expected.items():
        alert = alerts[name]
        assert alert["description"] == _render(tf["description"], values)
        assert alert["severity"] == tf["severity"]
        assert alert["windowSize"] == _render(tf["window_size"], values)
        assert alert["evaluationFrequency"] == _render(tf["frequency"], values)
        assert alert["scopes"] == [f"/subscriptions/{SUBSCRIPTION_ID}/mock/{args.name}"]
        assert alert["resourceGroupName"] == f"{args.name}-rg"
        assert alert["actions"] == [{"actionGroupId": action_group}]
        (metric,) = alert["criteria"]["allOf"]
        assert metric["metricNamespace"] == _render(criteria["metric_namespace"], values)
        assert metric["metricName"] == _render(criteria["metric_name"], values)
        assert metric["timeAggregation"] == _render(criteria["aggregation"], values)
        assert metric["operator"] == _render(criteria["operator"], values)
        assert metric["threshold"] == criteria["threshold"]
        assert metric["dimensions"] == [
            {
                "name": _render(d["name"], values),
                "operator": _render(d["operator"], values),
                "values": [_render(v, values) for v in d["values"]],
            }
            for d in criteria["dimension"]
        ]


def test_azure_part_refuses_what_health_tf_refuses() -> None:
    from infra.clouds.args import ComponentInputError
    from infra.clouds.azure.node_health import check_node_health_inputs

    check_node_health_inputs(None)
    with pytest.raises(ComponentInputError, match="action group resource id"):
        check_node_health_inputs(
            "/subscriptions/x/resourceGroups/y/providers/Microsoft.Insights/components/z"
        )


def _alicloud_recorder() -> type:
    from tests.pulumi.mocks import Recorder

    class AlicloudRecorder(Recorder):
        """The shared mocks, plus the scaling group ACK reports for each node pool and the
        account the ``alicloud_account`` data source returns."""

        def new_resource(self, args: Any) -> tuple[str | None, dict[str, Any]]:
            resource_id, state = super().new_resource(args)
            if args.typ == "alicloud:cs/nodePool:NodePool":
                state["scalingGroupId"] = f"asg-{args.inputs['nodePoolName']}"
            return resource_id, state

        def call(self, args: Any) -> dict[str, Any]:
            if args.token == "alicloud:index/getAccount:getAccount":
                self.calls.append((args.token, dict(args.args), args.provider or None))
                return {"id": _ALICLOUD_ACCOUNT}
            return super().call(args)

    return AlicloudRecorder


_ALICLOUD_ACCOUNT = "1234567890123456"


@pytest.mark.parametrize("cluster", _golden_clusters("alicloud"), ids=lambda c: c["inputs"]["name"])
@pytest.mark.parametrize("target", ["cloudmonitor", "topic/gpu-oncall"])
def test_alicloud_part_matches_health_tf(cluster: dict[str, Any], target: str) -> None:
    pytest.importorskip("pulumi_alicloud")
    import pulumi
    from pulumi_alicloud import cs

    from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs
    from infra.clouds.alicloud.node_health import NodeHealth

    inputs = cluster["inputs"]
    args = AlicloudGpuClusterArgs.from_inputs(inputs)

    def program() -> None:
        top = pulumi.ComponentResource("test:index:Top", "top")
        pools = {
            k: cs.NodePool(
                f"{args.name}-{k}",
                node_pool_name=f"{args.name}-{k}",
                cluster_id="c-123",
                vswitch_ids=["vsw-1"],
                instance_types=[p.instance_type],
                opts=pulumi.ResourceOptions(parent=top),
            )
            for k, p in args.node_pools.items()
        }
        NodeHealth(args.name, args, pools, scaling_notification_target=target, parent=top)

    recorder = _run_part(program, _alicloud_recorder())
    tf = _resources("alicloud")[("alicloud_ess_notification", "gpu_scaling_failed")]
    gpu = _gpu_pools(inputs)
    notifications = {
        r.inputs["scalingGroupId"]: r.inputs
        for r in recorder.of_type("alicloud:ess/notification:Notification")
    }
    # Only GPU pools, each on its own pool's scaling group.
    assert set(notifications) == {f"asg-{args.name}-{k}" for k in gpu}
    values = {
        "var.region": args.region,
        "data.alicloud_account.current.id": _ALICLOUD_ACCOUNT,
        "var.scaling_notification_target": target,
    }
    for notification in notifications.values():
        assert notification["notificationArn"] == _render(tf["notification_arn"], values)
        assert notification["notificationTypes"] == [_unquote(t) for t in tf["notification_types"]]
    assert tf["scaling_group_id"] == (
        "${alicloud_cs_kubernetes_node_pool.pool[each.key].scaling_group_id}"
    )
    if gpu:
        assert any(t == "alicloud:index/getAccount:getAccount" for t, _, _ in recorder.calls)


def test_alicloud_golden_stacks_have_gpu_and_cpu_pools() -> None:
    """The parity test above must see both kinds of pool, or "only GPU pools" is untested."""
    pools = [p for c in _golden_clusters("alicloud") for p in c["inputs"]["node_pools"].values()]
    assert any(p.get("gpu") is not None for p in pools)
    assert any(p.get("gpu") is None for p in pools)


def test_alicloud_notification_types_are_the_documented_failures() -> None:
    """ESS DescribeNotificationTypes: SCALE_OUT_ERROR (scale-out fails), SCALE_REJECT (scaling
    request rejected); the Part and health.tf list the same ones."""
    from infra.clouds.alicloud.node_health import NOTIFICATION_TYPES

    tf = _resources("alicloud")[("alicloud_ess_notification", "gpu_scaling_failed")]
    assert [_unquote(t) for t in tf["notification_types"]] == list(NOTIFICATION_TYPES)
    assert NOTIFICATION_TYPES == ("AUTOSCALING:SCALE_OUT_ERROR", "AUTOSCALING:SCALE_REJECT")


def test_alicloud_part_refuses_what_health_tf_refuses() -> None:
    from infra.clouds.alicloud.node_health import check_node_health_inputs
    from infra.clouds.args import ComponentInputError

    validation = _blocks("alicloud", "variable")["scaling_notification_target"]["validation"][0]
    assert "cloudmonitor|queue/[^/:]+|topic/[^/:]+" in validation["condition"]
    for target in ("cloudmonitor", "queue/q-1", "topic/gpu-oncall"):
        check_node_health_inputs(target)
    for bad in ("CloudMonitor", "topic/", "acs:ess:cn-beijing:1:cloudmonitor", "sns/x"):
        with pytest.raises(ComponentInputError, match="cloudmonitor, queue/<name> or topic/<name>"):
            check_node_health_inputs(bad)
