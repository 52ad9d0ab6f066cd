"""Terraform add-ons roots: ``terraform/<stack>/<cluster>_addons/`` for every failover target that
receives a checkpoint sync job.

A failover pair of kind "sync" (:mod:`infra.dr.data`: another cloud, or a second target on the
same cloud) has no cloud replication; its checkpoints are copied by a CronJob in the *target*
cluster, the side that must be healthy for the failover. Such a target gets a root of its own,
beside its cluster root, that calls ``modules/checkpoint-sync`` once with one job per source:

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
from infra.deploy import GLOBAL_ROOT, DeployedCluster, DeployedStack
from infra.dr.data import SYNC_NAMESPACE
from infra.errors import InfraError
from infra.roots import Root
from infra.terraform.files import REQUIRED_TERRAFORM, header, module_files, relative_module
from infra.terraform.hcl import Block, Raw, Value, document

__all__ = [
    "ADDONS_SUFFIX",
    "KUBERNETES_PROVIDER",
    "SYNC_MODULE",
    "addons_files",
    "addons_root_name",
]

ADDONS_SUFFIX = "_addons"
SYNC_MODULE = "checkpoint-sync"
# modules/checkpoint-sync/versions.tf pins the same range (tests/test_sync.py checks it).
KUBERNETES_PROVIDER = ProviderSource("kubernetes", "hashicorp/kubernetes", ">= 3.0.0, < 4.0.0")
_MODULE_LABEL = "checkpoint_sync"
# modules/checkpoint-sync's credentials_secret_name default, which the roots keep.
CREDENTIALS_SECRET = "infra-checkpoint-sync"


def addons_root_name(cluster: str) -> str:
    """The add-ons root of ``cluster``, beside its cluster root."""
    return f"{cluster}{ADDONS_SUFFIX}"


def addons_files(plan: DeployedStack) -> tuple[dict[str, str], tuple[Root, ...]]:
    """Every file of the stack's add-ons roots and the module they call, and the roots; nothing
    for a stack whose failover pairs are all replicated natively or stateless."""
    jobs = plan.sync_jobs
    if not jobs:
        return {}, ()
    base = f"terraform/{plan.name}"
    files: dict[str, str] = {}
    roots: list[Root] = []
    for cluster in plan.clusters:
        target_jobs = jobs.get(cluster.name)
        if not target_jobs:
            continue
        path = f"{base}/{addons_root_name(cluster.name)}"
        files.update(_addons_root(plan, cluster, target_jobs, path))
        sources = dict.fromkeys(f"{base}/{job.source_cluster}" for job in target_jobs)
        depends = (f"{base}/{GLOBAL_ROOT}", f"{base}/{cluster.name}", *sources)
        roots.append(
            Root(path, plan.name, cluster.name, cluster.cloud.name, cluster.region, depends)
        )
    files.update(module_files(SYNC_MODULE))
    return files, tuple(roots)


def _addons_root(
    plan: DeployedStack, cluster: DeployedCluster, jobs: Sequence[SyncJob], path: str
) -> dict[str, str]:
    cloud = cluster.cloud
    target = cluster.dr_cluster()
    module = Block(
        "module",
        (_MODULE_LABEL,),
        (
            ("source", relative_module(SYNC_MODULE)),
            ("namespace", SYNC_NAMESPACE),
            ("jobs", {job.name: job.module_input() for job in jobs}),
        ),
    )
    output = Block(
        "output",
        (_MODULE_LABEL,),
        (
            ("description", "The sync jobs' namespace, service account and CronJobs."),
            ("value", Raw(f"module.{_MODULE_LABEL}")),
        ),
    )
    return {
        f"{path}/versions.tf": header(plan, "Terraform and provider versions.")
        + document([_versions(cloud)]),
        f"{path}/providers.tf": header(
            plan,
            f"{cloud.title} provider for {cluster.region}, and the Kubernetes API of\n"
            f"# {cluster.resource}, found by name (the cluster root applies first). Its API is\n"
            "# private: run this root from a network that reaches it.",
        )
        + document([cloud.provider_block(cluster.region), *_kubernetes(cloud, target)]),
        f"{path}/backend.tf": header(
            plan, f"Remote state with locking, in the backend of the {cluster.name} root."
        )
        + document([Block("terraform", (), (_backend(plan, cluster),))]),
        f"{path}/main.tf": header(plan, _main_text(cluster, jobs)) + document([module]),
        f"{path}/outputs.tf": header(plan, "Outputs for people and other roots.")
        + document([output]),
    }


def _versions(cloud: Cloud) -> Block:
    required = sorted(
        (provider.name, {"source": provider.source, "version": provider.version})
        for provider in (cloud.terraform_provider, KUBERNETES_PROVIDER)
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
