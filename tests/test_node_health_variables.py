"""Where the node-health alarms notify, set from the roots (docs/node-health.md).

Each cluster root with GPU pools declares the cloud's destination variable
(``Cloud.node_health_variables``: SNS topics, an action group, an Auto Scaling notification
target), named after the cluster, with the module variable's type and default, and passes it to
the module; the Pulumi project reads the same names from config and gives them to the cluster
component: the same alarms notify the same people, whichever tool applies them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hcl2
import pytest

from infra.clouds import CLOUDS
from infra.clouds.base import variable_suffix
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden" / "render"
MODULE_INPUT = {
    "aws": "alarm_topic_arns",
    "azure": "action_group_id",
    "alicloud": "scaling_notification_target",
}


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _hcl(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = hcl2.load(handle)
    return data


def _variables(path: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for block in _hcl(path).get("variable", []):
        for label, body in block.items():
            found[_unquote(label)] = body
    return found


def _clusters() -> list[tuple[Path, dict[str, Any]]]:
    """Every cluster of the golden renders: its Terraform root and its stack.json entry."""
    found = []
    for document in sorted(GOLDEN.glob("*/pulumi/*/stack.json")):
        data = json.loads(document.read_text(encoding="utf-8"))
        example = document.parents[2]
        for cluster in data["clusters"]:
            roots = [
                p.parent
                for p in sorted((example / "terraform" / data["stack"]).glob("*/main.tf"))
                if f"Cluster '{cluster['name']}' " in p.read_text(encoding="utf-8")
            ]
            assert len(roots) == 1, (document, cluster["name"], roots)
            found.append((roots[0], {**cluster, "config": data["config"]}))
    return found


CLUSTERS = _clusters()


def test_the_examples_cover_every_cloud() -> None:
    assert {c["cloud"] for _, c in CLUSTERS} == set(MODULE_INPUT)


@pytest.mark.parametrize(
    ("root", "cluster"), CLUSTERS, ids=[f"{r.parent.name}/{r.name}" for r, _ in CLUSTERS]
)
def test_each_cluster_root_declares_and_passes_its_alarm_destination(
    root: Path, cluster: dict[str, Any]
) -> None:
    cloud, name = cluster["cloud"], cluster["name"]
    gpu = any(pool.get("gpu") for pool in cluster["inputs"]["node_pools"].values())
    key = MODULE_INPUT[cloud]
    if not gpu:
        assert not (root / "variables.tf").exists() and cluster["variables"] == {}
        return
    declared = _variables(root / "variables.tf")
    (variable,) = declared
    assert variable.endswith(f"_{variable_suffix(name)}")
    (module,) = _hcl(root / "main.tf")["module"]
    assert module['"cluster"'][key] == f"${{var.{variable}}}"
    assert key not in cluster["inputs"]  # from the variable only, never a fixed value too
    # The root variable has the module variable's type and default: unset, nothing changes.
    wanted = _variables(ROOT / "modules" / f"{cloud}-gpu-cluster" / "variables.tf")[key]
    assert declared[variable]["type"] == wanted["type"]
    assert _unquote(declared[variable]["default"]) == _unquote(wanted["default"])
    # Pulumi: the same name, read from config into the same component input.
    assert cluster["variables"] == {key: variable}
    config = cluster["config"][variable]
    assert config["required"] is False
    assert config["default"] == _unquote(wanted["default"])
    assert CLOUDS[cloud].node_health_variables(name, cluster["region"])[key].name == variable


# -- the Pulumi project, under Pulumi's mocks -----------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:123456789012:gpu-oncall"
ACTION_GROUP = (
    "/subscriptions/s/resourceGroups/oncall/providers/microsoft.insights/actionGroups/gpu-oncall"
)


def test_the_pulumi_project_sends_the_alarms_where_config_says(tmp_path: Path) -> None:
    from tests.pulumi.conftest import DR_CONFIG, require_pulumi

    require_pulumi()
    from infra.catalog import default_catalog
    from infra.pipeline import resolve_paths
    from infra.render import render_stacks
    from tests.pulumi.mocks import run_rendered_project

    resolution = resolve_paths([str(ROOT / "stacks" / "llm_train.py")])
    assert resolution.ok, resolution.problems
    render_stacks(list(resolution.stacks), tmp_path, ["pulumi"], default_catalog())
    config = {
        **DR_CONFIG,
        "node_health_alarm_topic_arns_aws_use1": [TOPIC],
        "node_health_action_group_id_az_eus": ACTION_GROUP,
        "node_health_notification_target_ali_bj": "topic/gpu-oncall",
    }
    recorder = run_rendered_project(tmp_path / "pulumi" / "llm-train", "prod", config)
    alarms = [r for r in recorder.resources if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"]
    health = [a for a in alarms if "status-check" in a.name or "launch-failed" in a.name]
    assert health, sorted(a.name for a in alarms)
    for alarm in health:
        wanted = [TOPIC] if "aws-use1" in alarm.name else []  # aws-usw2: unset, the default
        assert alarm.inputs.get("alarmActions", []) == wanted, alarm.name
    alerts = [
        r
        for r in recorder.resources
        if r.type.startswith("azure-native:") and "node" in r.name and "ready" in r.name.lower()
    ]
    assert alerts and all(
        [a["actionGroupId"] for a in r.inputs.get("actions", [])] == [ACTION_GROUP] for r in alerts
    ), [(r.type, r.name, r.inputs.get("actions")) for r in alerts]
    notices = [r for r in recorder.resources if r.type == "alicloud:ess/notification:Notification"]
    assert notices and all(
        r.inputs["notificationArn"].endswith(":topic/gpu-oncall") for r in notices
    )
