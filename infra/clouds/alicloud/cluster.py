"""``infra:alicloud:GpuCluster``: the Pulumi twin of ``modules/alicloud-gpu-cluster``.

Built on pulumi-alicloud, a bridge of the same Terraform provider the module uses, so the
resources map one to one; where arguments are spelt differently a comment says so.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_alicloud as alicloud
from pulumi_alicloud import cs, ecs, oss, vpc

from infra.clouds import CLOUDS
from infra.clouds.args import (
    ComponentInputError,
    NodePool,
    args_from_inputs,
    check_common,
    pool_labels,
)
from infra.clouds.component import CloudComponents, GpuClusterComponent

__all__ = ["COMPONENTS", "AlicloudGpuCluster", "AlicloudGpuClusterArgs", "alicloud_provider"]

TYPE = "infra:alicloud:GpuCluster"
_INSTANCE_TYPE = re.compile(r"ecs\.[a-z0-9-]+\.[a-z0-9-]+")  # used with fullmatch
_FULL_VERSION = re.compile(r"-aliyun\.")
_LOG_COMPONENTS = ("apiserver", "kcm", "scheduler", "ccm", "controlplane-events")
# eRDMA on ACK is the ack-erdma-controller add-on plus eRDMA-capable instance types.
_BASE_ADDONS = ("terway-eniip", "csi-plugin", "managed-csiprovisioner")
_ERDMA_ADDON = "ack-erdma-controller"


@dataclass(frozen=True, slots=True, kw_only=True)
class AlicloudGpuClusterArgs:
    """The variables of ``modules/alicloud-gpu-cluster`` (see its variables.tf for each one)."""

    name: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    kubernetes_version: str
    tags: Mapping[str, str] = field(default_factory=dict)
    endpoint_public_access: bool = False
    node_pools: Mapping[str, NodePool]
    checkpoint_bucket_name: str
    checkpoint_kms_key_id: str | None = None
    checkpoint_redundancy_type: str = "ZRS"
    checkpoint_noncurrent_days: int = 30
    service_cidr: str = "172.16.0.0/16"
    image_type: str = "AliyunLinux3"
    system_disk_size_gib: int = 200
    secrets_kms_key_id: str | None = None
    control_plane_log_components: tuple[str, ...] = ("apiserver", "kcm", "scheduler", "ccm")
    deletion_protection: bool = True
    nat_bandwidth_mbps: int = 200
    access_log_retention_days: int = 365

    def __post_init__(self) -> None:
        # The module's validation blocks, checked before anything is created.
        check_common(self.name, self.cidr, self.node_pools, CLOUDS["alicloud"])
        if not 1 <= len(self.zones) <= 4 or len(set(self.zones)) != len(self.zones):
            raise ComponentInputError("zones must list 1 to 4 distinct zone ids")
        if not re.fullmatch(r"1\.[0-9]{2}(\.[0-9]+-aliyun\.[0-9]+)?", self.kubernetes_version):
            raise ComponentInputError(
                'kubernetes_version must be "1.31" or a full ACK version such as "1.31.1-aliyun.1"'
            )
        if self.checkpoint_redundancy_type not in ("LRS", "ZRS"):
            raise ComponentInputError("checkpoint_redundancy_type must be LRS or ZRS")
        if not set(self.control_plane_log_components) <= set(_LOG_COMPONENTS):
            raise ComponentInputError(
                f"control_plane_log_components may contain {', '.join(_LOG_COMPONENTS)}"
            )
        if self.access_log_retention_days < 1:
            raise ComponentInputError("access_log_retention_days must be at least 1")
        for key, pool in self.node_pools.items():
            if not _INSTANCE_TYPE.fullmatch(pool.instance_type):
                raise ComponentInputError(f"pool {key}: {pool.instance_type} is no ECS type")

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AlicloudGpuClusterArgs:
        """The args from ``cluster_module_inputs`` (as stored in ``stack.json``)."""
        return args_from_inputs(cls, inputs)

    @property
    def addons(self) -> list[str]:
        """The cluster add-ons (``local.addons``): eRDMA's controller when a pool uses it."""
        rdma = any(p.rdma for p in self.node_pools.values())
        return [*_BASE_ADDONS, *([_ERDMA_ADDON] if rdma else [])]


