"""Terraform add-ons roots: ``terraform/<stack>/<cluster>_addons/`` for every cluster with GPU
pools (the GPU software that makes its GPUs and RDMA interfaces schedulable and watched:
:mod:`infra.clouds.gpu_addons`, ``Cloud.gpu_software()``) and every failover target that receives
a checkpoint sync job. A CPU-only cluster without sync jobs has none: nothing to install.

GPU software: one ``helm_release`` per pinned chart (values in ``locals``; ``depends_on`` the
releases it needs, e.g. the NicClusterPolicy after the Network Operator), the namespaces they
need (:data:`infra.clouds.gpu_addons.MANAGED_NAMESPACES`), the cloud's managed add-ons (one
resource of each :class:`~infra.clouds.gpu_addons.ManagedAddon`'s type, its configuration
``jsonencode``d from ``locals``), and the GPU alert rules as a ConfigMap (docs/gpu-software.md),
on the ``helm`` provider (hashicorp/helm 3.x: ``kubernetes = { ... }`` is an attribute since
3.0) configured like the ``kubernetes`` one, from the same data sources.

A failover pair of kind "sync" (:mod:`infra.dr.data`: another cloud, or a second target on the
same cloud) has no cloud replication; its checkpoints are copied by a CronJob in the *target*
cluster, the side that must be healthy for the failover. Such a target gets a root of its own,
beside its cluster root, that calls ``modules/checkpoint-sync`` once with one job per source.
Every add-ons root is:

- ``<cluster>_addons`` (underscore: cluster names have none, so it cannot collide with one);
- the cloud's provider in the cluster's region, and the ``kubernetes`` provider reaching the
  cluster's API through data sources that find the cluster by name (``Cloud.checkpoint_sync``);
- the same state backend as the cluster's root, under ``<stack>/<cluster>_addons.tfstate``;
- applied after ``_global``, the cluster's root and the roots of the sources whose stores it
  reads; destroyed before them.

Credentials are never rendered: the jobs read them from a Secret the user creates, whose keys
each root's main.tf lists. The Pulumi program builds the same jobs (:mod:`infra.pulumi.sync`).
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.clouds import Cloud
from infra.clouds.base import ProviderSource, SyncJob
from infra.clouds.dr_inputs import DrCluster
from infra.clouds.gpu_addons import (
    ALERT_RULES_CONFIG_MAP,
    MANAGED_NAMESPACES,
    MONITORING_NAMESPACE,
    RULES_FILE,
    HelmRelease,
    ManagedAddon,
    alert_rules_yaml,
)
from infra.deploy import GLOBAL_ROOT, DeployedCluster, DeployedStack
from infra.dr.data import SYNC_NAMESPACE
from infra.errors import InfraError
from infra.roots import Root
from infra.terraform.files import REQUIRED_TERRAFORM, header, module_files, relative_module
from infra.terraform.hcl import Block, Raw, Value, document

__all__ = [
    "ADDONS_SUFFIX",
    "HELM_PROVIDER",
    "KUBERNETES_PROVIDER",
    "SYNC_MODULE",
    "addons_files",
    "addons_root_name",
]

ADDONS_SUFFIX = "_addons"
SYNC_MODULE = "checkpoint-sync"
# modules/checkpoint-sync/versions.tf pins the same range (tests/test_sync.py checks it).
KUBERNETES_PROVIDER = ProviderSource("kubernetes", "hashicorp/kubernetes", ">= 3.0.0, < 4.0.0")
# hashicorp/helm 3.x (3.0.0 made ``kubernetes`` an attribute: ``kubernetes = { host = ... }``;
# terraform-provider-helm docs/guides/v3-upgrade-guide.md).
HELM_PROVIDER = ProviderSource("helm", "hashicorp/helm", ">= 3.0.0, < 4.0.0")
_MODULE_LABEL = "checkpoint_sync"
# modules/checkpoint-sync's credentials_secret_name default, which the roots keep.
CREDENTIALS_SECRET = "infra-checkpoint-sync"


def addons_root_name(cluster: str) -> str:
    """The add-ons root of ``cluster``, beside its cluster root."""
    return f"{cluster}{ADDONS_SUFFIX}"


def addons_files(plan: DeployedStack) -> tuple[dict[str, str], tuple[Root, ...]]:
    """Every file of the stack's add-ons roots (and the sync module, when a root calls it), and
    the roots; nothing for a stack of CPU-only clusters without sync jobs."""
    base = f"terraform/{plan.name}"
    files: dict[str, str] = {}
    roots: list[Root] = []
    for cluster in plan.clusters:
        target_jobs = plan.sync_jobs.get(cluster.name, ())
        addons = plan.gpu_addons.get(cluster.name, ())
        managed = plan.managed_addons.get(cluster.name, ())
        if not (target_jobs or addons or managed):
            continue
        path = f"{base}/{addons_root_name(cluster.name)}"
        files.update(_addons_root(plan, cluster, target_jobs, (addons, managed), path))
        sources = dict.fromkeys(f"{base}/{job.source_cluster}" for job in target_jobs)
        depends = (f"{base}/{GLOBAL_ROOT}", f"{base}/{cluster.name}", *sources)
        roots.append(
            Root(path, plan.name, cluster.name, cluster.cloud.name, cluster.region, depends)
        )
    if plan.sync_jobs:
        files.update(module_files(SYNC_MODULE))
    return files, tuple(roots)


def _addons_root(
    plan: DeployedStack,
    cluster: DeployedCluster,
    jobs: Sequence[SyncJob],
    gpu: tuple[Sequence[HelmRelease], Sequence[ManagedAddon]],
    path: str,
) -> dict[str, str]:
    addons, managed = gpu
    cloud = cluster.cloud
    target = cluster.dr_cluster()
    kubernetes = _kubernetes(cloud, target)
    helm = (_helm_provider(kubernetes),) if addons else ()
    files = {
        f"{path}/versions.tf": header(plan, "Terraform and provider versions.")
        + document([_versions(cloud, helm=bool(addons))]),
        f"{path}/providers.tf": header(
            plan,
            f"{cloud.title} provider for {cluster.region}, and the Kubernetes API of\n"
            f"# {cluster.resource}, found by name (the cluster root applies first). Its API is\n"
            "# private: run this root from a network that reaches it.",
        )
        + document([cloud.provider_block(cluster.region), *kubernetes, *helm]),
        f"{path}/backend.tf": header(
            plan, f"Remote state with locking, in the backend of the {cluster.name} root."
        )
        + document([Block("terraform", (), (_backend(plan, cluster),))]),
    }
    outputs: list[Block] = []
    if jobs:
        module = Block(
            "module",
            (_MODULE_LABEL,),
            (
                ("source", relative_module(SYNC_MODULE)),
                ("namespace", SYNC_NAMESPACE),
                ("jobs", {job.name: job.module_input() for job in jobs}),
            ),
        )
        files[f"{path}/main.tf"] = header(plan, _main_text(cluster, jobs)) + document([module])
        outputs.append(
            Block(
                "output",
                (_MODULE_LABEL,),
                (
                    ("description", "The sync jobs' namespace, service account and CronJobs."),
                    ("value", Raw(f"module.{_MODULE_LABEL}")),
                ),
            )
        )
    gpu_blocks = _gpu_blocks(addons, _managed_blocks(cloud, target, managed))
    if gpu_blocks:
        notes = cloud.gpu_software().notes(target)
        text = _gpu_text(cluster, addons, managed, notes)
        files[f"{path}/gpu.tf"] = header(plan, text) + document(list(gpu_blocks))
        outputs.append(
            Block(
                "output",
                ("gpu_software",),
                (
                    ("description", "The GPU software releases: chart and version by name."),
                    (
                        "value",
                        {
                            r.name: {
                                "chart": r.chart,
                                "version": r.version,
                                "namespace": r.namespace,
                            }
                            for r in addons
                        },
                    ),
                ),
            )
        )
    files[f"{path}/outputs.tf"] = header(plan, "Outputs for people and other roots.") + document(
        outputs
    )
    return files


def _helm_provider(kubernetes: Sequence[Block]) -> Block:
    """``provider "helm"`` reaching the API exactly as the ``kubernetes`` provider does: its
    arguments (and its ``exec`` block) as the 3.x ``kubernetes`` attribute object."""
    provider = next(b for b in kubernetes if b.type == "provider")
    settings: dict[str, Value] = {}
    for item in provider.body:
        if isinstance(item, Block):
            settings[item.type] = {i[0]: i[1] for i in item.body if not isinstance(i, Block)}
        else:
            settings[item[0]] = item[1]
    return Block("provider", ("helm",), (("kubernetes", settings),))


def _local_name(release: HelmRelease) -> str:
    return release.name.replace("-", "_")


def _namespace_label(namespace: str) -> str:
    return namespace.replace("-", "_")


def _namespace_ref(namespace: str) -> Raw:
    return Raw(f"kubernetes_namespace_v1.{_namespace_label(namespace)}.metadata[0].name")


def _managed_blocks(
    cloud: Cloud, target: DrCluster, managed: Sequence[ManagedAddon]
) -> tuple[tuple[tuple[str, Value], ...], tuple[Block, ...]]:
    """The managed add-ons' configurations (``locals`` entries) and resources."""
    if not managed:
        return (), ()
    cluster_id = cloud.gpu_software().addon_cluster_id(target)
    configs: list[tuple[str, Value]] = []
    blocks: list[Block] = []
    for addon in managed:
        body: list[tuple[str, Value]] = [("cluster_id", cluster_id), ("name", addon.name)]
        if addon.config:
            configs.append((f"{addon.label}_config", addon.config))
            body.append(("config", Raw(f"jsonencode(local.{addon.label}_config)")))
        blocks.append(Block("resource", (addon.resource_type, addon.label), tuple(body)))
    return tuple(configs), tuple(blocks)


