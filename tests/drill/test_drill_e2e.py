"""`infra drill` end to end: the real CLI in a subprocess, against the local endpoints of all
three clouds, counting what the servers themselves saw.

Outages drilled: llm-train losing Azure eastus (its H100 work moves to AWS us-east-1: the
replica check and the scaling on AWS, the traffic on Azure Traffic Manager) and embeddings
losing Azure westus3 (work moves to Alibaba Cloud cn-shanghai: a manual replica check, ACK
scaling, Azure traffic).
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.pipeline import resolve_paths
from tools.endpoints.alicloud import AlicloudEndpoint
from tools.endpoints.aws import AwsEndpoint
from tools.endpoints.azure import AzureEndpoint
from tools.endpoints.seed import seed_of

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FACTOR = "0.002"  # a 24-minute plan in about 3 s
LLM = str(ROOT / "stacks" / "llm_train.py")
FLEET = str(ROOT / "stacks" / "inference_fleet.py")
STEPS = (
    "check-replication-az-eus",
    "scale-aws-use1",
    "wait-aws-use1",
    "traffic-az-eus",
    "verify-az-eus",
)
# What an uninterrupted drill of llm-train azure:eastus changes: the AWS standby pool once, and
# two Traffic Manager endpoints (the target enabled, the source disabled).
CHANGES = Counter({"aws POST eks.UpdateNodegroupConfig": 1, "azure PATCH Endpoints_Update": 2})


def _seed(path: str, name: str) -> dict[str, Any]:
    return seed_of(next(s for s in resolve_paths([path]).stacks if s.name == name))


SEEDS = {"llm-train": _seed(LLM, "llm-train"), "embeddings": _seed(FLEET, "embeddings")}


class Clouds:
    def __init__(self) -> None:
        self.aws = AwsEndpoint(time_factor=float(FACTOR), checkpoint_every=300)
        self.azure = AzureEndpoint(time_factor=float(FACTOR))
        self.alicloud = AlicloudEndpoint(time_factor=float(FACTOR))
        self.all = {"aws": self.aws, "azure": self.azure, "alicloud": self.alicloud}

    def seed(self, seed: dict[str, Any]) -> None:
        for endpoint in self.all.values():
            endpoint.seed(seed)
            endpoint.reset_calls()

    def calls(self) -> Counter[str]:
        counted: Counter[str] = Counter()
        for cloud, endpoint in self.all.items():
            for key, n in endpoint.calls().items():
                name = " ".join(key) if isinstance(key, tuple) else key
                counted[f"{cloud} {name}"] += n
        return counted

    def changes(self) -> Counter[str]:
        """The mutating calls the servers served."""
        verbs = ("Update", "Modify", "Set", "CreateOrUpdate")
        return Counter(
            {
                k: n
                for k, n in self.calls().items()
                if k.split(" ", 2)[1] != "GET" and any(v in k.split(" ", 2)[2] for v in verbs)
            }
        )

    def flags(self) -> list[str]:
        return [f"--endpoint={name}={e.url}" for name, e in self.all.items()]


@pytest.fixture(scope="module")
def clouds() -> Iterator[Clouds]:
    endpoints = Clouds()
    for endpoint in endpoints.all.values():
        endpoint.start()
    try:
        yield endpoints
    finally:
        for endpoint in endpoints.all.values():
            endpoint.stop()


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in {"http_proxy", "https_proxy", "infra_drill_kill_at"}
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        ALIBABA_CLOUD_ACCESS_KEY_ID="testing",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET="testing",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def drill(
    clouds: Clouds,
    runs: Path,
    *args: str,
    stack: str = LLM,
    fail: str = "azure:eastus",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "infra",
        "drill",
        stack,
        "--fail",
        fail,
        *clouds.flags(),
        "--runs",
        str(runs),
        "--time-factor",
        FACTOR,
        *args,
    ]
    return subprocess.run(
        command,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _report(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(done.stdout)
    return document["report"]


def test_a_dry_run_lists_every_call_and_changes_nothing(clouds: Clouds, tmp_path: Path) -> None:
    clouds.seed(SEEDS["llm-train"])
    done = drill(clouds, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        "eks.update_nodegroup_config(clusterName='llm-train-aws-use1', nodegroupName='llm-train-aws-use1-standby-h100', scalingConfig={minSize: 8, maxSize: 8, desiredSize: 8})"
        in done.stdout
    )
    assert "endpoint_name='az-eus', properties={endpointStatus: 'Disabled'}" in done.stdout
    assert clouds.calls() == Counter()
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_an_executed_drill_across_two_clouds_recovers_within_the_rto(
    clouds: Clouds, tmp_path: Path
) -> None:
    clouds.seed(SEEDS["llm-train"])
    done = drill(clouds, tmp_path, "--execute", "--json")
    assert done.returncode == 0, done.stderr
    report = _report(done)
    assert [s["status"] for s in report["steps"]] == ["done"] * 5
    assert {s["cloud"] for s in report["steps"]} == {"aws", "azure"}
    assert report["rto_met"] is True and 0 < report["measured_rto_minutes"] <= 60
    assert report["rpo"]["ok"] is True
    assert {p["check"] for p in report["prechecks"]} >= {"offered", "quota"}
    assert all(p["ok"] for p in report["prechecks"])
    assert clouds.changes() == CHANGES
    files = json.loads(done.stdout)["files"]
    for name in ("json", "md", "html"):
        assert Path(files[name]).is_file()
    journal = (Path(files["json"]).parent / "journal.jsonl").read_text()
    assert "testing" not in journal  # no credential in the journal


@pytest.mark.parametrize("boundary", range(1, 2 * len(STEPS) + 1))
def test_killed_at_any_step_boundary_a_resumed_drill_changes_everything_exactly_once(
    clouds: Clouds, tmp_path: Path, boundary: int
) -> None:
    clouds.seed(SEEDS["llm-train"])
    killed = drill(
        clouds, tmp_path, "--execute", "--yes", env=_env(INFRA_DRILL_KILL_AT=str(boundary))
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (run,) = [p.name for p in tmp_path.iterdir()]
    resumed = drill(clouds, tmp_path, "--resume", run, "--json")
    assert resumed.returncode == 0, resumed.stderr
    report = _report(resumed)
    assert [s["status"] for s in report["steps"]] == ["done"] * 5
    assert clouds.changes() == CHANGES
    events = [json.loads(line)["event"] for line in (tmp_path / run / "journal.jsonl").open()]
    assert events.count("start") == 1 and events.count("resume") == 1


def test_failback_returns_the_pools_and_the_traffic(clouds: Clouds, tmp_path: Path) -> None:
    clouds.seed(SEEDS["llm-train"])
    done = drill(clouds, tmp_path, "--execute", "--json")
    run = _report(done)["run"]
    back = drill(clouds, tmp_path, "--failback", run, "--json")
    assert back.returncode == 0, back.stderr
    report = _report(back)
    assert [s["id"] for s in report["steps"]] == [
        "failback-traffic-az-eus",
        "failback-scale-aws-use1",
    ]
    assert [s["status"] for s in report["steps"]] == ["done", "done"]
    import boto3  # type: ignore[import-untyped]

    eks = boto3.client(
        "eks",
        region_name="us-east-1",
        endpoint_url=clouds.aws.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    group = eks.describe_nodegroup(
        clusterName="llm-train-aws-use1", nodegroupName="llm-train-aws-use1-standby-h100"
    )["nodegroup"]["scalingConfig"]
    assert group == {"minSize": 0, "desiredSize": 0, "maxSize": 8}
    assert clouds.changes() == CHANGES + Counter(
        {"aws POST eks.UpdateNodegroupConfig": 1, "azure PATCH Endpoints_Update": 1}
    )


def test_a_full_quota_fails_the_precheck_and_changes_nothing(
    clouds: Clouds, tmp_path: Path
) -> None:
    seed = copy.deepcopy(SEEDS["llm-train"])
    for quota in seed["quotas"]:
        if quota["cloud"] == "aws" and quota["instance_type"] == "p5.48xlarge":
            quota["limit"] = quota["used"]
    clouds.seed(seed)
    done = drill(clouds, tmp_path, "--execute", "--json")
    assert done.returncode == 1
    report = _report(done)
    status = {s["id"]: s["status"] for s in report["steps"]}
    assert status["scale-aws-use1"] == "failed"
    assert status["traffic-az-eus"] == status["verify-az-eus"] == "skipped"
    failed = [p for p in report["prechecks"] if not p["ok"]]
    assert [p["check"] for p in failed] == ["quota-room"]
    assert "vCPU" in failed[0]["detail"]
    assert any("pre-check failed" in p for p in report["problems"])
    assert clouds.changes() == Counter()


def test_alibaba_and_azure_with_a_manual_step(clouds: Clouds, tmp_path: Path) -> None:
    clouds.seed(SEEDS["embeddings"])
    # Without a person (no terminal, no --yes) the manual replica check is not confirmed:
    # the standby scales, but traffic does not move.
    alone = drill(clouds, tmp_path / "a", "--execute", "--json", stack=FLEET, fail="azure:westus3")
    assert alone.returncode == 1
    status = {s["id"]: s["status"] for s in _report(alone)["steps"]}
    assert status["check-replication-az-wus3"] == "failed"
    assert status["traffic-az-wus3"] == "skipped"
    assert "azure PATCH Endpoints_Update" not in clouds.changes()
    clouds.seed(SEEDS["embeddings"])
    done = drill(
        clouds, tmp_path / "b", "--execute", "--yes", "--json", stack=FLEET, fail="azure:westus3"
    )
    assert done.returncode == 0, done.stderr
    report = _report(done)
    assert [s["status"] for s in report["steps"]] == ["approved", "done", "done", "done", "done"]
    assert clouds.changes() == Counter(
        {"alicloud PUT ModifyClusterNodePool": 1, "azure PATCH Endpoints_Update": 2}
    )


def test_a_real_cloud_needs_the_stack_name_or_yes(clouds: Clouds, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "infra",
        "drill",
        LLM,
        "--fail",
        "azure:eastus",
        "--execute",
        "--runs",
        str(tmp_path),
    ]
    done = subprocess.run(
        command, env=_env(), capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    assert done.returncode == 1
    assert "this changes AWS, Azure for real" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_an_infeasible_plan_is_refused_unless_forced(clouds: Clouds, tmp_path: Path) -> None:
    clouds.seed(SEEDS["llm-train"])
    done = drill(clouds, tmp_path, "--execute", fail="aws")
    assert done.returncode == 1
    assert "is infeasible" in done.stderr and "--force" in done.stderr
    assert clouds.calls() == Counter()
