"""Real Terraform over modules/: fmt-clean, and the AWS modules validate against a real provider.

The Terraform binary is ``$INFRA_TERRAFORM`` or ``terraform`` on PATH. Validation needs a local
provider mirror: ``$INFRA_TF_PLUGIN_DIR`` naming a directory that holds
``registry.terraform.io/hashicorp/aws`` (the Makefile sets it when it finds one).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MODULES = REPO_ROOT / "modules"


def _terraform() -> str | None:
    configured = os.environ.get("INFRA_TERRAFORM")
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    return shutil.which("terraform")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    return subprocess.run(
        args, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def terraform() -> str:
    binary = _terraform()
    if binary is None:
        pytest.skip("no Terraform: set INFRA_TERRAFORM or put terraform on PATH")
    return binary


@pytest.fixture(scope="module")
def aws_plugin_dir() -> Path:
    configured = os.environ.get("INFRA_TF_PLUGIN_DIR")
    if not configured:
        pytest.skip("INFRA_TF_PLUGIN_DIR is not set (a provider mirror with hashicorp/aws)")
    plugin_dir = Path(configured)
    if not (plugin_dir / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(
            f"INFRA_TF_PLUGIN_DIR={plugin_dir} holds no registry.terraform.io/hashicorp/aws"
        )
    return plugin_dir


def test_modules_are_fmt_clean(terraform: str) -> None:
    # Exit 3 lists unformatted files; 2 is a syntax error. Only 0 passes.
    result = _run([terraform, "fmt", "-check", "-recursive", "-list=true", str(MODULES)], REPO_ROOT)
    assert result.returncode == 0, f"terraform fmt -check failed:\n{result.stdout}{result.stderr}"


AWS_CLUSTER_CALL = """
module "cluster" {
  source                 = "./modules/aws-gpu-cluster"
  name                   = "llm-train-aws-use1"
  region                 = "us-east-1"
  cidr                   = "10.10.0.0/16"
  zones                  = ["us-east-1a", "us-east-1b"]
  kubernetes_version     = "1.31"
  checkpoint_bucket_name = "llm-train-aws-use1-ckpt"
  node_pools = {
    h100 = {
      instance_type = "p5.48xlarge"
      gpu           = "H100"
      gpus_per_node = 8
      min_nodes     = 0
      desired_nodes = 4
      max_nodes     = 8
      rdma          = true
      taints        = [{ key = "nvidia.com/gpu", value = "true", effect = "NoSchedule" }]
    }
    l4 = {
      instance_type = "g6.12xlarge"
      gpu           = "L4"
      gpus_per_node = 4
      min_nodes     = 0
      desired_nodes = 0
      max_nodes     = 4
      spot          = true
      workload      = "inference"
      standby       = true
    }
    system = {
      instance_type = "m7i.2xlarge"
      min_nodes     = 2
      desired_nodes = 2
      max_nodes     = 3
      workload      = "system"
    }
  }
}

output "node_pool_names" {
  value = module.cluster.node_pool_names
}
"""

STATE_BACKEND_CALL = """
module "state" {
  source = "./modules/state-backend-aws"
  name   = "llm-train-tfstate-123456789012"
  region = "us-east-1"
}

output "backend_config" {
  value = module.state.backend_config
}
"""


@pytest.mark.parametrize(
    ("module", "call"),
    [("aws-gpu-cluster", AWS_CLUSTER_CALL), ("state-backend-aws", STATE_BACKEND_CALL)],
)
def test_aws_module_validates_with_real_provider(
    terraform: str, aws_plugin_dir: Path, tmp_path: Path, module: str, call: str
) -> None:
    shutil.copytree(MODULES / module, tmp_path / "modules" / module)
    provider = 'provider "aws" {\n  region = "us-east-1"\n}\n'
    (tmp_path / "main.tf").write_text(provider + call)

    init = _run(
        [terraform, "init", "-input=false", "-backend=false", f"-plugin-dir={aws_plugin_dir}"],
        tmp_path,
    )
    assert init.returncode == 0, init.stdout + init.stderr

    validate = _run([terraform, "validate", "-json"], tmp_path)
    report = json.loads(validate.stdout)
    diagnostics = [f"{d['severity']}: {d['summary']}" for d in report["diagnostics"]]
    assert report["valid"], diagnostics
    # Deprecated arguments show up as warnings: none allowed, they break on the next major.
    assert report["warning_count"] == 0, diagnostics
