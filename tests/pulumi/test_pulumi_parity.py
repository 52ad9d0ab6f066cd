"""Parity: the Terraform roots and the Pulumi program deploy the same inventory, per example."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path
from typing import Any

import pytest

from infra.clouds.gpu_addons import DCGM_VERSION
from tests.pulumi.conftest import EXAMPLE_STACKS, require_pulumi, stack_json
from tests.pulumi.inventory import (
    Inventory,
    as_text,
    normalized,
    pulumi_inventory,
    terraform_inventory,
    terraform_type,
)

CLUSTER_KINDS = ("clusters", "node_pools", "buckets", "admins")
DR_KINDS = ("replication", "dns_records")


def _inventories(
    stack: str, rendered: Path, programs: dict[str, Any]
) -> tuple[Inventory, Inventory]:
    require_pulumi()
    terraform = terraform_inventory(rendered, stack)
    document = stack_json(rendered, stack)
    pulumi = pulumi_inventory(programs[stack], document["clusters"], document["dr"])
    return terraform, pulumi


def _assert_same(stack: str, terraform: Inventory, pulumi: Inventory) -> None:
    if normalized(terraform) != normalized(pulumi):
        diff = "\n".join(
            difflib.unified_diff(
                as_text(terraform).splitlines(),
                as_text(pulumi).splitlines(),
                f"terraform/{stack}",
                f"pulumi/{stack}",
                n=3,
                lineterm="",
            )
        )
        pytest.fail(f"Terraform and Pulumi differ for stack {stack}:\n{diff}")


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_clusters_node_pools_and_buckets(
    stack: str, rendered: Path, programs: dict[str, Any]
) -> None:
    terraform, pulumi = _inventories(stack, rendered, programs)
    assert terraform["node_pools"], "the Terraform side found no node pools: the parser is broken"
    _assert_same(
        stack,
        {k: terraform[k] for k in CLUSTER_KINDS},
        {k: pulumi[k] for k in CLUSTER_KINDS},
    )


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_replication_and_dns_records(
    stack: str, rendered: Path, programs: dict[str, Any]
) -> None:
    terraform, pulumi = _inventories(stack, rendered, programs)
    terraform_dr = {k: terraform[k] for k in DR_KINDS}
    pulumi_dr = {k: pulumi[k] for k in DR_KINDS}
    if stack != "research-sandbox":  # the one example without DR
        assert terraform_dr["dns_records"], "the Terraform side found no DR records: parser broken"
    _assert_same(stack, terraform_dr, pulumi_dr)


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_checkpoint_sync_jobs(stack: str, rendered: Path, programs: dict[str, Any]) -> None:
    terraform_sync = terraform_inventory(rendered, stack)["sync"]
    document = stack_json(rendered, stack)
    pulumi_sync = pulumi_inventory(programs[stack], document["clusters"], document["dr"])["sync"]
    if stack != "research-sandbox":  # every example with DR has cross-cloud pairs
        assert terraform_sync, "the Terraform side found no sync jobs: parser or render broken"
    _assert_same(stack, {"sync": terraform_sync}, {"sync": pulumi_sync})


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_helm_releases(stack: str, rendered: Path, programs: dict[str, Any]) -> None:
    """Each add-ons root's helm_release against the Pulumi program's helm.v3.Release: chart,
    repository, version, namespace and the values Helm gets, per (cluster, release)."""
    terraform, pulumi = _inventories(stack, rendered, programs)
    assert terraform["addons"], "the Terraform side found no Helm releases: parser or render broken"
    assert any(r["values"] for r in terraform["addons"]), "no release values were resolved"
    _assert_same(stack, {"addons": terraform["addons"]}, {"addons": pulumi["addons"]})


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_gpu_kubernetes_objects(stack: str, rendered: Path, programs: dict[str, Any]) -> None:
    """The namespaces and the gpu-alert-rules ConfigMap the add-ons roots create themselves."""
    terraform, pulumi = _inventories(stack, rendered, programs)
    names = {(r["kind"], r["name"]) for r in terraform["kubernetes_objects"]}
    assert ("ConfigMap", "gpu-alert-rules") in names, "no alert rules ConfigMap found"
    _assert_same(
        stack,
        {"kubernetes_objects": terraform["kubernetes_objects"]},
        {"kubernetes_objects": pulumi["kubernetes_objects"]},
    )


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_same_managed_addons(stack: str, rendered: Path, programs: dict[str, Any]) -> None:
    """The clouds' managed add-ons (ACK's eRDMA controller...), by resource type and label."""
    terraform, pulumi = _inventories(stack, rendered, programs)
    _assert_same(
        stack,
        {"managed_addons": terraform["managed_addons"]},
        {"managed_addons": pulumi["managed_addons"]},
    )


def test_managed_addons_are_read_from_the_alibaba_roots(rendered: Path) -> None:
    """llm-train's ACK cluster has RDMA pools: its root installs ACK's eRDMA controller."""
    records = terraform_inventory(rendered, "llm-train")["managed_addons"]
    assert {(r["resource_type"], r["name"]) for r in records} >= {
        ("alicloud_cs_kubernetes_addon", "ack-erdma-controller")
    }


def test_pulumi_types_map_to_terraform_types() -> None:
    assert terraform_type("alicloud:cs/kubernetesAddon:KubernetesAddon") == (
        "alicloud_cs_kubernetes_addon"
    )
    assert terraform_type("aws:eks/addon:Addon") == "aws_eks_addon"
    assert terraform_type("azure-native:containerservice:ManagedCluster") == (
        "azure-native:containerservice:ManagedCluster"
    )


def test_a_changed_release_or_addon_changes_the_terraform_records(
    rendered: Path, tmp_path: Path
) -> None:
    """The records come from what the roots say: edit a pin and an add-on config, they move."""
    shutil.copytree(rendered / "terraform" / "llm-train", tmp_path / "terraform" / "llm-train")
    gpu_tf = tmp_path / "terraform" / "llm-train" / "ali-bj_addons" / "gpu.tf"
    text = gpu_tf.read_text()
    pin = f'version    = "{DCGM_VERSION}"'
    assert pin in text and "jsonencode(local.erdma_config)" in text
    text = text.replace(pin, 'version    = "0.0.1"')
    gpu_tf.write_text(
        text.replace("jsonencode(local.erdma_config)", "jsonencode({ agent = { x = 1 } })")
    )
    before = terraform_inventory(rendered, "llm-train")
    after = terraform_inventory(tmp_path, "llm-train")
    changed = [
        (b["cluster"], b["name"], a["version"])
        for b, a in zip(before["addons"], after["addons"], strict=True)
        if b != a
    ]
    assert changed == [("ali-bj", "dcgm-exporter", "0.0.1")]
    (addon,) = [r for r in after["managed_addons"] if r["cluster"] == "ali-bj"]
    assert addon["config"] == {"agent": {"x": 1}}


def test_a_difference_is_reported_as_a_readable_diff() -> None:
    before: Inventory = {"node_pools": [{"cluster": "c", "pool": "p", "max_nodes": 4}]}
    after: Inventory = {"node_pools": [{"cluster": "c", "pool": "p", "max_nodes": 8}]}
    with pytest.raises(pytest.fail.Exception) as failure:
        _assert_same("s", before, after)
    message = str(failure.value)
    assert '-   "max_nodes": 4,' in message and '+   "max_nodes": 8,' in message
    assert "--- terraform/s" in message and "+++ pulumi/s" in message
