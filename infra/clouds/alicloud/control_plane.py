"""``infra:alicloud:ControlPlane``: the ACK managed cluster of ``modules/alicloud-gpu-cluster``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pulumi
from pulumi_alicloud import cs

from infra.clouds.args import ComponentInputError
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs
    from infra.clouds.alicloud.network import Network

__all__ = ["ControlPlane", "newest_release"]

_FULL_VERSION = re.compile(r"-aliyun\.")


def newest_release(minor: str, releases: Sequence[str]) -> str:
    """The newest ACK release of a minor version ("1.31" -> "1.31.4-aliyun.1").

    The module's ``local.ack_version``: the highest patch among the releases of that minor.
    """
    matching = [r for r in releases if r.startswith(f"{minor}.")]
    if not matching:
        raise ComponentInputError(f"no ACK release of Kubernetes {minor} is offered")
    return max(matching, key=lambda r: int(r.split("-")[0].split(".")[2]))


class ControlPlane(Part):
    """The module's "ACK managed cluster (Pro)" section (``main.tf``), with the release it picks
    (``data.alicloud_cs_kubernetes_version``), its add-ons and control-plane logs."""

    def __init__(
        self,
        name: str,
        args: AlicloudGpuClusterArgs,
        network: Network,
        tags: Mapping[str, str],
        parent: pulumi.Resource,
    ) -> None:
        super().__init__("infra:alicloud:ControlPlane", name, parent)
        a = args
        self.version = self._release(a)
        self.cluster = cs.ManagedKubernetes(
            a.name,
            name=a.name,
            cluster_spec="ack.pro.small",
            version=self.version,
            vswitch_ids=[s.id for s in network.node_switches],
            pod_vswitch_ids=[s.id for s in network.pod_switches],
            service_cidr=a.service_cidr,
            new_nat_gateway=False,
            slb_internet_enabled=a.endpoint_public_access,
            security_group_id=network.security_group.id,
            proxy_mode="ipvs",
            enable_rrsa=True,
            deletion_protection=a.deletion_protection,
            encryption_provider_key=a.secrets_kms_key_id,
            control_plane_log_components=list(a.control_plane_log_components),
            addons=[cs.ManagedKubernetesAddonArgs(name=addon, config="") for addon in a.addons],
            tags=tags,
            opts=self.child(
                depends_on=network.snat_entries,
                # Add-ons are create-only in the provider; later changes go through
                # cs.KubernetesAddon, not this list.
                ignore_changes=["addons"],
            ),
        )
        # pulumi-alicloud 4.x types connections as a list of one object.
        self.endpoint = self.cluster.connections.apply(
            lambda cs: _endpoint(cs[0] if cs else None, a.endpoint_public_access)
        )
        self.rrsa_oidc_issuer_url = self.cluster.rrsa_metadata.apply(
            lambda m: m.rrsa_oidc_issuer_url if m else None
        )
        self.register_outputs(
            {
                "cluster_id": self.cluster.id,
                "cluster_endpoint": self.endpoint,
                "kubernetes_version": self.version,
                "rrsa_oidc_issuer_url": self.rrsa_oidc_issuer_url,
            }
        )

    def _release(self, a: AlicloudGpuClusterArgs) -> pulumi.Input[str]:
        """The full ACK release (``local.ack_version``)."""
        if _FULL_VERSION.search(a.kubernetes_version):
            return a.kubernetes_version
        # ACK wants a full release; a minor version picks its newest release.
        releases = cs.get_kubernetes_version_output(
            cluster_type="ManagedKubernetes",
            profile="Default",
            opts=pulumi.InvokeOutputOptions(parent=self),
        ).metadatas
        return releases.apply(
            lambda ms: newest_release(a.kubernetes_version, [m.version for m in ms])
        )


def _endpoint(connection: cs.outputs.ManagedKubernetesConnection | None, public: bool) -> str:
    if connection is None:
        return ""
    address = connection.api_server_internet if public else connection.api_server_intranet
    return address or ""
