"""Admin access in the Pulumi components: the same grants as the modules' access.tf, the same
refusals as their variable validations, and parity with the Terraform roots for a stack whose
clusters name admins on all three clouds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.pulumi.conftest import require_pulumi

require_pulumi()

from infra.catalog import default_catalog  # noqa: E402
from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs  # noqa: E402
from infra.clouds.args import ComponentInputError  # noqa: E402
from infra.clouds.aws.cluster import AwsGpuClusterArgs  # noqa: E402
from infra.clouds.azure.cluster import AzureGpuClusterArgs  # noqa: E402
from infra.model import Cluster, NodePool, Stack  # noqa: E402
from infra.render import render_stacks  # noqa: E402
from infra.validate import validate_stacks  # noqa: E402
from tests.pulumi.inventory import (  # noqa: E402
    ACK_ADMIN_GRANT,
    AKS_ADMIN_GRANTS,
    EKS_ADMIN_GRANT,
    admin_record,
    pulumi_inventory,
    terraform_inventory,
)
from tests.pulumi.mocks import run_rendered_project  # noqa: E402
from tests.pulumi.test_pulumi_parity import _assert_same  # noqa: E402

AWS = ("arn:aws:iam::111122223333:role/oncall", "arn:aws:iam::111122223333:user/ops/alice")
AZURE = ("0a1b2c3d-0000-4000-8000-00000000ab12", "0a1b2c3d-0000-4000-8000-00000000ab13")
ALICLOUD = ("user:2367000000000001", "role:3000000000000002")


def _stack() -> Stack:
    return Stack(
        name="adm",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="a",
                cloud="aws",
                region="us-east-1",
                cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
                admins=AWS,
            ),
            Cluster(
                name="z",
                cloud="azure",
                region="eastus",
                cidr="10.1.0.0/16",
                pools=[NodePool(name="gpu", gpu="H100", gpus=8)],
                admins=AZURE,
            ),
            Cluster(
                name="b",
                cloud="alicloud",
                region="cn-beijing",
                cidr="10.2.0.0/16",
                pools=[NodePool(name="p", gpu="A10", gpus=1)],
                admins=ALICLOUD,
            ),
        ],
    )


@pytest.fixture(scope="module")
def admin_render(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, list[Any]]:
    """The stack rendered (Terraform and Pulumi) and its program run under mocks, once."""
    import json

    catalog = default_catalog()
    resolved, problems = validate_stacks([("adm.py", _stack())], catalog)
    assert not problems, problems
    out = tmp_path_factory.mktemp("admins") / "out"
    render_stacks(resolved, out, ["terraform", "pulumi"], catalog)
    document = json.loads((out / "pulumi" / "adm" / "stack.json").read_text())
    recorder = run_rendered_project(out / "pulumi" / "adm", document["environment"])
    return out, recorder, document["clusters"]


def test_terraform_and_pulumi_grant_the_same_admins(
    admin_render: tuple[Path, Any, list[Any]],
) -> None:
    out, recorder, clusters = admin_render
    terraform = terraform_inventory(out, "adm")["admins"]
    pulumi = pulumi_inventory(recorder, clusters)["admins"]
    expected = [
        *(admin_record("a", arn, [EKS_ADMIN_GRANT]) for arn in AWS),
        *(admin_record("z", group, AKS_ADMIN_GRANTS) for group in AZURE),
        *(admin_record("b", admin, [ACK_ADMIN_GRANT]) for admin in ALICLOUD),
    ]
    _assert_same("adm", {"admins": expected}, {"admins": terraform})
    _assert_same("adm", {"admins": terraform}, {"admins": pulumi})


def test_aks_admin_groups_are_the_clusters_aad_admin_groups(
    admin_render: tuple[Path, Any, list[Any]],
) -> None:
    _, recorder, _ = admin_render
    (aks,) = recorder.of_type("azure-native:containerservice:ManagedCluster")
    profile = aks.inputs["aadProfile"]
    assert profile["adminGroupObjectIDs"] == list(AZURE)
    assert profile["enableAzureRBAC"] is True and aks.inputs["disableLocalAccounts"] is True


def test_access_resources_have_stable_names(admin_render: tuple[Path, Any, list[Any]]) -> None:
    # Names key the URNs: a principal's grant must not move when another admin is added.
    _, recorder, _ = admin_render
    names = {
        r.name
        for r in recorder.resources
        if r.type
        in (
            "azure-native:authorization:RoleAssignment",
            "alicloud:cs/kubernetesPermission:KubernetesPermission",
        )
    }
    assert {f"adm-z-admin-{g}" for g in AZURE} <= names
    assert {"adm-b-admin-user-2367000000000001", "adm-b-admin-role-3000000000000002"} <= names


def _base(cloud: str) -> dict[str, Any]:
    pool = {"instance_type": "x", "min_nodes": 1, "desired_nodes": 1, "max_nodes": 1}
    common = {"name": "adm-c", "cidr": "10.0.0.0/16", "kubernetes_version": "1.33"}
    if cloud == "aws":
        pool["instance_type"] = "m7i.2xlarge"
        return {
            **common,
            "region": "us-east-1",
            "zones": ["us-east-1a", "us-east-1b"],
            "checkpoint_bucket_name": "b",
            "node_pools": {"p": pool},
        }
    if cloud == "azure":
        pool["instance_type"] = "Standard_D4s_v5"
        return {
            **common,
            "region": "eastus",
            "zones": ["1"],
            "storage_account_name": "ckptabc",
            "node_pools": {"p": pool},
        }
    pool["instance_type"] = "ecs.g7.2xlarge"
    return {
        **common,
        "region": "cn-beijing",
        "zones": ["cn-beijing-i"],
        "checkpoint_bucket_name": "b",
        "node_pools": {"p": pool},
    }


@pytest.mark.parametrize(
    ("cloud", "change", "message"),
    [
        ("aws", {"admin_principal_arns": ["arn:aws:sts::1:assumed-role/x/y"]}, "IAM role or user"),
        ("aws", {"admin_principal_arns": [AWS[0], AWS[0]]}, "must not repeat"),
        ("azure", {"admin_group_object_ids": ["oncall"]}, "GUIDs"),
        ("azure", {"admin_group_object_ids": [AZURE[0], AZURE[0].upper()]}, "must not repeat"),
        ("alicloud", {"admin_ram_user_ids": ["alice"]}, "RAM user ids"),
        ("alicloud", {"admin_ram_role_ids": ["1", "1"]}, "must not repeat a role"),
    ],
)
def test_args_refuse_what_the_admin_variables_refuse(
    cloud: str, change: dict[str, Any], message: str
) -> None:
    args = {"aws": AwsGpuClusterArgs, "azure": AzureGpuClusterArgs}.get(
        cloud, AlicloudGpuClusterArgs
    )
    args.from_inputs(_base(cloud))  # type: ignore[attr-defined]
    with pytest.raises(ComponentInputError, match=message):
        args.from_inputs({**_base(cloud), **change})  # type: ignore[attr-defined]
