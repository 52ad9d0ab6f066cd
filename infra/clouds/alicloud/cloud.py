"""Alibaba Cloud: ACK, eRDMA."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from infra.clouds.alicloud import naming
from infra.clouds.alicloud.dr_inputs import AlicloudDrInputs
from infra.clouds.base import Cloud, ProviderSource, variable_suffix
from infra.clouds.dr_inputs import RootVariable
from infra.values import Block, Raw, Value

# The OSS backend's ``prefix``: the state of the default workspace is the object
# "<prefix>/<key>" (path.Join(statePrefix, stateKey) in Terraform's backend "oss",
# internal/backend/remote-state/oss/backend_state.go).
STATE_PREFIX = "infra"


def _state_object(key: str) -> str:
    return f"{STATE_PREFIX}/{key}"


class Alicloud(Cloud):
    name = "alicloud"
    title = "Alibaba Cloud"
    kubernetes_service = "ACK"
    rdma_name = "eRDMA"
    # VPCs are /8 to /28 and vSwitches /16 to /29, but the module (modules/alicloud-gpu-cluster/
    # variables.tf, cidr) takes /16 to /20: node vSwitches are cidrsubnet(cidr, 4, i) and pod
    # vSwitches cidrsubnet(cidr, 3, 4 + i), which a /16 keeps within the vSwitch limit.
    network_prefix_range = (16, 20)
    # ACK node pool names are 1-63 characters; the module names each "<name>-<pool>" with a name
    # of up to 40, so a key has at most 22, and the key is the node label infra/pool.
    pool_name_pattern = r"[a-z]([a-z0-9-]{0,20}[a-z0-9])?"
    pool_name_rule = (
        "1-22 lowercase letters, digits and '-', starting with a letter and not ending with '-'"
    )
    # The cluster module caps max_nodes of a pool at 1000 (an ACK node pool limit).
    max_pool_nodes = 1000
    # OSS bucket "<stack>-tfstate-<hash>" (modules/state-backend-alicloud/variables.tf, name).
    state_name_pattern = r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]"
    max_zones = 4  # pod vSwitch slices 4..7 of the /+3 split
    dns_service = "Alibaba Cloud DNS GTM"

    def tag_problem(self, key: str, value: str) -> str | None:
        # Tag key up to 128 characters (ECS/ACK), but the OSS checkpoint bucket allows 64 bytes;
        # keys may not start with "aliyun" or "acs:", values not with "acs:", neither may contain
        # http:// or https:// (Alibaba Cloud Tag API docs; OSS PutBucketTags errors).
        # surrogatepass: counting the bytes of a key must not fail on a lone surrogate.
        if not 1 <= len(key.encode("utf-8", "surrogatepass")) <= 64 or len(value) > 128:
            return (
                "tag too long for Alibaba Cloud (allowed: key 1-64 bytes, as OSS buckets "
                "require, value up to 128 characters)"
            )
        lowered = key.lower()
        if lowered.startswith(("aliyun", "acs:")) or value.lower().startswith("acs:"):
            return "tags may not start with 'aliyun' or 'acs:' on Alibaba Cloud (reserved)"
        if any(s in text.lower() for s in ("http://", "https://") for text in (key, value)):
            return "tags may not contain 'http://' or 'https://' on Alibaba Cloud"
        return None

    def scale_pool_command(
        self,
        cluster: str,
        region: str,
        pool: str,
        min_nodes: int,
        desired_nodes: int,
        max_nodes: int,
    ) -> str:
        # ModifyClusterNodePool sets an absolute desired size, so re-running it is harmless;
        # ScaleClusterNodePool adds `count` nodes per call and is not safe to repeat. The drill
        # (infra/clouds/alicloud/drill.py) sends the same body and finds the ids the same way.
        node_pool = self.node_pool_name(cluster, pool)
        body = json.dumps(
            {
                "auto_scaling": {"max_instances": max_nodes, "min_instances": min_nodes},
                "scaling_group": {"desired_size": desired_nodes},
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return (
            f"aliyun cs PUT /clusters/<cluster-id-of-{cluster}>/nodepools/<nodepool-id-of-{node_pool}> "
            f"--region {region} --header \"Content-Type=application/json\" --body '{body}'"
            f"  # ids: cluster_id from aliyun cs GET /api/v1/clusters --name {cluster} "
            f"--region_id {region}, nodepool_info.nodepool_id from aliyun cs GET "
            f"/clusters/<cluster-id-of-{cluster}>/nodepools --NodepoolName {node_pool}"
        )

    def pool_ready_commands(self, cluster: str, region: str, pool: str) -> tuple[str, ...]:
        node_pool = self.node_pool_name(cluster, pool)
        return (
            f"aliyun cs GET /api/v1/clusters --name {cluster} --region_id {region}"
            f"  # <cluster-id-of-{cluster}>: cluster_id of the cluster named {cluster}",
            f"aliyun cs GET /clusters/<cluster-id-of-{cluster}>/nodepools --NodepoolName {node_pool} "
            f"--region {region}  # <nodepool-id-of-{node_pool}>: nodepool_info.nodepool_id of the "
            f"pool named {node_pool}",
            f"aliyun cs GET /clusters/<cluster-id-of-{cluster}>/nodepools/<nodepool-id-of-{node_pool}> "
            f"--region {region}  # expect status.state active and status.healthy_nodes at the "
            "new size",
            f"kubectl --context {cluster} wait --for=condition=Ready node -l infra/pool={pool} "
            "--timeout=30m",
        )

    def traffic_commands(
        self, record: str, source: str, weights: Mapping[str, int], failover: bool
    ) -> tuple[str, ...]:
        # modules/dr-alicloud renders, per record, a GTM instance with public_rr "<record>-gtm"
        # and the access strategy "<source>-failover": the source is its default address pool,
        # the other targets its failover pools (equal weights). FAILOVER answers from the
        # failover pools; back is AUTO, the mode the module renders (switching on health checks,
        # answering from the source while it is healthy). The drill makes the same call and
        # finds the same ids.
        mode = "FAILOVER" if failover else "AUTO"
        shares = ", ".join(f"{t}={w}" for t, w in weights.items())
        strategy = f"<gtm-strategy-id-of-{record}>"
        return (
            f"aliyun alidns SetDnsGtmAccessMode --StrategyId {strategy} --AccessMode {mode}"
            f"  # plan weights {shares} (GTM weighs the failover pools equally); source {source}; "
            f"{strategy}: StrategyId of "
            f"{source}-failover from aliyun alidns DescribeDnsGtmAccessStrategies --StrategyMode "
            f"GEO --InstanceId <InstanceId from aliyun alidns DescribeDnsGtmInstances whose "
            f"Config.PublicRr is {record}-gtm>",
            f"aliyun alidns DescribeDnsGtmAccessStrategy --StrategyId {strategy}"
            f"  # expect AccessMode {mode} and EffectiveAddrPoolGroupType {mode}",
        )

    def replica_age_command(
        self, cluster: str, region: str, *, stack: str, owner: str, target: str
    ) -> str:
        # modules/dr-alicloud replicates a source's checkpoint bucket into the checkpoint bucket
        # of its target (OSS cross-region replication).
        bucket = naming.checkpoint_bucket(stack, owner, target)
        return (
            f"aliyun oss ls oss://{bucket}/checkpoints/ "
            f"--region {region}  # newest LastModifiedTime"
        )

    drill_adapter_path = "infra.clouds.alicloud.drill:AlicloudDrill"

    # -- Terraform ---------------------------------------------------------------------------
    terraform_provider = ProviderSource("alicloud", "aliyun/alicloud", ">= 1.266.0, < 2.0.0")
    cluster_module = "alicloud-gpu-cluster"
    state_module = "state-backend-alicloud"
    dr_module = "dr-alicloud"
    dr_inputs = AlicloudDrInputs()

    # -- Pulumi ------------------------------------------------------------------------------
    pulumi_requirement = "pulumi-alicloud>=4.0,<5"
    pulumi_components = "infra.clouds.alicloud.cluster"
    pulumi_dr_component = "infra.clouds.alicloud.disaster_recovery"

    def provider_block(self, region: str) -> Block:
        return Block("provider", ("alicloud",), (("region", region),))

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
        # The OSS backend locks state in a Tablestore table. A replica is the object of the same
        # name in the replica region's bucket, locked by that region's table.
        del replica
        where = None if home else region
        instance = naming.lock_instance(stack, owner, where)
        return Block(
            "backend",
            ("oss",),
            (
                ("bucket", naming.state_bucket(stack, owner, where)),
                ("prefix", STATE_PREFIX),
                ("key", key),
                ("region", region),
                ("encrypt", True),
                ("tablestore_endpoint", f"https://{instance}.{region}.ots.aliyuncs.com"),
                ("tablestore_table", naming.LOCK_TABLE),
            ),
        )

    def cluster_inputs(
        self, stack: str, owner: str, cluster: str, pools: Mapping[str, Value]
    ) -> dict[str, Value]:
        return {"checkpoint_bucket_name": naming.checkpoint_bucket(stack, owner, cluster)}

    def node_health_variables(self, cluster: str, region: str) -> dict[str, RootVariable]:
        return {
            "scaling_notification_target": RootVariable(
                f"node_health_notification_target_{variable_suffix(cluster)}",
                "string",
                f"Where cluster {cluster}'s GPU scaling groups send failed and rejected scaling "
                f"events: cloudmonitor (CloudMonitor's event center), or an MNS queue or topic "
                f"in {region} as queue/<name> or topic/<name>.",
                default="cloudmonitor",
            )
        }

    def state_backend_inputs(
        self, stack: str, owner: str, region: str, *, home: bool = True
    ) -> dict[str, Value]:
        where = None if home else region
        return {
            "name": naming.state_bucket(stack, owner, where),
            "tablestore_instance_name": naming.lock_instance(stack, owner, where),
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
        return {
            "replication": {
                "destination_bucket": Raw(f"module.{replica_module}.bucket"),
                "destination_region": replica_region,
                "prefixes": [_state_object(key) for key in keys],
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
        # ossutil stat oss://bucket/object prints the object's metadata, Last-Modified included
        # (help.aliyun.com/en/oss/developer-reference/stat2); the aliyun CLI carries ossutil as
        # `aliyun oss`. The replica is the object of the same name in that region's bucket.
        del replica
        bucket = naming.state_bucket(stack, owner, None if home else region)
        return f"aliyun oss stat oss://{bucket}/{_state_object(key)} --region {region}"
