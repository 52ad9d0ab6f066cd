"""The rendered Pulumi program's body: ``stack.json`` in, one component per cluster and one per
call of the Terraform ``_dr`` root out.

The rendered ``__main__.py`` only calls :func:`create_stack` on :func:`load_stack_document`, so
the project runs without the original stack file. A cloud's component module is imported on
first use, so a project needs only the provider packages of the clouds it uses.

Each target cluster with checkpoint sync jobs (``stack.json``'s ``sync``, the Terraform add-ons
roots' module calls) gets an ``infra:dr:CheckpointSync`` on a kubernetes provider built from its
cluster component's outputs by its cloud (``Cloud.checkpoint_sync().pulumi_kubeconfig``); the
component and pulumi-kubernetes are imported only then.

The Terraform roots' variables, the ``_dr`` root's (DNS zones, alarm targets, service endpoints)
and the cluster roots' (where the node-health alarms notify), are Pulumi config keys of the same
names (``pulumi config set dr_aws_dns_zone_id Z0123...``): a key without a value takes the
variable's default, and a required one fails the program naming the key.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pulumi

from infra.clouds import CLOUDS
from infra.clouds.component import CloudComponents, GpuClusterComponent
from infra.clouds.dr_inputs import DrCluster
from infra.errors import InfraError
from infra.pulumi.dr import ConfigVariable, DrCall, load_config, load_dr_calls
from infra.pulumi.sync import AddonsCall, SyncCall, load_addons_calls, load_sync_calls
from infra.values import Value

__all__ = [
    "ClusterDocument",
    "MissingConfigError",
    "StackDocument",
    "cloud_components",
    "config_inputs",
    "create_checkpoint_sync",
    "create_clusters",
    "create_disaster_recovery",
    "create_gpu_software",
    "create_stack",
    "load_stack_document",
]

SCHEMA_VERSION = 3  # 2: the "dr" calls and their "config" variables; 3: the clusters' variables


class MissingConfigError(InfraError, pulumi.RunError):
    """A required config key has no value (a RunError: Pulumi prints the message, no traceback)."""


@dataclass(frozen=True, slots=True)
class ClusterDocument:
    """One cluster of ``stack.json``: where it runs and its module inputs."""

    name: str
    cloud: str
    region: str
    inputs: Mapping[str, object]
    # Module input -> the config key that feeds it: the cluster root's variables (where the
    # node-health alarms notify), read from Pulumi config like the _dr root's.
    variables: Mapping[str, ConfigVariable] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StackDocument:
    """The resolved stack as ``stack.json`` stores it."""

    stack: str
    environment: str
    owner: str
    clusters: tuple[ClusterDocument, ...]
    dr: tuple[DrCall, ...] = ()
    sync: tuple[SyncCall, ...] = ()
    addons: tuple[AddonsCall, ...] = ()


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
    config = load_config(data)
    try:
        clusters = tuple(
            ClusterDocument(
                str(c["name"]),
                str(c["cloud"]),
                str(c["region"]),
                dict(c["inputs"]),
                {key: config[name] for key, name in (c.get("variables") or {}).items()},
            )
            for c in data["clusters"]
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InfraError(
            f"{path}: malformed cluster entry ({exc!r}); re-render the stack"
        ) from None
    return StackDocument(
        str(data["stack"]),
        str(data["environment"]),
        str(data["owner"]),
        clusters,
        load_dr_calls(data),
        load_sync_calls(data),
        load_addons_calls(data),
    )


def cloud_components(cloud: str) -> CloudComponents:
    """The provider and component factories of ``cloud`` (imports its Pulumi package)."""
    if cloud not in CLOUDS:
        raise InfraError(f"no Pulumi component for cloud {cloud!r} (allowed: {', '.join(CLOUDS)})")
    module_name = CLOUDS[cloud].pulumi_components
    components = getattr(importlib.import_module(module_name), "COMPONENTS", None)
    if not isinstance(components, CloudComponents):
        raise InfraError(f"{module_name} does not define COMPONENTS")
    return components


def create_clusters(document: StackDocument) -> dict[str, GpuClusterComponent]:
    """One explicit provider and one component per cluster; exports what the roots output."""
    config = pulumi.Config()
    # Every cluster's config first: a malformed key fails before any resource is registered.
    inputs = {c.name: {**c.inputs, **config_inputs(c.variables, config)} for c in document.clusters}
    created: dict[str, GpuClusterComponent] = {}
    for cluster in document.clusters:
        components = cloud_components(cluster.cloud)
        # A provider per cluster, pinned to its region: never the ambient default provider.
        provider = components.provider(f"{cluster.name}-{cluster.cloud}", cluster.region)
        component = components.cluster(
            cluster.name, inputs[cluster.name], pulumi.ResourceOptions(providers=[provider])
        )
        pulumi.export(cluster.name, component.common_outputs())
        created[cluster.name] = component
    return created


def config_inputs(
    variables: Mapping[str, ConfigVariable], config: pulumi.Config
) -> dict[str, object]:
    """The module inputs that come from root variables (a DR call's or a cluster root's
    ``input -> variable`` map), read from Pulumi config."""
    values: dict[str, object] = {}
    for key, variable in variables.items():
        values[key] = _config_value(variable, config)
    return values


def _config_value(variable: ConfigVariable, config: pulumi.Config) -> object:
    # A string is set as is (pulumi config set k Z0123); other types are JSON / YAML values.
    try:
        value = (
            config.get(variable.name)
            if variable.type == "string"
            else config.get_object(variable.name)
        )
    except (ValueError, pulumi.ConfigTypeError) as exc:
        raise MissingConfigError(
            f"config {config.name}:{variable.name} must be {variable.type} as JSON ({exc})"
        ) from None
    if value is not None:
        return value
    if variable.required:
        raise MissingConfigError(
            f"config {config.name}:{variable.name} is required and not set: "
            f"{variable.description} Set it with: pulumi config set {variable.name} <value>"
        )
    return variable.default


def create_disaster_recovery(document: StackDocument) -> dict[str, pulumi.ComponentResource]:
    """One explicit provider and one DR component per call of the Terraform ``_dr`` root."""
    config = pulumi.Config()
    # Every call's config first: a missing key fails before any resource is registered.
    inputs = {
        call.label: {**call.inputs, **config_inputs(call.variables, config)} for call in document.dr
    }
    created: dict[str, pulumi.ComponentResource] = {}
    for call in document.dr:
        by_module = {c.dr_module: c.pulumi_dr_component for c in CLOUDS.values()}
        module_name = by_module.get(call.module)
        if module_name is None:
            raise InfraError(
                f"no Pulumi component for module {call.module!r} (allowed: {', '.join(by_module)})"
            )
        factory = getattr(importlib.import_module(module_name), "COMPONENT", None)
        if not callable(factory):
            raise InfraError(f"{module_name} does not define COMPONENT")
        # One provider per (cloud, region) call, as the root's provider (alias) of that call.
        provider = cloud_components(call.cloud).provider(
            f"{call.resource_name}-provider", call.region
        )
        component = factory(
            call.resource_name,
            inputs[call.label],
            pulumi.ResourceOptions(providers=[provider]),
        )
        pulumi.export(call.label, component.outputs())
        created[call.label] = component
    return created


def _kubernetes_providers(
    document: StackDocument, clusters: Mapping[str, GpuClusterComponent]
) -> dict[str, pulumi.ProviderResource]:
    """One kubernetes provider ``<cluster>-kubernetes`` per cluster with an add-ons root (sync
    jobs or GPU software), on the API of its cluster component, as that root's providers."""
    wanted = dict.fromkeys(
        [*(c.target for c in document.sync), *(a.cluster for a in document.addons)]
    )
    if not wanted:
        return {}
    # Imported here: pulumi-kubernetes is needed only by stacks with an add-ons root.
    from infra.clouds.checkpoint_sync import kubernetes_provider  # noqa: PLC0415

    by_name = {c.name: c for c in document.clusters}
    providers: dict[str, pulumi.ProviderResource] = {}
    for name in wanted:
        cluster = by_name.get(name)
        if cluster is None or name not in clusters:
            raise InfraError(f"stack.json: add-ons cluster {name!r} is not a cluster")
        # The inputs are stack.json's JSON values: Values.
        inputs = cast(Mapping[str, Value], cluster.inputs)
        target = DrCluster(cluster.name, str(inputs["name"]), cluster.region, inputs)
        entries = CLOUDS[cluster.cloud].checkpoint_sync().pulumi_kubeconfig(clusters[name], target)
        if not isinstance(entries, pulumi.Output):
            raise InfraError(f"{cluster.cloud}: pulumi_kubeconfig did not return an Output")
        providers[name] = kubernetes_provider(f"{name}-kubernetes", target.resource, entries)
    return providers


