"""Admin access (``Cluster.admins``): validation per cloud, the module inputs, the modules'
access resources, and the runbook's credentials section."""

from __future__ import annotations

import dataclasses
from typing import Any

import hcl2
import pytest

from infra.access import admin_inputs, admin_problem, cluster_admins, credentials_commands
from infra.catalog import Catalog
from infra.dr.emit import runbook
from infra.dr.outages import all_outages
from infra.dr.plan import ClusterAccess, plan_outage
from infra.inputs import cluster_module_inputs
from infra.model import Cluster, DisasterRecovery, NodePool, Stack
from infra.resolve import ResolvedStack
from infra.validate import validate_stacks
from tests.conftest import ROOT

AWS_ADMINS = (
    "arn:aws:iam::111122223333:role/oncall",
    "arn:aws:iam::111122223333:role/platform/gpu-admins",
    "arn:aws:iam::111122223333:user/alice",
)
AZURE_ADMINS = ("0a1b2c3d-0000-4000-8000-00000000ab12",)
ALICLOUD_ADMINS = ("user:2367000000000001", "role:3000000000000002")


def _stack(**admins: tuple[str, ...]) -> Stack:
    return Stack(
        name="s",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="a",
                cloud="aws",
                region="us-east-1",
                cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
                gpu_capacity={"H100": 16},
                admins=admins.get("aws", ()),
            ),
            Cluster(
                name="z",
                cloud="azure",
                region="eastus",
                cidr="10.1.0.0/16",
                pools=[NodePool(name="gpu", gpu="H100", gpus=8)],
                gpu_capacity={"H100": 16},
                admins=admins.get("azure", ()),
            ),
            Cluster(
                name="b",
                cloud="alicloud",
                region="cn-beijing",
                cidr="10.2.0.0/16",
                pools=[NodePool(name="p", gpu="A10", gpus=1)],
                admins=admins.get("alicloud", ()),
            ),
        ],
        dr=DisasterRecovery(rpo_minutes=30, rto_minutes=240, failover={"a": ("z",), "z": ("a",)}),
    )


def _resolved(catalog: Catalog, stack: Stack) -> ResolvedStack:
    resolved, problems = validate_stacks([("s.py", stack)], catalog)
    assert not problems, problems
    (only,) = resolved
    return only


# -- validation ---------------------------------------------------------------------------------


def test_valid_admins_of_every_cloud_pass(catalog: Catalog) -> None:
    _resolved(catalog, _stack(aws=AWS_ADMINS, azure=AZURE_ADMINS, alicloud=ALICLOUD_ADMINS))


@pytest.mark.parametrize(
    ("cloud", "admin"),
    [
        ("aws", "arn:aws:iam::111122223333:role/oncall"),
        ("aws", "arn:aws:iam::111122223333:role/a/b/c/name_with+=,.@-"),
        ("aws", "arn:aws:iam::111122223333:user/alice"),
        ("azure", "00000000-0000-0000-0000-000000000000"),
        ("azure", "0A1B2C3D-0000-4000-8000-00000000AB12"),
        ("alicloud", "user:2367000000000001"),
        ("alicloud", "role:3000000000000002"),
    ],
)
def test_admin_shapes_each_cloud_accepts(cloud: str, admin: str) -> None:
    assert admin_problem(cloud, admin) is None


@pytest.mark.parametrize(
    ("cloud", "admin"),
    [
        ("aws", "arn:aws:sts::111122223333:assumed-role/oncall/alice"),  # a session
        ("aws", "arn:aws:iam::111122223333:group/admins"),  # groups have no access entries
        ("aws", "arn:aws-cn:iam::111122223333:role/oncall"),  # no China region in the catalog
        ("aws", "arn:aws:iam::111122223333:role/"),
        ("aws", "arn:aws:iam::111122223333:role/" + "x" * 65),
        ("aws", "arn:aws:iam::111122223333:role/oncall\n"),
        ("azure", "0a1b2c3d-0000-4000-8000-00000000ab1"),  # one digit short
        ("azure", "{0a1b2c3d-0000-4000-8000-00000000ab12}"),
        ("azure", "platform-oncall"),
        ("alicloud", "2367000000000001"),  # user or role?
        ("alicloud", "group:2367000000000001"),
        ("alicloud", "user:alice"),
        ("alicloud", "acs:ram::1234567890123456:user/alice"),
    ],
)
def test_admin_shapes_each_cloud_refuses(cloud: str, admin: str) -> None:
    problem = admin_problem(cloud, admin)
    assert problem is not None and problem.startswith("invalid admin ")
    assert "(allowed: " in problem and "\n" not in problem


