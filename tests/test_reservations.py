"""Reserved capacity (NodePool.reservation): validation boundaries, the module inputs and the
rendered Terraform of each cloud, the Pulumi Args, cost, and DR standby pools without it."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from infra import Cluster, DisasterRecovery, NodePool, Reservation, Stack
from infra.catalog import Catalog
from infra.clouds.args import ComponentInputError
from infra.cost import cost_of
from infra.deploy import deployed
from infra.inputs import cluster_module_inputs
from infra.render import render_stacks
from infra.resolve import ResolvedStack
from infra.validate import validate_stacks

CRG = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/crg-rg/providers/"
    "Microsoft.Compute/capacityReservationGroups/gpus"
)


def _aws(**reservation: Any) -> Reservation:
    values: dict[str, Any] = {
        "kind": "capacity-reservation",
        "id": "cr-0123456789abcdef0",
        "instance_type": "p5.48xlarge",
        "zone": "us-east-1b",
        "instances": 2,
    }
    values.update(reservation)
    return Reservation(**values)


def _stack(dr: bool = False, **reservation: Any) -> Stack:
    return Stack(
        name="resv",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="aws",
                cloud="aws",
                region="us-east-1",
                cidr="10.20.0.0/16",
                zones=("us-east-1a", "us-east-1b"),
                pools=[
                    NodePool(name="h100", gpu="H100", gpus=16, rdma=True, reservation=_aws()),
                    NodePool(
                        name="blk",
                        gpu="H100",
                        gpus=8,
                        reservation=_aws(
                            kind="capacity-block",
                            id="cr-0fedcba9876543210",
                            zone="us-east-1a",
                            instances=1,
                            hourly_rate=31.5,
                            ends="2099-01-01",
                        ),
                    ),
                    NodePool(name="system", instance_type="m7i.2xlarge", nodes=2),
                ],
                gpu_capacity={"H100": 64},
            ),
            Cluster(
                name="west",
                cloud="aws",
                region="us-west-2",
                cidr="10.23.0.0/16",
                pools=[NodePool(name="system", instance_type="m7i.2xlarge", nodes=2)],
                gpu_capacity={"H100": 64},
            ),
            Cluster(
                name="az",
                cloud="azure",
                region="eastus",
                cidr="10.21.0.0/16",
                pools=[
                    NodePool(
                        name="h100",
                        gpu="H100",
                        gpus=16,
                        rdma=True,
                        reservation=Reservation(
                            kind="capacity-reservation-group",
                            id=CRG,
                            instance_type="Standard_ND96isr_H100_v5",
                            zone="2",
                            instances=1,
                        ),
                    ),
                    NodePool(name="system", instance_type="Standard_D4s_v5", nodes=2),
                ],
            ),
            Cluster(
                name="ali",
                cloud="alicloud",
                region="cn-beijing",
                cidr="10.22.0.0/16",
                pools=[
                    NodePool(
                        name="a10",
                        gpu="A10",
                        gpus=2,
                        instance_type="ecs.gn7i-c8g1.2xlarge",
                        reservation=Reservation(
                            kind="elasticity-assurance",
                            id="eap-bp67acfmxazb4ph1",
                            instance_type="ecs.gn7i-c8g1.2xlarge",
                            zone="cn-beijing-g",
                            instances=4,
                        ),
                    ),
                    NodePool(name="system", instance_type="ecs.g7.2xlarge", nodes=2),
                ],
            ),
        ],
        dr=DisasterRecovery(rpo_minutes=60, rto_minutes=120, failover={"aws": ("west",)})
        if dr
        else None,
    )


def _resolved(catalog: Catalog, stack: Stack | None = None) -> ResolvedStack:
    stacks, problems = validate_stacks([("s.py", stack or _stack())], catalog)
    assert problems == []
    return stacks[0]


def _problems(catalog: Catalog, stack: Stack, today: date | None = None) -> list[str]:
    return [
        f"{p.path}: {p.message}"
        for p in validate_stacks([("s.py", stack)], catalog, today=today)[1]
    ]


def _with_pool(pool: NodePool) -> Stack:
    return Stack(
        name="resv",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="aws",
                cloud="aws",
                region="us-east-1",
                cidr="10.20.0.0/16",
                zones=("us-east-1a", "us-east-1b"),
                pools=[pool, NodePool(name="system", instance_type="m7i.2xlarge", nodes=2)],
            )
        ],
    )


def test_inputs_of_each_cloud(catalog: Catalog) -> None:
    stack = _resolved(catalog)
    aws = cluster_module_inputs(stack, stack.cluster("aws"))
    assert aws["capacity_reservation_ids"] == {
        "blk": "cr-0fedcba9876543210",
        "h100": "cr-0123456789abcdef0",
    }
    assert aws["capacity_block_pools"] == ["blk"]
    assert aws["reservation_zones"] == {"blk": "us-east-1a", "h100": "us-east-1b"}
    azure = cluster_module_inputs(stack, stack.cluster("az"))
    assert azure["capacity_reservation_group_ids"] == {"h100": CRG}
    assert azure["reservation_zones"] == {"h100": "2"}
    ali = cluster_module_inputs(stack, stack.cluster("ali"))
    assert ali["private_pool_ids"] == {"a10": "eap-bp67acfmxazb4ph1"}
    assert ali["reservation_zones"] == {"a10": "cn-beijing-g"}
    # A cluster without reservations keeps the module defaults: no variable is set.
    west = cluster_module_inputs(stack, stack.cluster("west"))
    assert not {"capacity_reservation_ids", "reservation_zones"} & set(west)


def test_rendered_modules(catalog: Catalog, tmp_path: Path) -> None:
    stack = _resolved(catalog)
    render_stacks([stack], tmp_path / "out", ["terraform"], catalog)
    root = tmp_path / "out" / "terraform" / "resv"
    aws = (root / "aws" / "main.tf").read_text()
    assert re.search(r'capacity_block_pools\s*=\s*\["blk"\]', aws)
    assert re.search(r'h100\s*=\s*"us-east-1b"', aws)
    assert re.search(
        r"capacity_reservation_group_ids\s*=\s*\{\s*h100\s*=", (root / "az" / "main.tf").read_text()
    )
    assert re.search(r'a10\s*=\s*"eap-bp67acfmxazb4ph1"', (root / "ali" / "main.tf").read_text())


def test_modules_use_the_reservation(catalog: Catalog) -> None:
    """The modules themselves: launch template, market and capacity type, zonal subnets."""
    modules = Path(__file__).resolve().parent.parent / "modules"
    aws = (modules / "aws-gpu-cluster" / "node_groups.tf").read_text()
    assert "capacity_reservation_target" in aws and '"capacity-block"' in aws
    assert "aws_subnet.private[index(var.zones, var.reservation_zones[k])]" in aws
    assert "!contains(keys(var.capacity_reservation_ids), k)" in aws  # no placement group
    azure = (modules / "azure-gpu-cluster" / "node_pools.tf").read_text()
    assert "capacity_reservation_group_id = lookup(var.capacity_reservation_group_ids" in azure
    assert "[var.reservation_zones[k]]" in azure
    azure_main = (modules / "azure-gpu-cluster" / "main.tf").read_text()
    assert "lookup(var.capacity_reservation_group_ids, var.system_pool, null)" in azure_main
    ali = (modules / "alicloud-gpu-cluster" / "node_pools.tf").read_text()
    assert 'private_pool_options_match_criteria = "Target"' in ali
    assert "alicloud_vswitch.nodes[index(var.zones, var.reservation_zones[k])]" in ali


def test_pulumi_args(catalog: Catalog) -> None:
    pytest.importorskip("pulumi_aws")
    from infra.clouds.aws.cluster import AwsGpuClusterArgs

    stack = _resolved(catalog)
    inputs = dict(cluster_module_inputs(stack, stack.cluster("aws")))
    inputs["checkpoint_bucket_name"] = inputs.get("checkpoint_bucket_name", "resv-aws-ckpt")
    args = AwsGpuClusterArgs.from_inputs(inputs)
    assert args.capacity_type("blk") == "CAPACITY_BLOCK"
    assert args.capacity_type("h100") == "ON_DEMAND"
    assert args.subnet_indexes("h100") == [1]  # the reservation's zone, not the first
    assert args.subnet_indexes("system") is None
    assert "h100" not in args.placement_pools  # RDMA training, but reserved
    with pytest.raises(ComponentInputError, match="reservation_zones"):
        AwsGpuClusterArgs.from_inputs({**inputs, "reservation_zones": {"h100": "us-east-1c"}})


def test_validation_boundaries(catalog: Catalog) -> None:
    # max nodes == instances is fine, one more is refused (EC2 refuses launches beyond it).
    ok = NodePool(name="h100", gpu="H100", gpus=16, reservation=_aws(instances=2))
    assert _problems(catalog, _with_pool(ok)) == []
    over = NodePool(name="h100", gpu="H100", gpus=16, max_gpus=24, reservation=_aws(instances=2))
    assert _problems(catalog, _with_pool(over)) == [
        "clusters[0].pools[0].reservation.instances: the pool may grow to 3 nodes but the "
        "reservation holds 2 and AWS refuses launches beyond it (allowed: max nodes <= 2)"
    ]
    # ends: the day itself is fine, the day before is past.
    today = date(2030, 6, 1)
    pool = NodePool(name="h100", gpu="H100", gpus=8, reservation=_aws(ends="2030-06-01"))
    assert _problems(catalog, _with_pool(pool), today) == []
    pool = NodePool(name="h100", gpu="H100", gpus=8, reservation=_aws(ends="2030-05-31"))
    assert _problems(catalog, _with_pool(pool), today) == [
        "clusters[0].pools[0].reservation.ends: the reservation ended on 2030-05-31 "
        "(allowed: today or a later date)"
    ]
    pool = NodePool(name="h100", gpu="H100", gpus=8, reservation=_aws(instances=0))
    assert _problems(catalog, _with_pool(pool))[0].startswith(
        "clusters[0].pools[0].reservation.instances: 0 (allowed:"
    )
    pool = NodePool(name="h100", gpu="H100", gpus=8, reservation=_aws(hourly_rate=-1.0))
    assert "reservation.hourly_rate" in _problems(catalog, _with_pool(pool))[0]


def test_cost_prices_reserved_pools(catalog: Catalog) -> None:
    stack = _resolved(catalog)
    lines = {(line.cluster, line.pool): line for line in cost_of([stack], catalog)[0].lines}
    odcr = lines[("aws", "h100")]
    on_demand = stack.cluster("aws").pools[0].offer.price_usd_hour
    assert on_demand is not None
    assert odcr.reserved and odcr.nodes == 2
    assert odcr.hourly_usd == pytest.approx(2 * on_demand)
    assert "capacity-reservations-pricing-billing" in odcr.price_source
    block = lines[("aws", "blk")]
    assert block.hourly_usd == pytest.approx(31.5)
    assert block.price_source == "stack: clusters[0].pools[1].reservation.hourly_rate"
    assert block.price_date == "contract"
    # Azure: 1 reserved, 2 desired: the reservation plus one overallocated VM at the catalog.
    azure = lines[("az", "h100")]
    vm = stack.cluster("az").pools[0].offer.price_usd_hour
    assert vm is not None
    assert azure.nodes == 2 and azure.hourly_usd == pytest.approx(2 * vm)
    # An elasticity assurance bills the running nodes only (2 of the 4 reserved).
    ali = lines[("ali", "a10")]
    assert ali.reserved and ali.nodes == 2
    assert not lines[("aws", "system")].reserved


def test_standby_pools_do_not_inherit_reservations(catalog: Catalog) -> None:
    stack = deployed(_resolved(catalog, _stack(dr=True)), catalog)
    standby = [p for p in stack.cluster("west").pools if p.standby]
    assert standby and all(p.reservation is None for p in standby)
    assert "capacity_reservation_ids" not in cluster_module_inputs(stack, stack.cluster("west"))
    # The source pool keeps its own.
    assert stack.cluster("aws").pools[0].reservation is not None
    assert dataclasses.replace(stack.cluster("aws").pools[0], reservation=None).reservation is None


# -- Azure: the control-plane identity (modules/azure-gpu-cluster/identity.tf) ------------------

CRG_OTHER_GROUP = CRG.replace("/crg-rg/", "/crg-other/").replace("/gpus", "/cpus")
CRG_SAME_GROUP = CRG.replace("/gpus", "/more")
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"


def _azure_module(name: str) -> dict[str, Any]:
    import hcl2

    path = Path(__file__).resolve().parent.parent / "modules" / "azure-gpu-cluster" / name
    document: dict[str, Any] = hcl2.loads(path.read_text())
    return document


def _resource(document: dict[str, Any], type_: str, name: str) -> dict[str, Any]:
    for block in document.get("resource", []):
        for kind, named in block.items():
            for label, body in named.items():
                if (kind.strip('"'), label.strip('"')) == (type_, name):
                    found: dict[str, Any] = body
                    return found
    raise AssertionError(f"{type_}.{name} not found")


def _text(value: object) -> str:
    """An HCL expression as python-hcl2 returns it, without its ${...} or quotes."""
    text = str(value).strip()
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    return text.strip('"')


def test_azure_module_user_assigned_identity_only_with_reservations() -> None:
    identity = _azure_module("identity.tf")
    main = _azure_module("main.tf")
    (local_values,) = identity["locals"]
    assert _text(local_values["user_assigned_identity"]) == (
        "length(var.capacity_reservation_group_ids) > 0"
    )
    uai = _resource(identity, "azurerm_user_assigned_identity", "control_plane")
    assert _text(uai["count"]) == "local.user_assigned_identity ? 1 : 0"
    assert _text(uai["name"]) == "${var.name}-control-plane"
    grants = _resource(identity, "azurerm_role_assignment", "reservation_groups")
    assert _text(grants["role_definition_name"]) == "Contributor"
    assert _text(grants["scope"]) == "each.value"
    assert "local.reservation_resource_groups" in _text(grants["for_each"])
    assert "toset([])" in _text(grants["for_each"])  # none without reservations
    assert "azurerm_user_assigned_identity.control_plane[0].principal_id" in _text(
        grants["principal_id"]
    )
    cluster = _resource(main, "azurerm_kubernetes_cluster", "this")
    (block,) = cluster["identity"]
    assert (
        _text(block["type"]) == 'local.user_assigned_identity ? "UserAssigned" : "SystemAssigned"'
    )
    assert "azurerm_user_assigned_identity.control_plane[0].id" in _text(block["identity_ids"])
    assert [_text(d) for d in cluster["depends_on"]] == [
        "azurerm_role_assignment.reservation_groups"
    ]
    # The subnet role goes to whichever identity the cluster runs.
    network = _resource(main, "azurerm_role_assignment", "cluster_network")
    assert _text(network["principal_id"]) == "local.control_plane_principal_id"
    principal = _text(local_values["control_plane_principal_id"])
    assert principal.startswith("local.user_assigned_identity ? azurerm_user_assigned_identity")
    assert principal.endswith(": azurerm_kubernetes_cluster.this.identity[0].principal_id")


def test_azure_module_resource_group_of_a_reservation_group(tmp_path: Path) -> None:
    """The module's regex, evaluated by Terraform itself, takes the resource group scope."""
    import shutil
    import subprocess

    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH")
    (local_values,) = _azure_module("identity.tf")["locals"]
    expression = _text(local_values["reservation_resource_groups"])
    ids = {"a": CRG, "b": CRG_SAME_GROUP, "c": CRG_OTHER_GROUP}
    variable = "{" + ", ".join(f'{k} = "{v}"' for k, v in ids.items()) + "}"
    expression = expression.replace("var.capacity_reservation_group_ids", variable)
    result = subprocess.run(
        [terraform, "console"],
        input=f"jsonencode({expression})\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    import json

    assert json.loads(json.loads(result.stdout.strip().splitlines()[-1])) == [
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/crg-other",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/crg-rg",
    ]


def _azure_program(catalog: Catalog, monkeypatch: pytest.MonkeyPatch, **changes: Any) -> Any:
    """The Azure cluster of the stack under Pulumi's mocks, its inputs changed."""
    pytest.importorskip("pulumi_azure_native")
    from infra.pulumi.program import ClusterDocument, StackDocument, create_clusters
    from tests.pulumi import mocks

    computed = mocks._computed

    def answer_like_arm(type_: str, name: str, inputs: Any) -> dict[str, Any]:
        # ARM answers an identity's principal id, and a cluster's user-assigned identities as
        # a map by id (the SDK's output type) where the request gave a list; the shared mocks
        # do neither.
        state = computed(type_, name, inputs)
        if type_ == "azure-native:managedidentity:UserAssignedIdentity":
            state["principalId"] = f"principal-of-{name}"
        listed = state.get("identity", {}).get("userAssignedIdentities")
        if isinstance(listed, list):
            state["identity"] = {
                **state["identity"],
                "userAssignedIdentities": {i: {"principalId": f"principal-of-{i}"} for i in listed},
            }
        return state

    monkeypatch.setattr(mocks, "_computed", answer_like_arm)
    run_under_mocks = mocks.run_under_mocks

    stack = _resolved(catalog)
    inputs = {**cluster_module_inputs(stack, stack.cluster("az")), **changes}
    inputs = {k: v for k, v in inputs.items() if v is not None}
    document = StackDocument(
        "t", "dev", "o", (ClusterDocument(str(inputs["name"]), "azure", "eastus", inputs),)
    )
    return run_under_mocks(lambda: create_clusters(document), "t", "dev")


def _urn(recorder: Any, type_: str, name: str) -> str:
    return next(u for u in recorder.urns if u.endswith(f"{type_}::{name}"))


def test_pulumi_user_assigned_identity_with_reservations(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two groups in one resource group, one in another: one Contributor grant per group.
    recorder = _azure_program(
        catalog,
        monkeypatch,
        capacity_reservation_group_ids={
            "h100": CRG,
            "system": CRG_OTHER_GROUP,
            "extra": CRG_SAME_GROUP,
        },
    )
    (identity,) = recorder.of_type("azure-native:managedidentity:UserAssignedIdentity")
    assert identity.inputs["resourceName"] == "resv-az-control-plane"
    (group,) = recorder.of_type("azure-native:resources:ResourceGroup")
    assert identity.inputs["resourceGroupName"] == group.inputs["resourceGroupName"]
    roles = recorder.of_type("azure-native:authorization:RoleAssignment")
    contributor = [r for r in roles if r.inputs["roleDefinitionId"].endswith(CONTRIBUTOR)]
    assert sorted(r.inputs["scope"] for r in contributor) == [
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/crg-other",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/crg-rg",
    ]
    assert all(r.inputs["principalType"] == "ServicePrincipal" for r in contributor)
    (aks,) = recorder.of_type("azure-native:containerservice:ManagedCluster")
    assert aks.inputs["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": [identity.id],
    }
    identity_urn = _urn(recorder, "UserAssignedIdentity", identity.name)
    aks_urn = _urn(recorder, "ManagedCluster", aks.name)
    principal = f"principal-of-{identity.name}"
    for grant in contributor:
        assert grant.inputs["principalId"] == principal
        grant_urn = _urn(recorder, "RoleAssignment", grant.name)
        assert identity_urn in recorder.dependencies[grant_urn]
        assert grant_urn in recorder.dependencies[aks_urn]  # the cluster waits for it
    # The subnet role goes to the user-assigned identity, not the cluster's.
    (network,) = [r for r in roles if r.inputs["roleDefinitionId"].endswith(NETWORK_CONTRIBUTOR)]
    assert network.inputs["principalId"] == principal


def test_pulumi_system_assigned_identity_without_reservations(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = _azure_program(
        catalog, monkeypatch, capacity_reservation_group_ids=None, reservation_zones=None
    )
    assert not recorder.of_type("azure-native:managedidentity:UserAssignedIdentity")
    roles = recorder.of_type("azure-native:authorization:RoleAssignment")
    assert not [r for r in roles if r.inputs["roleDefinitionId"].endswith(CONTRIBUTOR)]
    (aks,) = recorder.of_type("azure-native:containerservice:ManagedCluster")
    assert aks.inputs["identity"] == {"type": "SystemAssigned"}
    (network,) = [r for r in roles if r.inputs["roleDefinitionId"].endswith(NETWORK_CONTRIBUTOR)]
    assert network.inputs["principalId"] == "principal-of-cluster"