def create_checkpoint_sync(
    document: StackDocument,
    clusters: Mapping[str, GpuClusterComponent],
    providers: Mapping[str, pulumi.ProviderResource] | None = None,
) -> dict[str, pulumi.ComponentResource]:
    """One ``infra:dr:CheckpointSync`` per target with sync jobs, on the kubernetes provider of
    its cluster component."""
    if not document.sync:
        return {}
    from infra.clouds.checkpoint_sync import (  # noqa: PLC0415
        CheckpointSyncArgs,
        CheckpointSyncComponent,
    )

    providers = providers if providers is not None else _kubernetes_providers(document, clusters)
    created: dict[str, pulumi.ComponentResource] = {}
    for call in document.sync:
        provider = providers[call.target]
        component = CheckpointSyncComponent(
            f"{call.target}-checkpoint-sync",
            CheckpointSyncArgs.from_document(call.namespace, call.jobs),
            pulumi.ResourceOptions(providers=[provider]),
        )
        # The add-ons root's output, by the same name.
        pulumi.export(f"{call.target}_addons", component.outputs())
        created[call.target] = component
    return created


def create_gpu_software(
    document: StackDocument,
    clusters: Mapping[str, GpuClusterComponent],
    providers: Mapping[str, pulumi.ProviderResource] | None = None,
) -> dict[str, pulumi.ComponentResource]:
    """One ``infra:gpu:GpuSoftware`` per cluster with GPU software (its add-ons root's gpu.tf),
    on the same kubernetes provider as its sync jobs; its managed add-ons on the cluster's id and
    cloud provider."""
    if not document.addons:
        return {}
    from infra.clouds.gpu_software import GpuSoftwareComponent  # noqa: PLC0415

    providers = providers if providers is not None else _kubernetes_providers(document, clusters)
    created: dict[str, pulumi.ComponentResource] = {}
    for call in document.addons:
        provider = providers[call.cluster]
        cluster = clusters[call.cluster]
        component = GpuSoftwareComponent(
            f"{call.cluster}-gpu-software",
            call.releases,
            pulumi.ResourceOptions(providers=[provider]),
            managed_addons=call.managed_addons,
            cluster_id=cluster.cluster_id,
            cloud_provider=_cloud_provider(cluster, call),
        )
        pulumi.export(f"{call.cluster}_gpu_software", component.outputs())
        created[call.cluster] = component
    return created


def _cloud_provider(
    cluster: GpuClusterComponent, call: AddonsCall
) -> pulumi.ProviderResource | None:
    """The cloud provider the cluster component was given, for the cluster's managed add-ons
    (the Terraform root's provider in the cluster's region); None without managed add-ons."""
    if not call.managed_addons:
        return None
    from infra.clouds.gpu_software import MANAGED_ADDON_PACKAGES  # noqa: PLC0415

    kind = str(call.managed_addons[0]["resource_type"])
    package = MANAGED_ADDON_PACKAGES[kind][0] if kind in MANAGED_ADDON_PACKAGES else kind
    provider = cluster.get_provider(f"{package}::")
    if provider is None:
        raise InfraError(f"stack.json: cluster {call.cluster!r} has no {package} provider")
    return provider


def create_stack(document: StackDocument) -> None:
    """Everything the Terraform roots of the stack deploy: the clusters, the DR pieces, then
    each add-ons root's pieces (checkpoint sync jobs, GPU software) on one kubernetes provider
    per cluster."""
    clusters = create_clusters(document)
    create_disaster_recovery(document)
    providers = _kubernetes_providers(document, clusters)
    create_checkpoint_sync(document, clusters, providers)
    create_gpu_software(document, clusters, providers)
