"""GPU software in the add-ons roots (infra/terraform/addons.py, infra/clouds/gpu_addons.py):
every GPU cluster gets its pinned charts on exactly its GPU pools, after its cluster root; a
CPU-only cluster without sync jobs gets no add-ons root."""

from __future__ import annotations

from typing import Any

import hcl2
import pytest

from infra.catalog import default_catalog
from infra.clouds.dr_inputs import DrCluster
from infra.clouds.gpu_addons import POOL_LABEL, alert_rules_yaml, gpu_pools, rdma_pools
from infra.deploy import DeployedStack, deploy_plan
from infra.pipeline import resolve_paths
from infra.terraform.addons import HELM_PROVIDER, addons_files, addons_root_name
from tests.conftest import ROOT
from tests.pulumi.inventory import hcl_plain


@pytest.fixture(scope="module")
def plans() -> dict[str, DeployedStack]:
    resolution = resolve_paths([str(ROOT / "stacks")])
    assert resolution.ok, resolution.problems
    return {s.name: deploy_plan(s, default_catalog()) for s in resolution.stacks}


def _parse(text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = hcl_plain(hcl2.loads(text))
    return parsed


def _pool_selector(values: dict[str, Any]) -> list[str]:
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    (term,) = terms["nodeSelectorTerms"]
    (expr,) = term["matchExpressions"]
    assert expr["key"] == POOL_LABEL and expr["operator"] == "In"
    return list(expr["values"])


EXPECTED = {
    "aws": {"nvidia-device-plugin", "dcgm-exporter"},
    "azure": {"nvidia-device-plugin", "dcgm-exporter"},
    "alicloud": {"dcgm-exporter"},
}


def test_every_gpu_cluster_has_its_charts_on_its_gpu_pools(
    plans: dict[str, DeployedStack],
) -> None:
    seen: set[str] = set()
    for plan in plans.values():
        files, roots = addons_files(plan)
        by_cluster = {r.cluster: r for r in roots}
        for cluster in plan.clusters:
            target = cluster.dr_cluster()
            pools = gpu_pools(target)
            if not pools:
                continue
            seen.add(cluster.cloud.name)
            root = by_cluster[cluster.name]
            assert root.path.endswith(addons_root_name(cluster.name))
            # Applied after the cluster root (the manifest's order follows depends_on).
            assert f"terraform/{plan.name}/{cluster.name}" in root.depends_on
            gpu = _parse(files[f"{root.path}/gpu.tf"])
            releases = {
                label: body
                for block in gpu["resource"]
                for t, v in block.items()
                if t == "helm_release"
                for label, body in v.items()
            }
            names = {body["name"] for body in releases.values()}
            expected = set(EXPECTED[cluster.cloud.name])
            if cluster.cloud.name == "aws" and rdma_pools(target):
                expected.add("aws-efa-k8s-device-plugin")
            if cluster.cloud.name == "azure" and rdma_pools(target):
                # InfiniBand: the fabric's releases (tests/test_rdma_fabric.py checks them).
                expected |= {"network-operator", "nic-cluster-policy"}
            assert names == expected, cluster.name
            (local,) = gpu["locals"]
            for label, body in releases.items():
                assert body["version"], label  # pinned
                values = local[f"{label}_values"]
                if label == "aws_efa_k8s_device_plugin":
                    assert values["supportedInstanceLabels"] == {
                        "keys": [POOL_LABEL],
                        "values": list(rdma_pools(target)),
                    }
                elif label == "network_operator":
                    worker = values["node-feature-discovery"]["worker"]
                    assert _pool_selector(worker) == list(rdma_pools(target))
                elif label == "nic_cluster_policy":
                    (policy,) = values["resources"]
                    affinity = {"affinity": {"nodeAffinity": policy["spec"]["nodeAffinity"]}}
                    assert _pool_selector(affinity) == list(rdma_pools(target))
                else:
                    assert _pool_selector(values) == list(pools), (cluster.name, label)
            versions = _parse(files[f"{root.path}/versions.tf"])
            required = versions["terraform"][0]["required_providers"][0]
            assert required["helm"]["version"] == HELM_PROVIDER.version
            providers = _parse(files[f"{root.path}/providers.tf"])
            helm = next(b["helm"] for b in providers["provider"] if "helm" in b)
            assert "host" in helm["kubernetes"], "helm 3.x: kubernetes is an attribute object"
    assert seen == set(EXPECTED), "the examples cover every cloud"


def test_alicloud_erdma_pools_get_the_erdma_controller(plans: dict[str, DeployedStack]) -> None:
    seen = False
    for plan in plans.values():
        files, roots = addons_files(plan)
        for root in roots:
            cluster = plan.cluster(root.cluster or "")
            if cluster.cloud.name != "alicloud" or f"{root.path}/gpu.tf" not in files:
                continue
            gpu = _parse(files[f"{root.path}/gpu.tf"])
            addons = [
                body
                for block in gpu["resource"]
                for t, v in block.items()
                if t == "alicloud_cs_kubernetes_addon"
                for body in v.values()
            ]
            rdma = bool(rdma_pools(cluster.dr_cluster()))
            assert [a["name"] for a in addons] == (["ack-erdma-controller"] if rdma else [])
            # One source: the plan's record, which stack.json gives the Pulumi program.
            managed = plan.managed_addons.get(cluster.name, ())
            assert [a.name for a in managed] == [a["name"] for a in addons], root.path
            seen = seen or rdma
    assert seen, "an example stack has an eRDMA pool"


def test_a_cpu_only_cluster_gets_no_gpu_software() -> None:
    inputs = {"node_pools": {"sys": {"gpu": None, "rdma": False}}}
    cpu = DrCluster("c", "s-c", "us-east-1", inputs)
    from infra.clouds import CLOUDS

    for cloud in CLOUDS.values():
        assert cloud.gpu_software().releases(cpu) == (), cloud.name
        assert cloud.gpu_software().managed_addons(cpu) == (), cloud.name


def test_the_alert_rules_cover_what_breaks_gpu_fleets() -> None:
    import yaml  # type: ignore[import-untyped]

    (group,) = yaml.safe_load(alert_rules_yaml())["groups"]
    exprs = " ".join(rule["expr"] for rule in group["rules"])
    for metric in (
        "DCGM_FI_DEV_XID_ERRORS",
        "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL",
        "DCGM_FI_DEV_THERMAL_VIOLATION",
        "DCGM_FI_DEV_POWER_VIOLATION",
        "DCGM_FI_DEV_ROW_REMAP_FAILURE",
    ):
        assert metric in exprs
    assert "== 79" in exprs and "absent_over_time" in exprs
