"""The RDMA fabric on the cluster side, per RDMA type of the catalog (issue 14, part 1).

For every ``rdma = infiniband`` type of the Azure catalog and every ``rdma = erdma`` type of the
Alibaba one, a stack with one RDMA pool of that type (and a CPU system pool) is validated,
planned and rendered: its add-ons root installs the NVIDIA Network Operator and a NicClusterPolicy
whose device plugin advertises ``rdma/shared_ib`` on exactly the RDMA pool (AKS), or the managed
``ack-erdma-controller`` add-on with its OFED driver configuration (ACK); the Pulumi
``GpuSoftware`` component, under Pulumi's mocks, creates the same pieces from ``stack.json``'s
record. The same stack without RDMA gets none of them.
"""

from __future__ import annotations

import json
from typing import Any

import hcl2
import pytest

from infra.catalog import Catalog
from infra.clouds.alicloud.gpu import ERDMA_ADDON, ERDMA_CONFIG
from infra.clouds.azure.gpu import IB_RESOURCE
from infra.clouds.gpu_addons import NETWORK_NAMESPACE, POOL_LABEL
from infra.deploy import DeployedStack, deploy_plan
from infra.model import Cluster, NodePool, Stack
from infra.pulumi.sync import addons_document
from infra.terraform.addons import addons_files
from infra.validate import validate_stacks
from tests.conftest import ROOT
from tests.pulumi.inventory import hcl_plain

SHIPPED = Catalog.from_directory(ROOT / "infra" / "catalog" / "data", clouds=["azure", "alicloud"])
SYSTEM = {"azure": "Standard_D4s_v5", "alicloud": "ecs.g7.xlarge"}
FABRIC = {"azure": "infiniband", "alicloud": "erdma"}


def _rdma_types(cloud: str) -> list[str]:
    return sorted(
        t
        for t in SHIPPED.instance_types(cloud)
        if (offer := SHIPPED.any_offer(cloud, t)) is not None and offer.rdma == FABRIC[cloud]
    )


CASES = [(cloud, t) for cloud in ("azure", "alicloud") for t in _rdma_types(cloud)]


def test_the_catalog_has_rdma_types_of_both_fabrics() -> None:
    clouds = {cloud for cloud, _ in CASES}
    assert clouds == {"azure", "alicloud"}, CASES


def _plan(cloud: str, instance_type: str, *, rdma: bool) -> DeployedStack:
    offer = SHIPPED.any_offer(cloud, instance_type)
    assert offer is not None
    stack = Stack(
        name="fabric",
        owner="ml",
        environment="prod",
        clusters=[
            Cluster(
                name="c",
                cloud=cloud,
                region=offer.region,
                cidr="10.0.0.0/16",
                pools=[
                    NodePool(name="sys", instance_type=SYSTEM[cloud], nodes=2),
                    NodePool(name="train", instance_type=instance_type, nodes=2, rdma=rdma),
                ],
            )
        ],
    )
    resolved, problems = validate_stacks([("fabric.py", stack)], SHIPPED)
    assert not problems, [str(p) for p in problems]
    (one,) = resolved
    return deploy_plan(one, SHIPPED)


def _gpu_tf(plan: DeployedStack) -> dict[str, Any]:
    files, roots = addons_files(plan)
    (root,) = roots
    parsed: dict[str, Any] = hcl_plain(hcl2.loads(files[f"{root.path}/gpu.tf"]))
    return parsed


def _resources(gpu: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        label: body
        for block in gpu.get("resource", [])
        for t, by_label in block.items()
        if t == kind
        for label, body in by_label.items()
    }


def _pool_values(affinity: dict[str, Any]) -> list[str]:
    (term,) = affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    (expr,) = term["matchExpressions"]
    assert expr["key"] == POOL_LABEL and expr["operator"] == "In"
    return list(expr["values"])


def _policy(values: dict[str, Any]) -> dict[str, Any]:
    (policy,) = values["resources"]
    assert (policy["apiVersion"], policy["kind"]) == ("mellanox.com/v1alpha1", "NicClusterPolicy")
    spec: dict[str, Any] = policy["spec"]
    return spec


