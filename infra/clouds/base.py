"""The interface every cloud implements.

A cloud answers questions about itself (naming rules, tag rules, what it supports, with a reason
when it does not) so that nothing outside ``infra/clouds/`` needs ``if cloud == "aws"``.
Each cloud's package (``infra/clouds/<cloud>/``) implements it; what a later layer needs of a
cloud is asked here too, never decided by the cloud's name.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from infra.catalog import Offer
from infra.clouds.dr_inputs import DrCluster, DrInputs, RootVariable
from infra.drill.api import DrillAdapter
from infra.values import Block, Value

if TYPE_CHECKING:  # infra.clouds.gpu_addons imports nothing of this module's
    from infra.clouds.gpu_addons import GpuSoftware

# Kubernetes object-name rules, shared by every managed service (RFC 1123 label). Anchored with
# \A and \Z, not ^ and $ (which accepts a trailing newline), so match and fullmatch agree.
DNS_LABEL = re.compile(r"\A[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")

# Rules the modules write in their ``validation`` blocks, defined once here for the validator and
# the Pulumi Args (tests/test_args_contract.py proves each equals the module's regex). Every
# pattern is used with re.fullmatch (the modules' ``^...$``, without `$` accepting a newline).
# The ``name`` input of every cluster and DR module, "<stack>-<cluster>": 3-40 characters.
MODULE_NAME_PATTERN = r"[a-z][a-z0-9-]{1,38}[a-z0-9]"
# Keys of the DR modules' ``replication_pairs`` and ``dns_records``: protected cluster names,
# which are 1-24 characters (the modules prefix them with ``name`` wherever they name a resource).
DR_KEY_PATTERN = r"[a-z]([a-z0-9-]{0,38}[a-z0-9])?"


@dataclass(frozen=True, slots=True)
class ProviderSource:
    """A Terraform provider requirement: local name, registry source, version constraint."""

    name: str
    source: str
    version: str


def short_hash(*parts: str, length: int = 8) -> str:
    """A stable suffix that makes globally unique names (buckets, storage accounts) repeatable."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def fit_name(base: str, region: str, digest: str, limit: int) -> str:
    """ "<base>-<region>-<digest>" for a resource of one region, or, past ``limit`` characters,
    "<base>-<digest>" (``base`` cut short when even that is too long): names that stay unique
    through ``digest`` and readable where the cloud's limit allows."""
    for name in (f"{base}-{region}-{digest}", f"{base}-{digest}"):
        if len(name) <= limit:
            return name
    return base[: limit - len(digest) - 1].rstrip("-.") + f"-{digest}"


