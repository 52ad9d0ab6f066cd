"""Real ``terraform init`` + ``validate`` of rendered AWS roots against a local provider mirror.

Providers cannot be downloaded here, so this runs only where INFRA_TF_PLUGIN_DIR names a
directory holding registry.terraform.io/hashicorp/aws (``make test`` finds one if the machine
has it); elsewhere it skips with that reason. Azure and Alibaba roots are covered by the offline
schema check instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.terraform.conftest import run_terraform

PLUGIN_DIR = os.environ.get("INFRA_TF_PLUGIN_DIR", "")
ROOTS = [
    "terraform/llm-train/aws-use1",  # EFA, placement groups, taints, a standby pool
    "terraform/chat-serving/use2",  # autoscaling bounds, a spot pool
    "terraform/research-sandbox/_global",  # the S3 state backend
    "terraform/aws-dr/_dr",  # S3 replication with RTC, Route 53 failover, alarms, 2 regions
]

pytestmark = pytest.mark.skipif(
    not (PLUGIN_DIR and (Path(PLUGIN_DIR) / "registry.terraform.io/hashicorp/aws").is_dir()),
    reason="INFRA_TF_PLUGIN_DIR does not name a provider mirror holding hashicorp/aws",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("validate") / "build"
    result = run_cli(
        "render",
        str(ROOT / "stacks"),
        str(ROOT / "tests/data/stacks/aws_dr.py"),
        "-o",
        str(out),
        "--target",
        "terraform",
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("root", ROOTS)
def test_aws_root_validates(root: str, rendered: Path, terraform: tuple[str, ...]) -> None:
    path = rendered / root
    try:
        run_terraform(
            terraform,
            path,
            "init",
            "-backend=false",
            f"-plugin-dir={PLUGIN_DIR}",
            "-input=false",
            "-no-color",
        )
        result = run_terraform(terraform, path, "validate", "-no-color")
        assert "Success! The configuration is valid." in result.stdout
    finally:
        shutil.rmtree(path / ".terraform", ignore_errors=True)
