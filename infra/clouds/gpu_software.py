"""``infra:gpu:GpuSoftware``: the Pulumi twin of the GPU part of a cluster's Terraform add-ons
root (``gpu.tf``), on pulumi-kubernetes, for one cluster.

Same pieces by the same names: the namespaces infra creates
(:data:`infra.clouds.gpu_addons.MANAGED_NAMESPACES`: ``gpu-monitoring``, ``network-operator``),
one ``helm.v3.Release`` per pinned chart (:class:`infra.clouds.gpu_addons.HelmRelease`, read back
from ``stack.json``; a release's ``depends_on`` becomes the same ordering), the GPU alert rules
ConfigMap, and the cloud's managed add-ons (:class:`infra.clouds.gpu_addons.ManagedAddon`) on the
cluster's cloud provider. ``helm.v3.Release`` rather than ``helm.v4.Chart``: a Release is a Helm
release the Helm CLI sees and upgrades atomically, as Terraform's ``helm_release`` is; Chart
renders the templates into individual Kubernetes objects instead.

Managed add-ons, by their Terraform resource type: ``alicloud_cs_kubernetes_addon`` is
``pulumi_alicloud.cs.KubernetesAddon`` (pulumi_alicloud cs/kubernetes_addon.py: ``cluster_id``,
``name``, ``config`` as a JSON string, ``version``), imported only for a cluster that has one.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.clouds import CLOUDS
from infra.clouds.gpu_addons import (
    ALERT_RULES_CONFIG_MAP,
    MANAGED_NAMESPACES,
    MONITORING_NAMESPACE,
    RULES_FILE,
    ManagedAddon,
    alert_rules_yaml,
)
from infra.errors import InfraError

__all__ = ["MANAGED_ADDON_PACKAGES", "TYPE", "GpuSoftwareComponent"]

TYPE = "infra:gpu:GpuSoftware"
_MANAGED = {"app.kubernetes.io/managed-by": "infra"}
# Terraform resource type -> (Pulumi package, module, class) of its twin, as each cloud's
# GpuSoftware names them (infra/clouds/<cloud>/gpu.py).
MANAGED_ADDON_PACKAGES: Mapping[str, tuple[str, str, str]] = {
    kind: twin
    for cloud in CLOUDS.values()
    for kind, twin in cloud.gpu_software().pulumi_twins().items()
}


class GpuSoftwareComponent(pulumi.ComponentResource):
    """The GPU software of one cluster; give it the cluster's kubernetes provider (and, for
    managed add-ons, the cluster's id and its cloud provider)."""

    def __init__(
        self,
        name: str,
        releases: Sequence[Mapping[str, Any]],
        opts: pulumi.ResourceOptions | None = None,
        *,
        managed_addons: Sequence[Mapping[str, Any]] = (),
        cluster_id: pulumi.Input[str] | None = None,
        cloud_provider: pulumi.ProviderResource | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        used = {str(r["namespace"]) for r in releases}
        namespaces = {
            ns: k8s.core.v1.Namespace(
                f"{name}-{ns}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=ns, labels=dict(labels)),
                opts=child,
            )
            for ns, labels in MANAGED_NAMESPACES.items()
            if ns in used
        }
        self.releases: dict[str, k8s.helm.v3.Release] = {}
        for release in releases:
            self.releases[str(release["name"])] = self._release(name, release, namespaces)
        monitoring = namespaces.get(MONITORING_NAMESPACE)
        if monitoring is not None:
            k8s.core.v1.ConfigMap(
                f"{name}-gpu-alert-rules",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=ALERT_RULES_CONFIG_MAP,
                    namespace=monitoring.metadata.name,
                    labels={**_MANAGED, "prometheus-rules": "gpu-health"},
                ),
                data={RULES_FILE: alert_rules_yaml()},
                opts=child,
            )
        self.managed_addons: dict[str, pulumi.CustomResource] = {}
        for record in managed_addons:
            addon = ManagedAddon.from_record(record)
            self.managed_addons[addon.name] = self._managed(name, addon, cluster_id, cloud_provider)
        self.register_outputs({})

    def _release(
        self,
        name: str,
        release: Mapping[str, Any],
        namespaces: Mapping[str, k8s.core.v1.Namespace],
    ) -> k8s.helm.v3.Release:
        """One release, in its namespace (the created one, if infra creates it), after the
        releases it depends on (created before it: the records come in order)."""
        created = namespaces.get(str(release["namespace"]))
        after = [self.releases[str(d)] for d in release.get("depends_on") or ()]
        return k8s.helm.v3.Release(
            f"{name}-{release['name']}",
            name=str(release["name"]),
            chart=str(release["chart"]),
            version=str(release["version"]),
            namespace=created.metadata.name if created else str(release["namespace"]),
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=str(release["repository"])),
            values=dict(release["values"]),
            atomic=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=after),
        )

    def _managed(
        self,
        name: str,
        addon: ManagedAddon,
        cluster_id: pulumi.Input[str] | None,
        cloud_provider: pulumi.ProviderResource | None,
    ) -> pulumi.CustomResource:
        """The add-on's resource on the cluster's cloud provider, as the root's resource."""
        if addon.resource_type not in MANAGED_ADDON_PACKAGES:
            allowed = ", ".join(MANAGED_ADDON_PACKAGES)
            raise InfraError(f"no Pulumi twin of {addon.resource_type} (allowed: {allowed})")
        if cluster_id is None or cloud_provider is None:
            raise InfraError(
                f"{name}: managed add-on {addon.name} needs the cluster id and provider"
            )
        _, module, cls = MANAGED_ADDON_PACKAGES[addon.resource_type]
        factory = getattr(importlib.import_module(module), cls)
        config = addon.config_json()
        resource: pulumi.CustomResource = factory(
            f"{name}-{addon.label}",
            cluster_id=cluster_id,
            name=addon.name,
            config=config or None,
            opts=pulumi.ResourceOptions(parent=self, provider=cloud_provider),
        )
        return resource

    def outputs(self) -> dict[str, Any]:
        """The add-ons root's ``gpu_software`` output, by the same keys."""
        return {
            name: {"chart": r.chart, "version": r.version, "namespace": r.namespace}
            for name, r in self.releases.items()
        }
