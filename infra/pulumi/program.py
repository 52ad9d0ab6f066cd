"""The rendered Pulumi program's body: ``stack.json`` in, one component per cluster out.

The rendered ``__main__.py`` only calls :func:`create_clusters` on :func:`load_stack_document`,
so the project runs without the original stack file. A cloud's component module is imported on
first use, so a project needs only the provider packages of the clouds it uses.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pulumi

from infra.errors import InfraError
from infra.pulumi.component import CloudComponents, GpuClusterComponent

__all__ = [
    "COMPONENT_MODULES",
    "ClusterDocument",
    "StackDocument",
    "cloud_components",
    "create_clusters",
    "load_stack_document",
]

# Cloud name -> the module holding its ``COMPONENTS``; adding a cloud adds one entry here.
COMPONENT_MODULES: Mapping[str, str] = MappingProxyType(
    {
        "aws": "infra.pulumi.aws",
        "azure": "infra.pulumi.azure",
        "alicloud": "infra.pulumi.alicloud",
    }
)
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class ClusterDocument:
    """One cluster of ``stack.json``: where it runs and its module inputs."""

    name: str
    cloud: str
    region: str
    inputs: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class StackDocument:
    """The resolved stack as ``stack.json`` stores it."""

    stack: str
    environment: str
    owner: str
    clusters: tuple[ClusterDocument, ...]


def load_stack_document(path: Path) -> StackDocument:
    """Read ``stack.json`` (written by ``infra render --target pulumi``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InfraError(f"{path}: cannot read the stack document ({exc})") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise InfraError(
            f"{path}: not a stack document of schema version {SCHEMA_VERSION}; re-render it "
            "with this version of infra"
        )
    clusters = tuple(
        ClusterDocument(str(c["name"]), str(c["cloud"]), str(c["region"]), dict(c["inputs"]))
        for c in data["clusters"]
    )
    return StackDocument(str(data["stack"]), str(data["environment"]), str(data["owner"]), clusters)


def cloud_components(cloud: str) -> CloudComponents:
    """The provider and component factories of ``cloud`` (imports its Pulumi package)."""
    module_name = COMPONENT_MODULES.get(cloud)
    if module_name is None:
        raise InfraError(
            f"no Pulumi component for cloud {cloud!r} (allowed: {', '.join(COMPONENT_MODULES)})"
        )
    components = getattr(importlib.import_module(module_name), "COMPONENTS", None)
    if not isinstance(components, CloudComponents):
        raise InfraError(f"{module_name} does not define COMPONENTS")
    return components


def create_clusters(document: StackDocument) -> dict[str, GpuClusterComponent]:
    """One explicit provider and one component per cluster; exports what the roots output."""
    created: dict[str, GpuClusterComponent] = {}
    for cluster in document.clusters:
        components = cloud_components(cluster.cloud)
        # A provider per cluster, pinned to its region: never the ambient default provider.
        provider = components.provider(f"{cluster.name}-{cluster.cloud}", cluster.region)
        component = components.cluster(
            cluster.name, cluster.inputs, pulumi.ResourceOptions(providers=[provider])
        )
        pulumi.export(cluster.name, component.common_outputs())
        created[cluster.name] = component
    return created