def variable_suffix(name: str) -> str:
    """``name`` as the end of a Terraform variable name (and Pulumi config key): lower case,
    each run of other characters an underscore ("train-east" -> "train_east")."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def dr_module_name(stack: str, region: str = "") -> str:
    """The ``name`` input of a stack's DR module call: "<stack>-dr" for a cloud with global DNS,
    "<stack>-dr-<region>" for one call per region, shortened with a hash past the modules'
    40 characters. The ``_dr`` root's calls, the runbooks and the drills all name DR resources
    from it."""
    name = f"{stack}-dr-{region}" if region else f"{stack}-dr"
    if len(name) <= DR_NAME_MAX:
        return name
    suffix = f"-dr-{short_hash(stack, region, length=8)}"
    return stack[: DR_NAME_MAX - len(suffix)].rstrip("-") + suffix


# The longest ``name`` the modules take (MODULE_NAME_PATTERN).
DR_NAME_MAX = 40


class Cloud(ABC):
    """One cloud provider: its rules, capabilities and defaults."""

    name: ClassVar[str]
    title: ClassVar[str]
    kubernetes_service: ClassVar[str]
    rdma_name: ClassVar[str]  # what RDMA networking is called on this cloud (EFA, InfiniBand...)
    min_zones: ClassVar[int] = 1
    max_zones: ClassVar[int] = 6
    default_zone_count: ClassVar[int] = 3
    # Allowed VPC/VNet prefix lengths: the cloud's own limits narrowed by the subnet layout of
    # the cluster module (modules/<cloud>-gpu-cluster/main.tf), so a network that validates
    # also fits every subnet the module carves out of it.
    network_prefix_range: ClassVar[tuple[int, int]]
    # Node pool names (the keys of the cluster module's ``node_pools``), used with fullmatch and
    # equal to the module's regex; pool_name_rule says it in words for error messages.
    pool_name_pattern: ClassVar[str]
    pool_name_rule: ClassVar[str]
    # The cluster module's cap on a pool's max_nodes, or None when the module has none.
    max_pool_nodes: ClassVar[int | None] = None
    # The ``name`` input of the state backend module (see state_backend_inputs), fullmatch:
    # equal to the module's regex, and checked by the validator against the rendered name.
    state_name_pattern: ClassVar[str]
    dns_service: ClassVar[str]  # what moves traffic in a failover (Route 53, Traffic Manager...)

    def pool_name_problem(self, name: str) -> str | None:
        """Why ``name`` cannot name a node pool here, or None."""
        if not re.fullmatch(self.pool_name_pattern, name):
            return (
                f"invalid pool name {name!r} for {self.kubernetes_service} "
                f"(allowed: {self.pool_name_rule})"
            )
        return None

    @abstractmethod
    def tag_problem(self, key: str, value: str) -> str | None:
        """Why a tag cannot be set on this cloud's resources, or None."""

    def resource_name(self, stack: str, cluster: str) -> str:
        """A cluster's cloud resource name, the cluster module's ``name`` input, that every
        name of its resources starts with: "<stack>-<cluster>"."""
        return f"{stack}-{cluster}"

    def node_pool_name(self, cluster: str, pool: str) -> str:
        """The provider's name of a node pool, as the cluster module creates it: the module
        input ``name`` ("<stack>-<cluster>", the ``cluster`` here) then the pool key."""
        return f"{cluster}-{pool}"

    def rdma_problem(self, offer: Offer) -> str | None:
        """Why a pool on ``offer`` cannot get RDMA networking, or None."""
        if offer.rdma == "none":
            return (
                f"instance type {offer.instance_type!r} has no {self.rdma_name} in {offer.region}"
            )
        return None

    # -- Terraform ---------------------------------------------------------------------------
    terraform_provider: ClassVar[ProviderSource]
    cluster_module: ClassVar[str]  # modules/<name>: the GPU-cluster module
    state_module: ClassVar[str]  # modules/<name>: the state backend
    dr_module: ClassVar[str]  # modules/<name>: replication, DNS failover and alarms (_dr root)
    dr_inputs: ClassVar[DrInputs]  # what that module takes beyond the inputs every DR module has
    # The provider's API endpoints that `--endpoint <cloud>=URL` points at a local API (moto,
    # LocalStack) through the runner's override file; empty: no local API for this cloud.
    endpoint_services: ClassVar[tuple[str, ...]] = ()
    # Resources of the cluster module (addresses inside ``module.cluster``) that ``infra destroy``
    # keeps because they hold data that outlives the cluster (the access-log bucket and its
    # configuration: the logs are the record of who read or wrote what). The runner takes them out
    # of the root's state before it destroys the rest. A module with such resources takes a bool
    # input ``access_log_force_destroy``, which ``infra destroy --delete-logs`` sets (through a
    # generated override of the module call) to delete them, logs and all, instead.
    retained_on_destroy: ClassVar[tuple[str, ...]] = ()

    # -- Pulumi ------------------------------------------------------------------------------
    # The provider package as the rendered requirements.txt names it (the same range belongs in
    # pyproject's `pulumi` extra), the module whose COMPONENTS build a cluster, and the module
    # whose COMPONENT mirrors the DR module. Imported by name on first use, so a Pulumi project
    # needs only the provider packages of the clouds it uses.
    pulumi_requirement: ClassVar[str]
    pulumi_components: ClassVar[str]
    pulumi_dr_component: ClassVar[str]

    @abstractmethod
    def provider_block(self, region: str) -> Block:
        """The root's provider configuration (credentials come from the environment)."""

    # A stack has a state backend in every region of this cloud where it keeps state (infra.state).
    # ``home``: ``region`` is the first of them in stack order, whose backend keeps the name it had
    # before backends were regional (so existing state stays where it is); the others' names
    # carry their region.

    @abstractmethod
    def backend_block(
        self,
        stack: str,
        owner: str,
        region: str,
        key: str,
        *,
        home: bool = True,
        replica: bool = False,
    ) -> Block:
        """The remote state backend, with locking, that the stack's state module in ``region``
        creates; ``replica``: where that backend holds the replica of another region's
        stack-wide state (see :meth:`state_replication_inputs`)."""

    @abstractmethod
    def cluster_inputs(
        self, stack: str, owner: str, cluster: str, pools: Mapping[str, Value]
    ) -> dict[str, Value]:
        """Module inputs beyond the common ones (names that must be globally unique, ...)."""

    def node_health_variables(self, cluster: str, region: str) -> dict[str, RootVariable]:
        """Where the cluster module's node-health alarms (``health.tf``) send their notices, as
        root variables of the cluster's root (module input -> variable): only the team that runs
        the cluster knows its on-call topic, action group or queue. Each name ends with the
        cluster's name, so one variables file can serve every root of a stack; Pulumi reads the
        same names from config. Empty: the cloud's module has no such input."""
        return {}

    @abstractmethod
    def state_backend_inputs(
        self, stack: str, owner: str, region: str, *, home: bool = True
    ) -> dict[str, Value]:
        """Inputs of the state backend module in ``region`` beyond region and tags."""

    @abstractmethod
    def state_replication_inputs(
        self,
        stack: str,
        owner: str,
        replica_region: str,
        keys: Sequence[str],
        *,
        replica_home: bool,
        replica_module: str,
    ) -> dict[str, Value]:
        """Inputs of the state module of the stack's state region that replicate the state
        objects of ``keys`` (the stack-wide roots' keys) into the backend in
        ``replica_region``, which the module call ``replica_module`` of the same root creates."""

    @abstractmethod
    def state_read_command(
        self,
        stack: str,
        owner: str,
        region: str,
        key: str,
        *,
        home: bool = True,
        replica: bool = False,
    ) -> str:
        """The CLI call that proves the state object ``key`` is readable in the stack's backend
        in ``region`` (its replica copy with ``replica``), naming the real bucket or account."""

    def state_replica_switch_commands(
        self, stack: str, owner: str, region: str, *, home: bool = True
    ) -> tuple[str, ...]:
        """CLI calls that make the replica in the backend in ``region`` writable before the
        stack-wide roots switch to it; none where a replica is always writable."""
        return ()

    # -- DR runbook commands ----------------------------------------------------------------
    # ``cluster`` is the cloud resource name of the cluster ("<stack>-<cluster>"); values that
    # only the account knows (zone IDs, ACK cluster IDs) are written as <placeholders>.

    @abstractmethod
    def scale_pool_command(
        self,
        cluster: str,
        region: str,
        pool: str,
        min_nodes: int,
        desired_nodes: int,
        max_nodes: int,
    ) -> str:
        """The CLI call that sets a node pool's bounds and size (idempotent: absolute sizes)."""

    @abstractmethod
    def pool_ready_commands(self, cluster: str, region: str, pool: str) -> tuple[str, ...]:
        """CLI calls that wait until a node pool's nodes are up and Ready."""

    @abstractmethod
    def traffic_commands(
        self, record: str, source: str, weights: Mapping[str, int], failover: bool
    ) -> tuple[str, ...]:
        """CLI calls on this cloud's DNS service that move ``record`` from ``source`` to the
        weighted targets (``failover``), or back to ``source`` (not ``failover``)."""

    @abstractmethod
    def replica_age_command(
        self, cluster: str, region: str, *, stack: str, owner: str, target: str
    ) -> str:
        """The CLI call that shows when the newest replicated checkpoint of ``cluster`` (its
        resource name) landed in its replica in ``region``: the checkpoint store of ``target``
        (infra's cluster name), where the DR module replicates it."""

    # -- drills ------------------------------------------------------------------------------
    # "<module>:<class>" of the cloud's DrillAdapter (``infra/clouds/<cloud>/drill.py``),
    # imported only when a drill runs: its SDKs are the optional ``drill`` extra.
    drill_adapter_path: ClassVar[str]

    def drill_adapter(self, endpoint: str | None = None) -> DrillAdapter:
        """This cloud's drill adapter, talking to ``endpoint`` (``--endpoint CLOUD=URL``) or to
        the cloud itself. Raises ImportError naming the missing SDK."""
        module, _, cls = self.drill_adapter_path.partition(":")
        adapter: DrillAdapter = getattr(importlib.import_module(module), cls)(endpoint)
        return adapter

    # -- checkpoint sync ---------------------------------------------------------------------
    def checkpoint_sync(self) -> CheckpointSync:
        """This cloud's half of a checkpoint sync job (a failover pair of kind "sync",
        infra/dr/data.py): its checkpoint store as an rclone remote and how Terraform and Pulumi
        reach its clusters' Kubernetes API. ``SYNC`` of ``infra/clouds/<cloud>/sync.py`` (the
        package of the cloud's class), imported on first use: its Pulumi half imports the
        provider packages only when it is called."""
        package = type(self).__module__.rpartition(".")[0]
        sync: CheckpointSync = importlib.import_module(f"{package}.sync").SYNC
        return sync

    def __repr__(self) -> str:
        return f"<cloud {self.name}>"

    # -- GPU software ------------------------------------------------------------------------
    def gpu_software(self) -> GpuSoftware:
        """What this cloud installs on a cluster's GPU pools (device plugins, DCGM exporter,
        managed add-ons): ``GPU`` of ``infra/clouds/<cloud>/gpu.py``, imported on first use."""
        package = type(self).__module__.rpartition(".")[0]
        gpu: GpuSoftware = importlib.import_module(f"{package}.gpu").GPU
        return gpu