def test_a_long_bad_admin_is_shortened_in_the_message() -> None:
    problem = admin_problem("azure", "g" * 500)
    assert problem is not None and len(problem) < 250


def test_problems_name_the_admin_path(catalog: Catalog) -> None:
    stack = _stack(azure=("not-a-guid", AZURE_ADMINS[0], AZURE_ADMINS[0].upper()))
    _, problems = validate_stacks([("s.py", stack)], catalog)
    assert [(p.path, p.message.split(" (")[0]) for p in problems] == [
        ("clusters[1].admins[0]", "invalid admin 'not-a-guid'"),
        ("clusters[1].admins[2]", f"admin {AZURE_ADMINS[0].upper()!r} is listed twice"),
    ]


def test_admins_must_be_strings() -> None:
    from infra.errors import StackError

    with pytest.raises(StackError) as failure:
        _stack(aws=(5,))  # type: ignore[arg-type]
    assert [p.path for p in failure.value.problems] == ["clusters[0].admins[0]"]


# -- module inputs -------------------------------------------------------------------------------


def test_module_inputs_per_cloud() -> None:
    assert admin_inputs("aws", AWS_ADMINS) == {"admin_principal_arns": list(AWS_ADMINS)}
    assert admin_inputs("azure", AZURE_ADMINS) == {"admin_group_object_ids": list(AZURE_ADMINS)}
    assert admin_inputs("alicloud", ALICLOUD_ADMINS) == {
        "admin_ram_user_ids": ["2367000000000001"],
        "admin_ram_role_ids": ["3000000000000002"],
    }
    assert admin_inputs("alicloud", ("role:1",)) == {"admin_ram_role_ids": ["1"]}


@pytest.mark.parametrize("cloud", ["aws", "azure", "alicloud"])
def test_no_admins_pass_nothing(cloud: str) -> None:
    # The module defaults (no admins) stay in force: roots without admins do not change.
    assert admin_inputs(cloud, ()) == {}


def test_resolved_clusters_carry_their_admins_to_the_module_inputs(catalog: Catalog) -> None:
    stack = _resolved(catalog, _stack(aws=AWS_ADMINS, azure=AZURE_ADMINS, alicloud=ALICLOUD_ADMINS))
    inputs = {c.name: cluster_module_inputs(stack, c) for c in stack.clusters}
    assert [cluster_admins(c) for c in stack.clusters] == [
        AWS_ADMINS,
        AZURE_ADMINS,
        ALICLOUD_ADMINS,
    ]
    assert inputs["a"]["admin_principal_arns"] == list(AWS_ADMINS)
    assert inputs["z"]["admin_group_object_ids"] == list(AZURE_ADMINS)
    assert inputs["b"]["admin_ram_user_ids"] == ["2367000000000001"]
    assert inputs["b"]["admin_ram_role_ids"] == ["3000000000000002"]


# -- the modules ---------------------------------------------------------------------------------


def _resources(module: str) -> dict[str, dict[str, Any]]:
    """``type.name`` -> arguments of every resource in ``modules/<module>/access.tf``."""
    document = hcl2.loads((ROOT / "modules" / module / "access.tf").read_text())
    found: dict[str, dict[str, Any]] = {}
    for block in document.get("resource", []):
        for rtype, named in block.items():
            for name, body in named.items():
                found[f"{_text(rtype)}.{_text(name)}"] = body
    return found


def _text(value: Any) -> str:
    return str(value).strip('"')


def test_eks_access_entries_give_cluster_admin_per_principal() -> None:
    resources = _resources("aws-gpu-cluster")
    entry = resources["aws_eks_access_entry.admin"]
    policy = resources["aws_eks_access_policy_association.admin"]
    for body in (entry, policy):
        assert "var.admin_principal_arns" in _text(body["for_each"])
    assert _text(entry["type"]) == "STANDARD"
    assert _text(policy["policy_arn"]).endswith(
        ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    )
    assert _text(policy["access_scope"][0]["type"]) == "cluster"
    # Access entries need API authentication (or API_AND_CONFIG_MAP) on the cluster.
    main = (ROOT / "modules" / "aws-gpu-cluster" / "main.tf").read_text()
    assert 'authentication_mode                         = "API"' in main


