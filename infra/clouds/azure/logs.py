"""``infra:azure:Logs``: the Log Analytics workspace of ``infra:azure:GpuCluster``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import operationalinsights

from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.cluster import AzureGpuClusterArgs
    from infra.clouds.azure.network import Network

__all__ = ["TYPE", "Logs"]

TYPE = "infra:azure:Logs"


class Logs(Part):
    """The module's "Logs" section: one workspace for control-plane (audit) logs and checkpoint
    access logs."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureGpuClusterArgs,
        net: Network,
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(TYPE, name, top)
        self.workspace = operationalinsights.Workspace(
            f"{a.name}-logs",
            workspace_name=f"{a.name}-logs",
            location=net.group.location,
            resource_group_name=net.group.name,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=a.log_retention_days,
            # Entra ID only: no workspace keys that could leak.
            features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
            tags=tags,
            opts=self.child(),
        )
        self.register_outputs({"workspace_id": self.workspace.id})