def _gpu_blocks(
    addons: Sequence[HelmRelease],
    managed: tuple[tuple[tuple[str, Value], ...], tuple[Block, ...]],
) -> tuple[Block, ...]:
    """The releases (values in ``locals``), the namespaces infra creates, the alert rules, and
    the managed add-ons."""
    configs, managed_blocks = managed
    entries = (*((f"{_local_name(r)}_values", r.values) for r in addons), *configs)
    if not entries:
        return ()
    blocks: list[Block] = [Block("locals", (), tuple(entries))]
    used = {r.namespace for r in addons}
    created = [ns for ns in MANAGED_NAMESPACES if ns in used]
    for ns in created:
        metadata = (("name", ns), ("labels", dict(MANAGED_NAMESPACES[ns])))
        blocks.append(
            Block(
                "resource",
                ("kubernetes_namespace_v1", _namespace_label(ns)),
                (Block("metadata", (), metadata),),
            )
        )
    for release in addons:
        namespace: Value = (
            _namespace_ref(release.namespace) if release.namespace in created else release.namespace
        )
        body: list[tuple[str, Value]] = [
            ("name", release.name),
            ("repository", release.repository),
            ("chart", release.chart),
            ("version", release.version),
            ("namespace", namespace),
            ("values", [Raw(f"yamlencode(local.{_local_name(release)}_values)")]),
            ("wait", True),
            ("atomic", True),
        ]
        if release.depends_on:
            names = (n.replace("-", "_") for n in release.depends_on)
            body.append(("depends_on", [Raw(f"helm_release.{n}") for n in names]))
        blocks.append(Block("resource", ("helm_release", _local_name(release)), tuple(body)))
    if MONITORING_NAMESPACE in created:
        blocks.append(
            Block(
                "resource",
                ("kubernetes_config_map_v1", "gpu_alert_rules"),
                (
                    Block(
                        "metadata",
                        (),
                        (
                            ("name", ALERT_RULES_CONFIG_MAP),
                            ("namespace", _namespace_ref(MONITORING_NAMESPACE)),
                            (
                                "labels",
                                {
                                    "app.kubernetes.io/managed-by": "infra",
                                    "prometheus-rules": "gpu-health",
                                },
                            ),
                        ),
                    ),
                    ("data", {RULES_FILE: alert_rules_yaml()}),
                ),
            )
        )
    return (*blocks, *managed_blocks)