def test_aks_admin_groups_get_the_cluster_user_role() -> None:
    (assignment,) = _resources("azure-gpu-cluster").values()
    assert "var.admin_group_object_ids" in _text(assignment["for_each"])
    assert _text(assignment["role_definition_name"]) == "Azure Kubernetes Service Cluster User Role"
    assert _text(assignment["principal_type"]) == "Group"
    main = (ROOT / "modules" / "azure-gpu-cluster" / "main.tf").read_text()
    assert "admin_group_object_ids = var.admin_group_object_ids" in main
    assert "azure_rbac_enabled     = true" in main
    assert "local_account_disabled" in main


def test_ack_permissions_give_the_admin_role_per_user_and_role() -> None:
    resources = _resources("alicloud-gpu-cluster")
    for name, ram_role in (("admin_user", False), ("admin_role", True)):
        body = resources[f"alicloud_cs_kubernetes_permissions.{name}"]
        kind = "role" if ram_role else "user"
        assert f"var.admin_ram_{kind}_ids" in _text(body["for_each"])
        (permission,) = body["permissions"]
        assert _text(permission["role_type"]) == "cluster"
        assert _text(permission["role_name"]) == "admin"
        assert permission["is_ram_role"] is ram_role
        assert "alicloud_cs_managed_kubernetes.this.id" in _text(permission["cluster"])


# -- the runbook ---------------------------------------------------------------------------------


def test_credentials_commands_name_the_context_the_steps_use() -> None:
    (aws,) = credentials_commands("aws", "s-a", "us-east-1")
    assert aws.startswith("aws eks update-kubeconfig --region us-east-1 --name s-a --alias s-a")
    assert credentials_commands("azure", "s-z", "eastus") == (
        "az aks get-credentials --resource-group s-z-rg --name s-z --context s-z",
        "kubelogin convert-kubeconfig -l azurecli --context s-z",
    )
    lookup, fetch, rename = credentials_commands("alicloud", "s-b", "cn-beijing")
    assert lookup.startswith("aliyun cs GET /api/v1/clusters --name s-b --region_id cn-beijing")
    assert fetch.startswith("aliyun cs GET /k8s/<cluster-id-of-s-b>/user_config --PrivateIpAddress")
    assert "rename-context" in rename and rename.split("&&")[0].rstrip().endswith(" s-b")


def _plan_with_kubectl(catalog: Catalog, stack: ResolvedStack) -> Any:
    for outage in all_outages(stack, "region"):
        plan = plan_outage(stack, outage, catalog)
        if plan.access:
            return plan
    raise AssertionError("no outage of the test stack runs kubectl")


def test_every_kubectl_context_of_a_runbook_has_its_credentials(catalog: Catalog) -> None:
    stack = _resolved(catalog, _stack())
    for outage in all_outages(stack, "region"):
        plan = plan_outage(stack, outage, catalog)
        used = {
            command.split()[2]
            for step in plan.steps
            for command in (*step.commands, *step.verify_commands, *step.rollback_commands)
            if command.startswith("kubectl --context ")
        }
        assert {a.context for a in plan.access} == used, outage.id
        text = runbook(plan)
        for access in plan.access:
            for command in access.commands:
                assert command in text
        if plan.access:
            assert "## Cluster access" in text
            assert text.index("## Cluster access") < text.index("## Steps")


def test_runbook_names_the_admins_or_says_there_are_none(catalog: Catalog) -> None:
    plan = _plan_with_kubectl(catalog, _resolved(catalog, _stack()))
    assert "Admins: none named in the stack" in runbook(plan)
    first = plan.access[0]
    named = dataclasses.replace(
        plan, access=(dataclasses.replace(first, admins=("arn:aws:iam::111122223333:role/x",)),)
    )
    text = runbook(named)
    assert "Admins: `arn:aws:iam::111122223333:role/x`." in text
    assert "Admins: none named" not in text


def test_runbook_lists_the_stack_admins(catalog: Catalog) -> None:
    stack = _resolved(catalog, _stack(aws=AWS_ADMINS, azure=AZURE_ADMINS))
    plan = _plan_with_kubectl(catalog, stack)
    access: ClusterAccess = plan.access[0]
    assert access.admins == {"aws": AWS_ADMINS, "azure": AZURE_ADMINS}[access.cloud]
    assert f"`{access.admins[0]}`" in runbook(plan)


def test_readme_documents_admin_access() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "### Admin access" in readme
    for word in ("access entr", "admin group", "RAM", "admins="):
        assert word in readme


def test_every_module_readme_lists_access_tf() -> None:
    for module in ("aws-gpu-cluster", "azure-gpu-cluster", "alicloud-gpu-cluster"):
        readme = (ROOT / "modules" / module / "README.md").read_text()
        assert "| Admin access |" in readme, module