# -- checkpoint sync jobs ------------------------------------------------------------------------
# A sync job is a CronJob in the target cluster running `rclone copy` from the source's checkpoint
# store into the target's, with both stores configured entirely through environment variables
# (rclone.org/docs/#config-file: RCLONE_CONFIG_<REMOTE>_<OPTION>, the remote's name upper-cased,
# so it may hold only letters, digits and "_"). The Terraform module (modules/checkpoint-sync)
# and the Pulumi component (infra/clouds/checkpoint_sync.py, fed by infra/pulumi/sync.py) take
# the same SyncJob, built once here.


class CheckpointSync(ABC):
    """What a sync job needs of one cloud (``infra/clouds/<cloud>/sync.py``)."""

    @abstractmethod
    def remote(self, store: DrCluster, *, in_region: bool) -> dict[str, str]:
        """The rclone options (config names: ``type``, ``provider``, ``region`` ...) of
        ``store``'s checkpoint store, never a credential; ``in_region``: the job runs in the
        store's own cloud region (and may use an internal endpoint)."""

    @abstractmethod
    def bucket(self, store: DrCluster) -> str:
        """The first element of the store's rclone path: its bucket or container."""

    @abstractmethod
    def store_name(self, store: DrCluster) -> str:
        """The store as the cluster inventory names it: a bucket, or "<account>/<container>"."""

    @abstractmethod
    def credential_keys(self, remote: str) -> dict[str, str]:
        """Keys of the credentials Secret for the remote ``remote`` of this cloud -> what each
        holds (the README and each add-ons root list them)."""

    @abstractmethod
    def kubernetes_provider(self, cluster: DrCluster) -> tuple[Block, ...]:
        """Terraform: the data sources that find ``cluster`` by name, then the
        ``provider "kubernetes"`` block reaching its API with short-lived credentials."""

    @abstractmethod
    def pulumi_kubeconfig(self, cluster: object, target: DrCluster) -> object:
        """Pulumi: a ``pulumi.Output`` of the kubeconfig entries ``{"cluster": ..., "user": ...}``
        (kubeconfig v1 ``Cluster`` and ``AuthInfo``) reaching the API of the cluster component
        ``cluster`` (``target`` as its cluster root passes it), like the Terraform provider."""