def _gpu_text(
    cluster: DeployedCluster,
    addons: Sequence[HelmRelease],
    managed: Sequence[ManagedAddon],
    notes: Sequence[str],
) -> str:
    """gpu.tf's header: what is installed, and where the alert rules go."""
    lines = [
        f"GPU software in {cluster.name} (docs/gpu-software.md): pinned Helm charts on its GPU",
        "pools, and the cloud's managed add-ons.",
        "",
        *(f"  {r.name}: {r.repository} {r.chart} {r.version}, in {r.namespace}" for r in addons),
        *(f"  {a.name}: managed add-on ({a.resource_type}.{a.label})" for a in managed),
    ]
    if any(r.namespace == MONITORING_NAMESPACE for r in addons):
        lines += [
            "",
            f"GPU health alert rules: ConfigMap {ALERT_RULES_CONFIG_MAP} in {MONITORING_NAMESPACE},",
            f"key {RULES_FILE}; mount it in the Prometheus that scrapes dcgm-exporter.",
        ]
    if notes:
        lines += ["", *notes]
    return "\n# ".join(lines).replace("# \n", "#\n")


def _versions(cloud: Cloud, *, helm: bool) -> Block:
    providers = (cloud.terraform_provider, KUBERNETES_PROVIDER, *((HELM_PROVIDER,) if helm else ()))
    required = sorted(
        (provider.name, {"source": provider.source, "version": provider.version})
        for provider in providers
    )
    body: tuple[tuple[str, Value], ...] = tuple((name, spec) for name, spec in required)
    return Block(
        "terraform",
        (),
        (("required_version", REQUIRED_TERRAFORM), Block("required_providers", (), body)),
    )


