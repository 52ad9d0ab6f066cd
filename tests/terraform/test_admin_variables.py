"""The cluster modules' admin variables, checked by real Terraform: the shapes infra validates
offline pass the modules' ``validation`` blocks, and what the modules refuse they refuse.

Variable validations need no provider: a module cut down to its ``variables.tf``, called from a
``main.tf.json`` with the inputs infra renders for a cluster plus the admin variables, passes
``terraform init -backend=false`` and ``terraform validate`` offline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.access import admin_inputs
from infra.catalog import default_catalog
from infra.inputs import cluster_module_inputs
from infra.model import Cluster, NodePool, Stack
from infra.terraform.binary import terraform_env
from infra.validate import validate_stacks
from tests.conftest import ROOT

CLUSTERS = {
    "aws": Cluster(
        name="a",
        cloud="aws",
        region="us-east-1",
        cidr="10.0.0.0/16",
        pools=[NodePool(name="p", instance_type="m7i.2xlarge", nodes=2)],
    ),
    "azure": Cluster(
        name="z",
        cloud="azure",
        region="eastus",
        cidr="10.1.0.0/16",
        pools=[NodePool(name="p", instance_type="Standard_D4s_v5", nodes=2)],
    ),
    "alicloud": Cluster(
        name="b",
        cloud="alicloud",
        region="cn-beijing",
        cidr="10.2.0.0/16",
        pools=[NodePool(name="p", gpu="A10", gpus=1)],
    ),
}
MODULES = {
    "aws": "aws-gpu-cluster",
    "azure": "azure-gpu-cluster",
    "alicloud": "alicloud-gpu-cluster",
}
GOOD = {
    "aws": ("arn:aws:iam::111122223333:role/platform/oncall", "arn:aws:iam::111122223333:user/a"),
    "azure": ("0a1b2c3d-0000-4000-8000-00000000ab12", "0A1B2C3D-0000-4000-8000-00000000AB13"),
    "alicloud": ("user:2367000000000001", "role:3000000000000002"),
}
# Module variable -> values it refuses, and the error it gives.
BAD: list[tuple[str, str, list[str], str]] = [
    ("aws", "admin_principal_arns", ["arn:aws:sts::111122223333:assumed-role/x/y"], "IAM role"),
    ("aws", "admin_principal_arns", ["arn:aws:iam::111122223333:role/"], "IAM role"),
    ("aws", "admin_principal_arns", ["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/a"], "IAM"),
    (
        "aws",
        "admin_principal_arns",
        ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/a"],
        "must not repeat",
    ),
    ("azure", "admin_group_object_ids", ["0a1b2c3d-0000-4000-8000-00000000ab1-"], "GUIDs"),
    (
        "azure",
        "admin_group_object_ids",
        ["0a1b2c3d-0000-4000-8000-00000000ab12", "0A1B2C3D-0000-4000-8000-00000000AB12"],
        "must not repeat",
    ),
    ("alicloud", "admin_ram_user_ids", ["alice"], "RAM user ids"),
    ("alicloud", "admin_ram_role_ids", ["1", "1"], "must not repeat a role"),
]


def _inputs(cloud: str) -> dict[str, Any]:
    stack = Stack(name="adm", owner="ml", environment="prod", clusters=[CLUSTERS[cloud]])
    resolved, problems = validate_stacks([("adm.py", stack)], default_catalog())
    assert not problems, problems
    (only,) = resolved
    return dict(cluster_module_inputs(only, only.clusters[0]))


def _validate(
    terraform: tuple[str, ...], tmp_path: Path, cloud: str, inputs: dict[str, Any]
) -> str | None:
    """None when Terraform accepts the module call, else its diagnostics."""
    module = tmp_path / "m"
    module.mkdir()
    shutil.copy(ROOT / "modules" / MODULES[cloud] / "variables.tf", module / "variables.tf")
    call = {"source": "./m", **inputs}
    (tmp_path / "main.tf.json").write_text(json.dumps({"module": {"m": call}}))
    env = terraform_env()
    for args in (("init", "-backend=false", "-input=false", "-no-color"), ("validate", "-json")):
        result = subprocess.run(
            [*terraform, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            if args[0] == "validate":
                diagnostics = json.loads(result.stdout).get("diagnostics", [])
                return "; ".join(f"{d.get('summary')}: {d.get('detail')}" for d in diagnostics)
            return result.stdout + result.stderr
    return None


@pytest.mark.parametrize("cloud", sorted(CLUSTERS))
def test_admins_infra_accepts_pass_the_module(
    cloud: str, terraform: tuple[str, ...], tmp_path: Path
) -> None:
    inputs = {**_inputs(cloud), **admin_inputs(cloud, GOOD[cloud])}
    assert any(k.startswith("admin_") for k in inputs)
    assert _validate(terraform, tmp_path, cloud, inputs) is None


@pytest.mark.parametrize(("cloud", "variable", "values", "message"), BAD)
def test_the_module_refuses_bad_admins(
    cloud: str,
    variable: str,
    values: list[str],
    message: str,
    terraform: tuple[str, ...],
    tmp_path: Path,
) -> None:
    error = _validate(terraform, tmp_path, cloud, {**_inputs(cloud), variable: values})
    assert error is not None and message in error, error
