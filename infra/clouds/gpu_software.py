"""``infra:gpu:GpuSoftware``: the Pulumi twin of the GPU part of a cluster's Terraform add-ons
root (``gpu.tf``), on pulumi-kubernetes, for one cluster.

Same pieces by the same names: the ``gpu-monitoring`` namespace, one ``helm.v3.Release`` per
pinned chart (:class:`infra.clouds.gpu_addons.HelmRelease`, read back from ``stack.json``) and the
GPU alert rules ConfigMap. ``helm.v3.Release`` rather than ``helm.v4.Chart``: a Release is a Helm
release the Helm CLI sees and upgrades atomically, as Terraform's ``helm_release`` is; Chart
renders the templates into individual Kubernetes objects instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.clouds.gpu_addons import (
    ALERT_RULES_CONFIG_MAP,
    MONITORING_NAMESPACE,
    RULES_FILE,
    alert_rules_yaml,
)

__all__ = ["TYPE", "GpuSoftwareComponent"]

TYPE = "infra:gpu:GpuSoftware"
_MANAGED = {"app.kubernetes.io/managed-by": "infra"}


class GpuSoftwareComponent(pulumi.ComponentResource):
    """The GPU software of one cluster; give it the cluster's kubernetes provider."""

    def __init__(
        self,
        name: str,
        releases: Sequence[Mapping[str, Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        monitoring = any(r["namespace"] == MONITORING_NAMESPACE for r in releases)
        namespace: k8s.core.v1.Namespace | None = None
        if monitoring:
            namespace = k8s.core.v1.Namespace(
                f"{name}-gpu-monitoring",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=MONITORING_NAMESPACE, labels=_MANAGED),
                opts=child,
            )
        self.releases: dict[str, k8s.helm.v3.Release] = {}
        for release in releases:
            in_monitoring = namespace is not None and release["namespace"] == MONITORING_NAMESPACE
            self.releases[str(release["name"])] = k8s.helm.v3.Release(
                f"{name}-{release['name']}",
                name=str(release["name"]),
                chart=str(release["chart"]),
                version=str(release["version"]),
                namespace=namespace.metadata.name
                if in_monitoring and namespace
                else (str(release["namespace"])),
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=str(release["repository"])),
                values=dict(release["values"]),
                atomic=True,
                opts=child,
            )
        if namespace is not None:
            k8s.core.v1.ConfigMap(
                f"{name}-gpu-alert-rules",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=ALERT_RULES_CONFIG_MAP,
                    namespace=namespace.metadata.name,
                    labels={**_MANAGED, "prometheus-rules": "gpu-health"},
                ),
                data={RULES_FILE: alert_rules_yaml()},
                opts=child,
            )
        self.register_outputs({})

    def outputs(self) -> dict[str, Any]:
        """The add-ons root's ``gpu_software`` output, by the same keys."""
        return {
            name: {"chart": r.chart, "version": r.version, "namespace": r.namespace}
            for name, r in self.releases.items()
        }