@dataclass(frozen=True, slots=True)
class SyncJob:
    """One CronJob: the module's ``jobs`` entry and the Pulumi component's, by the same names."""

    name: str  # the CronJob (infra.dr.data.sync_job_name)
    source_cluster: str
    schedule: str
    max_duration_seconds: int  # rclone --max-duration, shorter than the interval
    source: str  # "<remote>:<bucket>/<prefix>"
    destination: str
    remotes: Mapping[str, str]  # RCLONE_CONFIG_<REMOTE>_<OPTION> -> value, both remotes
    credentials: Mapping[str, str]  # Secret key -> what it holds, for people

    def module_input(self) -> dict[str, Value]:
        """The job as modules/checkpoint-sync's ``jobs`` takes it (and stack.json holds it)."""
        return {
            "source_cluster": self.source_cluster,
            "schedule": self.schedule,
            "max_duration_seconds": self.max_duration_seconds,
            "source": self.source,
            "destination": self.destination,
            "remotes": dict(self.remotes),
        }


# The job stops starting transfers this long before its next run is due.
SYNC_MARGIN_SECONDS = 30


def sync_remote_name(cluster: str) -> str:
    """The rclone remote of a cluster's store: its name upper-cased, "-" as "_" (cluster names
    are lowercase letters, digits and "-", so no two clusters share a remote)."""
    return cluster.upper().replace("-", "_")


