"""Microsoft Azure: AKS, InfiniBand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infra.clouds.azure import naming
from infra.clouds.azure.dr_inputs import AzureDrInputs
from infra.clouds.base import Cloud, ProviderSource, dr_module_name, variable_suffix
from infra.clouds.dr_inputs import RootVariable
from infra.values import Block, Raw, Value

# Tag names may not contain < > % & \ ? / ; storage accounts (which we tag) allow keys up to 128
# characters and values up to 256 (Azure Resource Manager tag docs; azurerm storage validation).
_TAG_FORBIDDEN = set("<>%&\\?/")
_RESERVED_PREFIXES = ("microsoft", "azure", "windows")
# Traffic Manager endpoint weights are 1-1000.
_MAX_WEIGHT = 1000


def traffic_manager_names(stack: str, source: str) -> tuple[str, str]:
    """(resource group, profile) of the Traffic Manager profile that modules/dr-azure renders for
    the failover record of cluster ``source``: the module's ``name`` is the stack's DR name
    ("<stack>-dr", shortened with a hash past 40 characters, as infra.dr.terraform names it), its
    resource group "<name>-rg" and its profiles "<name>-<cluster>". The runbook, the drill and
    the local endpoint (tools/endpoints/azure.py) all take the names from here."""
    name = dr_module_name(stack)
    return naming.resource_group(name), f"{name}-{source}"


def traffic_manager_weights(weights: Mapping[str, int]) -> dict[str, int]:
    """``weights`` as Traffic Manager takes them (1-1000): scaled down, in proportion, when the
    largest is over 1000."""
    top = max(weights.values(), default=0)
    if top <= _MAX_WEIGHT:
        return {t: max(1, w) for t, w in weights.items()}
    return {t: max(1, round(w * _MAX_WEIGHT / top)) for t, w in weights.items()}


class Azure(Cloud):
    name = "azure"
    title = "Azure"
    kubernetes_service = "AKS"
    rdma_name = "InfiniBand"
    # The module (modules/azure-gpu-cluster/variables.tf, cidr) takes /16 to /20: its endpoint
    # subnet is cidrsubnet(cidr, 8, 255), a /28 at the smallest (/29 is the Azure minimum).
    network_prefix_range = (16, 20)
    # AKS Linux node pool names: 1-12 characters, lowercase letters and digits, not starting with
    # a digit (learn.microsoft.com/azure/aks/use-system-pools#limitations).
    pool_name_pattern = r"[a-z][a-z0-9]{0,11}"
    pool_name_rule = "1-12 lowercase letters and digits, starting with a letter"
    # AKS: 1000 nodes per node pool (the module's node_pools validation).
    max_pool_nodes = 1000
    # The state backend's name is the stack name (modules/state-backend-azure/variables.tf).
    state_name_pattern = r"[a-z]([a-z0-9-]{0,38}[a-z0-9])?"
    dns_service = "Traffic Manager endpoints"

    def tag_problem(self, key: str, value: str) -> str | None:
        if not 1 <= len(key) <= 128 or len(value) > 256:
            return "tag too long for Azure (allowed: key 1-128, value up to 256 characters)"
        if _TAG_FORBIDDEN & set(key):
            return "tag key has characters Azure does not allow (not allowed: < > % & \\ ? /)"
        if key.lower().startswith(_RESERVED_PREFIXES):
            return "tag key may not start with microsoft, azure or windows on Azure (reserved)"
        return None

    def node_pool_name(self, cluster: str, pool: str) -> str:
        # AKS pool names are at most 12 characters, so the module names each pool by its key.
        return pool

    def scale_pool_command(
        self,
        cluster: str,
        region: str,
        pool: str,
        min_nodes: int,
        desired_nodes: int,
        max_nodes: int,
    ) -> str:
        # Standby pools run the cluster autoscaler (min 0 for pilot-light), and AKS refuses a
        # manual `az aks nodepool scale` on such a pool; raising --min-count makes it scale up.
        # The autoscaler has no separate desired size, so min and desired are the same here.
        del desired_nodes
        return (
            f"az aks nodepool update --resource-group {naming.resource_group(cluster)} --cluster-name {cluster} "
            f"--name {self.node_pool_name(cluster, pool)} --update-cluster-autoscaler --min-count {min_nodes} "
            f"--max-count {max_nodes}"
        )

    def pool_ready_commands(self, cluster: str, region: str, pool: str) -> tuple[str, ...]:
        node_pool = self.node_pool_name(cluster, pool)
        return (
            f"az aks nodepool show --resource-group {naming.resource_group(cluster)} --cluster-name {cluster} "
            f"--name {node_pool} --query provisioningState -o tsv  # expect Succeeded",
            # AKS labels every node with its agent pool's name.
            f"kubectl --context {cluster} wait --for=condition=Ready node "
            f"-l kubernetes.azure.com/agentpool={node_pool} --timeout=30m",
        )

    def traffic_commands(
        self, record: str, source: str, weights: Mapping[str, int], failover: bool
    ) -> tuple[str, ...]:
        # The record is "<stack>-<source>" (resource_name); modules/dr-azure renders one profile
        # per record with an external endpoint per cluster, named after the cluster.
        group, profile = traffic_manager_names(record.removesuffix(f"-{source}"), source)
        base = (
            f"az network traffic-manager endpoint update --resource-group {group} "
            f"--profile-name {profile} --type externalEndpoints"
        )
        if failover:
            # Weights must be 1-1000 in Traffic Manager, so the source is disabled, not zeroed.
            return (
                *(
                    f"{base} --name {t} --endpoint-status Enabled --weight {w}"
                    for t, w in traffic_manager_weights(weights).items()
                ),
                f"{base} --name {source} --endpoint-status Disabled",
            )
        # Back to what modules/dr-azure renders: every endpoint Enabled, the source first by
        # priority; the targets stay Enabled for health-based failover.
        return (f"{base} --name {source} --endpoint-status Enabled",)

    def replica_age_command(
        self, cluster: str, region: str, *, stack: str, owner: str, target: str
    ) -> str:
        # modules/dr-azure replicates a source's checkpoint container into the checkpoint
        # account of its target (object replication).
        account = naming.checkpoint_account(stack, owner, target)
        return (
            f"az storage blob list --account-name {account} "
            "--container-name checkpoints "
            "--query 'max_by(@, &properties.lastModified).properties.lastModified' -o tsv"
        )

    drill_adapter_path = "infra.clouds.azure.drill:AzureDrill"

    # -- Terraform ---------------------------------------------------------------------------
    terraform_provider = ProviderSource("azurerm", "hashicorp/azurerm", ">= 4.40.0, < 5.0.0")
    cluster_module = "azure-gpu-cluster"
    state_module = "state-backend-azure"
    dr_module = "dr-azure"
    dr_inputs = AzureDrInputs()

    # -- Pulumi ------------------------------------------------------------------------------
    pulumi_requirement = "pulumi-azure-native>=3.29,<4"
    pulumi_components = "infra.clouds.azure.cluster"
    pulumi_dr_component = "infra.clouds.azure.disaster_recovery"

    def provider_block(self, region: str) -> Block:
        # The subscription comes from ARM_SUBSCRIPTION_ID; storage data-plane calls use Entra ID.
        # Checkpoint accounts have public network access off, so the provider must not reach for
        # their data plane from outside the VNet.
        features = Block(
            "features", (), (Block("storage", (), (("data_plane_available", False),)),)
        )
        return Block("provider", ("azurerm",), (features, ("storage_use_azuread", True)))

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
        # The azurerm backend locks state with a blob lease. A replica lives in a container of
        # its own (naming.STATE_REPLICA_CONTAINER: object replication keeps it read-only).
        where = None if home else region
        return Block(
            "backend",
            ("azurerm",),
            (
                ("resource_group_name", naming.state_resource_group(stack, where)),
                ("storage_account_name", naming.state_account(stack, owner, where)),
                ("container_name", _container(replica)),
                ("key", key),
                ("use_azuread_auth", True),
            ),
        )

    def cluster_inputs(
        self, stack: str, owner: str, cluster: str, pools: Mapping[str, Value]
    ) -> dict[str, Value]:
        system = next((name for name, pool in pools.items() if _can_be_system(pool)), None)
        return {
            "storage_account_name": naming.checkpoint_account(stack, owner, cluster),
            "system_pool": system,
        }

    def node_health_variables(self, cluster: str, region: str) -> dict[str, RootVariable]:
        return {
            "action_group_id": RootVariable(
                f"node_health_action_group_id_{variable_suffix(cluster)}",
                "string",
                f"Azure Monitor action group (resource id) that cluster {cluster}'s GPU node-health "
                "alerts notify. null: the alerts fire in Azure Monitor, no one is told.",
                default=None,
            )
        }

    def state_backend_inputs(
        self, stack: str, owner: str, region: str, *, home: bool = True
    ) -> dict[str, Value]:
        where = None if home else region
        return {
            # The module names its resource group "<name>-tfstate-rg".
            "name": naming.state_name(stack, where),
            "storage_account_name": naming.state_account(stack, owner, where),
            "container_name": naming.STATE_CONTAINER,
        }

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
        # The backend's blob is the key itself (the default workspace).
        return {
            "replication": {
                "destination_storage_account_id": Raw(
                    f"module.{replica_module}.storage_account_id"
                ),
                "destination_container_name": naming.STATE_REPLICA_CONTAINER,
                "prefixes": list(keys),
            }
        }

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
        account = naming.state_account(stack, owner, None if home else region)
        return (
            f"az storage blob show --auth-mode login --account-name {account} "
            f"--container-name {_container(replica)} --name {key} "
            "--query properties.lastModified -o tsv"
        )

    def state_replica_switch_commands(
        self, stack: str, owner: str, region: str, *, home: bool = True
    ) -> tuple[str, ...]:
        # The destination container of an object replication policy is read-only while the
        # policy exists. A policy is created on both accounts, and removing it means deleting
        # it from each account, one call per account (learn.microsoft.com/azure/storage/blobs/
        # object-replication-overview and object-replication-configure): the call on the
        # replica's account needs nothing of the source's region.
        where = None if home else region
        group = naming.state_resource_group(stack, where)
        account = naming.state_account(stack, owner, where)
        return (
            f"POLICY=$(az storage account or-policy list --resource-group {group} "
            f'--account-name {account} --query "[0].policyId" -o tsv)',
            f"az storage account or-policy delete --resource-group {group} "
            f'--account-name {account} --policy-id "$POLICY"',
        )


def _container(replica: bool) -> str:
    return naming.STATE_REPLICA_CONTAINER if replica else naming.STATE_CONTAINER


def _can_be_system(pool: Value) -> bool:
    """Whether a pool (its module input) may be the AKS default (system-mode) pool: a CPU pool
    with no spot nodes, no taints and at least one node (the module's precondition). Without
    one the module creates its own default pool."""
    if not isinstance(pool, Mapping):
        return False
    min_nodes = pool.get("min_nodes")
    return (
        pool.get("gpu") is None
        and not pool.get("spot")
        and not pool.get("taints")
        and isinstance(min_nodes, int)
        and min_nodes >= 1
    )