def _kubernetes(cloud: Cloud, target: DrCluster) -> tuple[Block, ...]:
    return cloud.checkpoint_sync().kubernetes_provider(target)


def _backend(plan: DeployedStack, cluster: DeployedCluster) -> Block:
    """The cluster root's backend block with its own key: same bucket or account, same lock."""
    backend = cluster.state.backend
    key = f"{plan.name}/{addons_root_name(cluster.name)}.tfstate"
    body = tuple(
        ("key", key) if not isinstance(item, Block) and item[0] == "key" else item
        for item in backend.body
    )
    if body == backend.body:
        raise InfraError(f"{plan.name}/{cluster.name}: its backend block has no key to replace")
    return Block(backend.type, backend.labels, body)


def _main_text(cluster: DeployedCluster, jobs: Sequence[SyncJob]) -> str:
    """main.tf's header: what the jobs copy and the Secret they need, key by key."""
    credentials: dict[str, str] = {}
    for job in jobs:
        credentials.update(job.credentials)
    lines = [
        f"Checkpoint sync jobs in {cluster.name}: one CronJob per source whose checkpoints no",
        "cloud replicates here (rclone copy, never sync; docs/data-sync.md).",
        "",
        *(f"  {job.name}: {job.source} -> {job.destination}, {job.schedule}" for job in jobs),
        "",
        f"Before they can run, create the Secret {CREDENTIALS_SECRET} in namespace {SYNC_NAMESPACE}",
        "(modules/checkpoint-sync/README.md), with what applies of:",
        *(f"  {key}: {what}" for key, what in sorted(credentials.items())),
    ]
    return "\n# ".join(lines).replace("# \n", "#\n")