@pytest.mark.parametrize(("cloud", "instance_type"), CASES)
def test_the_addons_root_installs_the_fabric_of_each_rdma_type(
    cloud: str, instance_type: str
) -> None:
    gpu = _gpu_tf(_plan(cloud, instance_type, rdma=True))
    releases = _resources(gpu, "helm_release")
    (local,) = gpu["locals"]
    if cloud == "azure":
        operator, policy = releases["network_operator"], releases["nic_cluster_policy"]
        assert operator["chart"] == "network-operator" and operator["version"] == "v26.4.0"
        assert operator["repository"] == "https://helm.ngc.nvidia.com/nvidia"
        # The policy's CRD comes with the operator's release: installed after it.
        assert policy["depends_on"] == ["${helm_release.network_operator}"]
        assert policy["chart"] == "raw" and policy["version"]
        namespace = _resources(gpu, "kubernetes_namespace_v1")["network_operator"]
        (metadata,) = namespace["metadata"]
        assert metadata["name"] == NETWORK_NAMESPACE
        assert metadata["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
        nfd = local["network_operator_values"]["node-feature-discovery"]["worker"]
        assert _pool_values(nfd["affinity"]["nodeAffinity"]) == ["train"]
        spec = _policy(local["nic_cluster_policy_values"])
        assert _pool_values(spec["nodeAffinity"]) == ["train"]
        assert spec["tolerations"] == [{"operator": "Exists"}]
        assert spec["ofedDriver"]["image"] == "doca-driver" and spec["ofedDriver"]["version"]
        plugin = json.loads(spec["rdmaSharedDevicePlugin"]["config"])
        (resource,) = plugin["configList"]
        assert f"rdma/{resource['resourceName']}" == IB_RESOURCE == "rdma/shared_ib"
        assert resource["selectors"]["linkTypes"] == ["infiniband"]
        assert not _resources(gpu, "alicloud_cs_kubernetes_addon")
    else:
        addon = _resources(gpu, "alicloud_cs_kubernetes_addon")["erdma"]
        assert addon["name"] == ERDMA_ADDON
        assert addon["config"] == "${jsonencode(local.erdma_config)}"
        assert local["erdma_config"] == {
            "agent": {"preferDriver": "ofed", "allocateAllDevices": True}
        }
        assert "clusters[0].id" in addon["cluster_id"]
        assert "network_operator" not in releases


@pytest.mark.parametrize(("cloud", "instance_type"), CASES)
def test_the_same_pool_without_rdma_gets_no_fabric(cloud: str, instance_type: str) -> None:
    plan = _plan(cloud, instance_type, rdma=False)
    gpu = _gpu_tf(plan)
    assert set(_resources(gpu, "helm_release")).isdisjoint(
        {"network_operator", "nic_cluster_policy"}
    )
    assert not _resources(gpu, "alicloud_cs_kubernetes_addon")
    (entry,) = addons_document(plan)
    assert "managed_addons" not in entry
    assert {r["name"] for r in entry["releases"]}.isdisjoint({"network-operator"})


def _program_record(cloud: str, instance_type: str) -> Any:
    pytest.importorskip("pulumi_kubernetes", reason="pulumi_kubernetes is not installed")
    pytest.importorskip("pulumi_alicloud", reason="pulumi_alicloud is not installed")
    import pulumi
    import pulumi_alicloud as alicloud
    import pulumi_kubernetes as k8s

    from infra.clouds.gpu_software import GpuSoftwareComponent
    from tests.pulumi.mocks import run_under_mocks

    (entry,) = addons_document(_plan(cloud, instance_type, rdma=True))
    # Through JSON, as the program reads stack.json.
    entry = json.loads(json.dumps(entry))

    def program() -> None:
        kubernetes = k8s.Provider("c-kubernetes", kubeconfig="{}")
        cloud_provider = alicloud.Provider("c-alicloud", region="cn-beijing")
        GpuSoftwareComponent(
            "c-gpu-software",
            entry["releases"],
            pulumi.ResourceOptions(providers=[kubernetes]),
            managed_addons=entry.get("managed_addons", ()),
            cluster_id="c-cluster-id",
            cloud_provider=cloud_provider,
        )

    return run_under_mocks(program, "p", "s")


@pytest.mark.parametrize(("cloud", "instance_type"), CASES)
def test_the_pulumi_component_creates_the_same_fabric(cloud: str, instance_type: str) -> None:
    recorder = _program_record(cloud, instance_type)
    releases = {r.inputs["name"]: r for r in recorder.of_type("kubernetes:helm.sh/v3:Release")}
    addons = recorder.of_type("alicloud:cs/kubernetesAddon:KubernetesAddon")
    if cloud == "azure":
        policy = releases["nic-cluster-policy"]
        spec = policy.inputs["values"]["resources"][0]["spec"]
        assert _pool_values(spec["nodeAffinity"]) == ["train"]
        plugin = json.loads(spec["rdmaSharedDevicePlugin"]["config"])
        assert f"rdma/{plugin['configList'][0]['resourceName']}" == IB_RESOURCE
        assert releases["network-operator"].inputs["version"] == "v26.4.0"
        urn = next(u for u in recorder.urns if u.endswith("::c-gpu-software-nic-cluster-policy"))
        operator_urn = next(u for u in recorder.urns if u.endswith("-network-operator"))
        assert operator_urn in recorder.dependencies[urn]  # after the operator
        namespaces = {
            n.inputs["metadata"]["name"]: n
            for n in recorder.of_type("kubernetes:core/v1:Namespace")
        }
        labels = namespaces[NETWORK_NAMESPACE].inputs["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "privileged"
        assert not addons
    else:
        (addon,) = addons
        assert addon.inputs["name"] == ERDMA_ADDON
        assert addon.inputs["clusterId"] == "c-cluster-id"
        assert json.loads(addon.inputs["config"]) == ERDMA_CONFIG
        assert recorder.provider_of(addon).name == "c-alicloud"
        assert "network-operator" not in releases


def test_stack_json_carries_the_managed_addons_to_the_program() -> None:
    from infra.pulumi.sync import load_addons_calls

    (cloud, instance_type) = next(c for c in CASES if c[0] == "alicloud")
    document = json.loads(
        json.dumps({"addons": addons_document(_plan(cloud, instance_type, rdma=True))})
    )
    (call,) = load_addons_calls(document)
    (addon,) = call.managed_addons
    assert (addon["name"], addon["resource_type"], addon["config"]) == (
        ERDMA_ADDON,
        "alicloud_cs_kubernetes_addon",
        ERDMA_CONFIG,
    )
