"""What every cloud's Pulumi components share: the outputs callers use, how a cloud plugs into
the program, and the helpers the components of several clouds need."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pulumi

__all__ = [
    "CLUSTER_OUTPUTS",
    "CloudComponents",
    "DisasterRecoveryComponent",
    "GpuClusterComponent",
    "Part",
    "access_log_bucket_name",
    "by_key",
    "json_encode",
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


class Part(pulumi.ComponentResource):
    """A part of a cluster or DR component (``infra:<cloud>:Network``, ``...:Replication``...)
    that mirrors one part of its Terraform module, parented to it (so it uses its providers).

    Its resources were the top component's own children before the components were split into
    parts: each names that earlier URN (same name and type, the top component as parent) as an
    alias, so ``pulumi up`` moves it into the part instead of replacing it.
    """

    def __init__(self, type_: str, name: str, top: pulumi.Resource) -> None:
        super().__init__(type_, name, None, pulumi.ResourceOptions(parent=top))
        self._top = top

    def child(
        self,
        *,
        depends_on: Sequence[pulumi.Resource] | None = None,
        ignore_changes: list[str] | None = None,
    ) -> pulumi.ResourceOptions:
        """The options of a resource of this part: parented to the part, aliased to its URN
        from before the split."""
        return pulumi.ResourceOptions(
            parent=self,
            aliases=[pulumi.Alias(parent=self._top)],
            depends_on=depends_on,
            ignore_changes=ignore_changes,
        )


@dataclass(frozen=True, slots=True)
class CloudComponents:
    """How the program builds one cloud's cluster: its explicit provider and its component."""

    # (logical name, region) -> a provider configured for that region, never the default one
    provider: Callable[[str, str], pulumi.ProviderResource]
    # (logical name, module inputs, options) -> the component, children parented to it
    cluster: Callable[[str, Mapping[str, object], pulumi.ResourceOptions], GpuClusterComponent]


# -- helpers ----------------------------------------------------------------------------------


def by_key(values: Mapping[str, pulumi.Input[str | None]]) -> pulumi.Output[dict[str, str]]:
    """A map output (``{ for k, r in resources : k => r.attr }`` in the module)."""
    return pulumi.Output.all(**values).apply(dict)


def json_encode(value: object) -> str:
    """Terraform's ``jsonencode``: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def access_log_bucket_name(checkpoint_bucket_name: str) -> str:
    """The access-log bucket of a checkpoint bucket (S3 and OSS modules alike,
    ``local.access_log_bucket_name``): "<checkpoint>-logs", shortened with a hash past 63.
    OSS names have no dots, so trimming "." as S3 needs changes nothing there."""
    if len(checkpoint_bucket_name) <= 58:
        return f"{checkpoint_bucket_name}-logs"
    digest = hashlib.sha1(checkpoint_bucket_name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{checkpoint_bucket_name[:49].strip('.-')}-{digest}-logs"
