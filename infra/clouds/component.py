"""What every cluster component shares: the outputs callers use and how a cloud plugs in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pulumi

__all__ = [
    "CLUSTER_OUTPUTS",
    "CloudComponents",
    "DisasterRecoveryComponent",
    "GpuClusterComponent",
]

# The outputs every Terraform root exports from its cluster module, in the same order.
CLUSTER_OUTPUTS = (
    "cluster_name",
    "cluster_id",
    "cluster_endpoint",
    "network_id",
    "node_pool_names",
    "checkpoint_bucket",
)


class GpuClusterComponent(pulumi.ComponentResource):
    """A GPU cluster component: the outputs every cloud's component registers."""

    cluster_name: pulumi.Output[str]
    cluster_id: pulumi.Output[str]
    cluster_endpoint: pulumi.Output[str]
    network_id: pulumi.Output[str]
    node_pool_names: pulumi.Output[dict[str, str]]
    checkpoint_bucket: pulumi.Output[str]

    def common_outputs(self) -> dict[str, pulumi.Output[object]]:
        """The outputs a Terraform root exports from its module, by the same names."""
        return {name: getattr(self, name) for name in CLUSTER_OUTPUTS}


class DisasterRecoveryComponent(pulumi.ComponentResource):
    """A DR component (``infra:<cloud>:DisasterRecovery``): its module's outputs by name."""

    OUTPUTS: tuple[str, ...] = ()

    def outputs(self) -> dict[str, pulumi.Output[object]]:
        """The outputs of the Terraform module it mirrors, by the same names."""
        return {name: getattr(self, name) for name in self.OUTPUTS}


@dataclass(frozen=True, slots=True)
class CloudComponents:
    """How the program builds one cloud's cluster: its explicit provider and its component."""

    # (logical name, region) -> a provider configured for that region, never the default one
    provider: Callable[[str, str], pulumi.ProviderResource]
    # (logical name, module inputs, options) -> the component, children parented to it
    cluster: Callable[[str, Mapping[str, object], pulumi.ResourceOptions], GpuClusterComponent]