def sync_schedule(interval_minutes: int) -> str:
    """Every ``interval_minutes`` (a divisor of 60, as the validator requires)."""
    if interval_minutes <= 0 or 60 % interval_minutes:
        raise ValueError(f"sync interval {interval_minutes} min does not divide an hour")
    return "0 * * * *" if interval_minutes == 60 else f"*/{interval_minutes} * * * *"


def sync_job(
    name: str,
    interval_minutes: int,
    prefix: str,
    source: tuple[Cloud, DrCluster],
    target: tuple[Cloud, DrCluster],
) -> SyncJob:
    """The job in ``target`` copying ``prefix`` of ``source``'s store to the same prefix of
    ``target``'s, every ``interval_minutes``."""
    (source_cloud, source_store), (target_cloud, target_store) = source, target
    env: dict[str, str] = {}
    credentials: dict[str, str] = {}
    paths: list[str] = []
    for cloud, store in ((source_cloud, source_store), (target_cloud, target_store)):
        sync = cloud.checkpoint_sync()
        remote = sync_remote_name(store.name)
        in_region = (cloud.name, store.region) == (target_cloud.name, target_store.region)
        for option, value in sync.remote(store, in_region=in_region).items():
            env[f"RCLONE_CONFIG_{remote}_{option.upper()}"] = value
        credentials.update(sync.credential_keys(remote))
        paths.append(f"{remote.lower()}:{sync.bucket(store)}/{prefix}")
    return SyncJob(
        name=name,
        source_cluster=source_store.name,
        schedule=sync_schedule(interval_minutes),
        max_duration_seconds=max(interval_minutes * 60 - SYNC_MARGIN_SECONDS, 30),
        source=paths[0],
        destination=paths[1],
        remotes=env,
        credentials=credentials,
    )