def newest_release(minor: str, releases: Sequence[str]) -> str:
    """The newest ACK release of a minor version ("1.31" -> "1.31.4-aliyun.1").

    The module's ``local.ack_version``: the highest patch among the releases of that minor.
    """
    matching = [r for r in releases if r.startswith(f"{minor}.")]
    if not matching:
        raise ComponentInputError(f"no ACK release of Kubernetes {minor} is offered")
    return max(matching, key=lambda r: int(r.split("-")[0].split(".")[2]))


class AlicloudGpuCluster(GpuClusterComponent):
    """An ACK Pro cluster with GPU node pools (eRDMA where asked) and an OSS checkpoint bucket."""

    def __init__(
        self, name: str, args: AlicloudGpuClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        a = args
        child = pulumi.ResourceOptions(parent=self)
        tags = {**a.tags, "infra-cluster": a.name}
        network = ipaddress.ip_network(a.cidr)
        # Node vSwitches: /4 slices in the first quarter; pod (Terway) vSwitches: /3 slices in
        # the second half, so pods have many more addresses than nodes.
        node_cidrs = list(network.subnets(prefixlen_diff=4))[: len(a.zones)]
        pod_cidrs = list(network.subnets(prefixlen_diff=3))[4 : 4 + len(a.zones)]

        version: pulumi.Input[str]
        if _FULL_VERSION.search(a.kubernetes_version):
            version = a.kubernetes_version
        else:
            # ACK wants a full release; a minor version picks its newest release.
            releases = cs.get_kubernetes_version_output(
                cluster_type="ManagedKubernetes",
                profile="Default",
                opts=pulumi.InvokeOutputOptions(parent=self),
            ).metadatas
            version = releases.apply(
                lambda ms: newest_release(a.kubernetes_version, [m.version for m in ms])
            )

        # -- Network: VPC, vSwitches per zone, NAT gateway + EIP for egress ------------------
        cluster_vpc = vpc.Network(a.name, vpc_name=a.name, cidr_block=a.cidr, tags=tags, opts=child)
        node_switches = [
            vpc.Switch(
                f"{a.name}-nodes-{i}",
                vswitch_name=f"{a.name}-nodes-{zone}",
                vpc_id=cluster_vpc.id,
                cidr_block=str(node_cidrs[i]),
                zone_id=zone,
                tags=tags,
                opts=child,
            )
            for i, zone in enumerate(a.zones)
        ]
        pod_switches = [
            vpc.Switch(
                f"{a.name}-pods-{i}",
                vswitch_name=f"{a.name}-pods-{zone}",
                vpc_id=cluster_vpc.id,
                cidr_block=str(pod_cidrs[i]),
                zone_id=zone,
                tags=tags,
                opts=child,
            )
            for i, zone in enumerate(a.zones)
        ]
        nat = vpc.NatGateway(
            a.name,
            vpc_id=cluster_vpc.id,
            nat_gateway_name=a.name,
            vswitch_id=node_switches[0].id,
            nat_type="Enhanced",
            network_type="internet",
            payment_type="PayAsYouGo",
            internet_charge_type="PayByLcu",
            tags=tags,
            opts=child,
        )
        eip = ecs.EipAddress(
            f"{a.name}-nat",
            address_name=f"{a.name}-nat",
            isp="BGP",
            internet_charge_type="PayByTraffic",
            payment_type="PayAsYouGo",
            bandwidth=str(a.nat_bandwidth_mbps),
            tags=tags,
            opts=child,
        )
        association = ecs.EipAssociation(
            f"{a.name}-nat",
            allocation_id=eip.id,
            instance_id=nat.id,
            instance_type="Nat",
            opts=child,
        )
        snat_entries = [
            vpc.SnatEntry(
                f"{a.name}-snat-{i}",
                snat_table_id=nat.snat_table_ids,
                source_vswitch_id=switch.id,
                snat_ip=eip.ip_address,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[association]),
            )
            for i, switch in enumerate([*node_switches, *pod_switches])
        ]
        # Members may talk to each other (pods, eRDMA); no ingress from outside is opened.
        group = ecs.SecurityGroup(
            f"{a.name}-nodes",
            security_group_name=f"{a.name}-nodes",
            description=f"{a.name}: ACK nodes, intra-group traffic only",
            vpc_id=cluster_vpc.id,
            security_group_type="normal",
            inner_access_policy="Accept",
            tags=tags,
            opts=child,
        )

        # -- ACK managed cluster (Pro) --------------------------------------------------------
        cluster = cs.ManagedKubernetes(
            a.name,
            name=a.name,
            cluster_spec="ack.pro.small",
            version=version,
            vswitch_ids=[s.id for s in node_switches],
            pod_vswitch_ids=[s.id for s in pod_switches],
            service_cidr=a.service_cidr,
            new_nat_gateway=False,
            slb_internet_enabled=a.endpoint_public_access,
            security_group_id=group.id,
            proxy_mode="ipvs",
            enable_rrsa=True,
            deletion_protection=a.deletion_protection,
            encryption_provider_key=a.secrets_kms_key_id,
            control_plane_log_components=list(a.control_plane_log_components),
            addons=[cs.ManagedKubernetesAddonArgs(name=addon, config="") for addon in a.addons],
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=snat_entries,
                # Add-ons are create-only in the provider; later changes go through
                # cs.KubernetesAddon, not this list.
                ignore_changes=["addons"],
            ),
        )

        # -- Node pools ---------------------------------------------------------------------
        node_pools = {
            key: self._node_pool(a, key, pool, cluster, node_switches, group, tags)
            for key, pool in a.node_pools.items()
        }

        # -- Checkpoint bucket (OSS) ----------------------------------------------------------
        logs = self._access_log_bucket(a, tags)
        bucket = oss.Bucket(
            f"{a.name}-checkpoint",
            bucket=a.checkpoint_bucket_name,
            storage_class="Standard",
            redundancy_type=a.checkpoint_redundancy_type,
            force_destroy=False,
            tags=tags,
            logging=oss.BucketLoggingArgs(target_bucket=logs.bucket, target_prefix="oss-access/"),
            server_side_encryption_rule=oss.BucketServerSideEncryptionRuleArgs(
                sse_algorithm="KMS", kms_master_key_id=a.checkpoint_kms_key_id
            ),
            versioning=oss.BucketVersioningArgs(status="Enabled"),
            lifecycle_rules=[
                oss.BucketLifecycleRuleArgs(
                    id="expire-noncurrent-checkpoints",
                    enabled=True,
                    prefix="",
                    noncurrent_version_expirations=[
                        oss.BucketLifecycleRuleNoncurrentVersionExpirationArgs(
                            days=a.checkpoint_noncurrent_days
                        )
                    ],
                    abort_multipart_uploads=[
                        oss.BucketLifecycleRuleAbortMultipartUploadArgs(days=7)
                    ],
                )
            ],
            opts=child,
        )
        oss.BucketAcl(f"{a.name}-checkpoint", bucket=bucket.bucket, acl="private", opts=child)
        oss.BucketPublicAccessBlock(
            f"{a.name}-checkpoint", bucket=bucket.bucket, block_public_access=True, opts=child
        )

        connections = cluster.connections
        self.cluster_name = cluster.name
        self.cluster_id = cluster.id
        # pulumi-alicloud 4.x types connections as a list of one object.
        self.cluster_endpoint = connections.apply(
            lambda cs: _endpoint(cs[0] if cs else None, a.endpoint_public_access)
        )
        self.network_id = cluster_vpc.id
        self.node_pool_names = pulumi.Output.all(
            **{k: p.node_pool_id for k, p in node_pools.items()}
        )
        self.checkpoint_bucket = bucket.bucket
        self.register_outputs(
            {
                **self.common_outputs(),
                "kubernetes_version": version,
                "node_vswitch_ids": [s.id for s in node_switches],
                "pod_vswitch_ids": [s.id for s in pod_switches],
                "security_group_id": group.id,
                "nat_ip": eip.ip_address,
                "rrsa_oidc_issuer_url": cluster.rrsa_metadata.apply(
                    lambda m: m.rrsa_oidc_issuer_url if m else None
                ),
                "checkpoint_bucket_intranet_endpoint": bucket.intranet_endpoint,
                "access_log_bucket": logs.bucket,
            }
        )

    def _access_log_bucket(self, a: AlicloudGpuClusterArgs, tags: Mapping[str, str]) -> oss.Bucket:
        """OSS access logs of the checkpoint bucket, kept for access_log_retention_days.

        OSS writes access logs only to a bucket in the same region and account.
        """
        child = pulumi.ResourceOptions(parent=self)
        logs = oss.Bucket(
            f"{a.name}-access-logs",
            bucket=access_log_bucket_name(a.checkpoint_bucket_name),
            storage_class="Standard",
            redundancy_type=a.checkpoint_redundancy_type,
            force_destroy=False,
            tags=dict(tags),
            # OSS-managed encryption: what OSS log delivery is documented for.
            server_side_encryption_rule=oss.BucketServerSideEncryptionRuleArgs(
                sse_algorithm="AES256"
            ),
            # Versioned, so a deleted or overwritten log object stays recoverable for 30 days.
            versioning=oss.BucketVersioningArgs(status="Enabled"),
            lifecycle_rules=[
                oss.BucketLifecycleRuleArgs(
                    id="expire-access-logs",
                    enabled=True,
                    prefix="",
                    expirations=[
                        oss.BucketLifecycleRuleExpirationArgs(days=a.access_log_retention_days)
                    ],
                    noncurrent_version_expirations=[
                        oss.BucketLifecycleRuleNoncurrentVersionExpirationArgs(days=30)
                    ],
                )
            ],
            opts=child,
        )
        oss.BucketAcl(f"{a.name}-access-logs", bucket=logs.bucket, acl="private", opts=child)
        oss.BucketPublicAccessBlock(
            f"{a.name}-access-logs", bucket=logs.bucket, block_public_access=True, opts=child
        )
        return logs

    def _node_pool(
        self,
        a: AlicloudGpuClusterArgs,
        key: str,
        pool: NodePool,
        cluster: cs.ManagedKubernetes,
        node_switches: Sequence[vpc.Switch],
        group: ecs.SecurityGroup,
        tags: Mapping[str, str],
    ) -> cs.NodePool:
        autoscaled = pool.min_nodes < pool.max_nodes
        labels = pool_labels(key, pool, rdma_label="erdma")
        return cs.NodePool(
            f"{a.name}-{key}",
            node_pool_name=f"{a.name}-{key}",
            cluster_id=cluster.id,
            # eRDMA traffic stays within a zone; RDMA pools use the first zone only.
            vswitch_ids=[node_switches[0].id] if pool.rdma else [s.id for s in node_switches],
            instance_types=[pool.instance_type],
            image_type=a.image_type,
            runtime_name="containerd",
            security_group_ids=[group.id],
            system_disk_category="cloud_essd",
            system_disk_performance_level="PL1",
            system_disk_size=a.system_disk_size_gib,
            system_disk_encrypted=True,
            install_cloud_monitor=True,
            spot_strategy="SpotAsPriceGo" if pool.spot else "NoSpot",
            multi_az_policy="COST_OPTIMIZED" if pool.spot else "BALANCE",
            # A fixed-size pool (min == max) uses desired_size; others autoscale.
            desired_size=None if autoscaled else str(pool.desired_nodes),
            scaling_config=cs.NodePoolScalingConfigArgs(
                enable=True,
                min_size=pool.min_nodes,
                max_size=pool.max_nodes,
                type="spot" if pool.spot else "gpu" if pool.gpu is not None else "cpu",
            )
            if autoscaled
            else None,
            instance_metadata_options=cs.NodePoolInstanceMetadataOptionsArgs(
                http_tokens="required"
            ),
            management=cs.NodePoolManagementArgs(enable=True, auto_repair=True, max_unavailable=1),
            labels=[cs.NodePoolLabelArgs(key=k, value=v) for k, v in labels.items()],
            taints=[
                cs.NodePoolTaintArgs(key=t.key, value=t.value, effect=t.effect) for t in pool.taints
            ],
            tags={**tags, "infra-pool": key, "infra-standby": str(pool.standby).lower()},
            # The autoscaler owns the running size of autoscaled pools.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredSize"]),
        )


def access_log_bucket_name(checkpoint_bucket_name: str) -> str:
    """``local.access_log_bucket_name``: "<checkpoint>-logs", shortened with a hash past 63."""
    if len(checkpoint_bucket_name) <= 58:
        return f"{checkpoint_bucket_name}-logs"
    digest = hashlib.sha1(checkpoint_bucket_name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{checkpoint_bucket_name[:49].strip('-')}-{digest}-logs"


def _endpoint(connection: cs.outputs.ManagedKubernetesConnection | None, public: bool) -> str:
    if connection is None:
        return ""
    address = connection.api_server_internet if public else connection.api_server_intranet
    return address or ""


def alicloud_provider(name: str, region: str) -> pulumi.ProviderResource:
    """The explicit provider of one cluster (credentials come from the environment)."""
    return alicloud.Provider(name, region=region)


def _cluster(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> GpuClusterComponent:
    return AlicloudGpuCluster(name, AlicloudGpuClusterArgs.from_inputs(inputs), opts)


COMPONENTS = CloudComponents(provider=alicloud_provider, cluster=_cluster)
