"""``infra:aws:NodePools``: the managed node groups of an ``infra:aws:GpuCluster``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.args import ComponentInputError, NodePool, pool_labels
from infra.clouds.aws.efa import EfaInterface, EfaLayoutError, layout_from_input
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.aws.cluster import AwsGpuClusterArgs
    from infra.clouds.aws.network import Network

__all__ = ["NodePools"]

# An RDMA pool without an efa_layout entry: one EFA as the primary interface (node_groups.tf,
# local.efa_fallback).
_EFA_FALLBACK = (EfaInterface(0, 0, "efa"),)

_TAINT_EFFECTS = {
    "NoSchedule": "NO_SCHEDULE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
}


class NodePools(Part):
    """The module's GPU node pools section: placement groups, the EFA security group, and a
    launch template and managed node group per pool."""

    def __init__(
        self,
        name: str,
        args: AwsGpuClusterArgs,
        network: Network,
        cluster: aws.eks.Cluster,
        node_role: aws.iam.Role,
        node_attachments: Sequence[aws.iam.RolePolicyAttachment],
        parent: pulumi.ComponentResource,
    ) -> None:
        super().__init__("infra:aws:NodePools", name, parent)
        a = self._args = args
        self.interfaces = pool_interfaces(a)
        self.placement_groups = {
            key: aws.ec2.PlacementGroup(
                f"{a.name}-{key}",
                name=f"{a.name}-{key}",
                strategy="cluster",
                tags=a.cluster_tags,
                opts=self.child(),
            )
            for key in a.placement_pools
        }
        efa_group = self._efa_security_group(network.vpc) if a.rdma_pools else None
        efa_security_groups = (
            [cluster.vpc_config.cluster_security_group_id, efa_group.id]
            if efa_group is not None
            else []
        )
        self.node_groups: dict[str, aws.eks.NodeGroup] = {}
        for key, pool in a.node_pools.items():
            template = self._launch_template(
                key, pool, self.placement_groups.get(key), efa_security_groups
            )
            self.node_groups[key] = self._node_group(
                key, pool, template, cluster, node_role, node_attachments, network
            )
        self.register_outputs(
            {
                "node_pool_names": {k: ng.node_group_name for k, ng in self.node_groups.items()},
                "placement_group_names": {k: pg.name for k, pg in self.placement_groups.items()},
            }
        )

    def _efa_security_group(self, vpc: aws.ec2.Vpc) -> aws.ec2.SecurityGroup:
        """EFA requires a security group that allows all traffic to and from itself."""
        a = self._args
        efa_group = aws.ec2.SecurityGroup(
            f"{a.name}-efa",
            name_prefix=f"{a.name}-efa-",
            description="EFA: all traffic between members of this group only",
            vpc_id=vpc.id,
            tags={**a.cluster_tags, "Name": f"{a.name}-efa"},
            opts=self.child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{a.name}-efa-self",
            security_group_id=efa_group.id,
            referenced_security_group_id=efa_group.id,
            ip_protocol="-1",
            description="EFA traffic from group members",
            opts=self.child(),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{a.name}-efa-self",
            security_group_id=efa_group.id,
            referenced_security_group_id=efa_group.id,
            ip_protocol="-1",
            description="EFA traffic to group members",
            opts=self.child(),
        )
        return efa_group

    def _node_group(
        self,
        key: str,
        pool: NodePool,
        template: aws.ec2.LaunchTemplate,
        cluster: aws.eks.Cluster,
        node_role: aws.iam.Role,
        node_attachments: Sequence[aws.iam.RolePolicyAttachment],
        network: Network,
    ) -> aws.eks.NodeGroup:
        """A pool's managed node group, on its launch template."""
        a = self._args
        indexes = a.subnet_indexes(key)
        subnets = (
            [s.id for s in network.private]
            if indexes is None
            else [network.private[i].id for i in indexes]
        )
        return aws.eks.NodeGroup(
            f"{a.name}-{key}",
            cluster_name=cluster.name,
            node_group_name=f"{a.name}-{key}",
            node_role_arn=node_role.arn,
            # A reservation's zone only; EFA and placement groups need one zone too.
            subnet_ids=subnets,
            ami_type=a.ami_type(key),
            capacity_type=a.capacity_type(key),
            instance_types=[pool.instance_type],
            labels=pool_labels(key, pool),
            tags={**a.cluster_tags, "infra/pool": key, "infra/standby": str(pool.standby).lower()},
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=pool.min_nodes,
                desired_size=pool.desired_nodes,
                max_size=pool.max_nodes,
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            taints=[
                aws.eks.NodeGroupTaintArgs(
                    key=t.key, value=t.value, effect=_TAINT_EFFECTS[t.effect]
                )
                for t in pool.taints
            ],
            opts=self.child(
                depends_on=[*node_attachments, *network.private_routes],
                # The cluster autoscaler owns the running size once the pool exists.
                ignore_changes=["scalingConfig.desiredSize"],
            ),
        )

    def _launch_template(
        self,
        key: str,
        pool: NodePool,
        placement_group: aws.ec2.PlacementGroup | None,
        efa_security_groups: Sequence[pulumi.Input[str]],
    ) -> aws.ec2.LaunchTemplate:
        """A pool's launch template: IMDSv2, an encrypted gp3 root volume, EFA interfaces for
        RDMA pools, and the pool's placement group and capacity reservation if any."""
        a = self._args
        tags = a.cluster_tags
        reservation = a.capacity_reservation_ids.get(key)
        # RDMA pools: the primary interface and an EFA on every network card (efa_layout).
        interfaces = [
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                network_card_index=i.network_card_index,
                device_index=i.device_index,
                interface_type=i.interface_type,
                delete_on_termination="true",
                security_groups=list(efa_security_groups),
            )
            for i in self.interfaces[key]
        ]
        instance_tags = {**tags, "Name": f"{a.name}-{key}", "infra/pool": key}
        return aws.ec2.LaunchTemplate(
            f"{a.name}-{key}",
            name_prefix=f"{a.name}-{key}-",
            description=f"{a.name} node pool {key}",
            update_default_version=True,
            tags=tags,
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=a.metadata_hop_limit,
                instance_metadata_tags="disabled",
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_type="gp3",
                        volume_size=a.root_volume_size_gib,
                        encrypted="true",
                        kms_key_id=a.ebs_kms_key_arn,
                        delete_on_termination="true",
                    ),
                )
            ],
            network_interfaces=interfaces or None,
            placement=aws.ec2.LaunchTemplatePlacementArgs(group_name=placement_group.name)
            if placement_group is not None
            else None,
            capacity_reservation_specification=aws.ec2.LaunchTemplateCapacityReservationSpecificationArgs(
                capacity_reservation_target=aws.ec2.LaunchTemplateCapacityReservationSpecificationCapacityReservationTargetArgs(
                    capacity_reservation_id=reservation
                )
            )
            if reservation is not None
            else None,
            instance_market_options=aws.ec2.LaunchTemplateInstanceMarketOptionsArgs(
                market_type="capacity-block"
            )
            if a.capacity_type(key) == "CAPACITY_BLOCK"
            else None,
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=instance_tags)
                for kind in ("instance", "network-interface", "volume")
            ],
            # Differs: Terraform sets create_before_destroy here; Pulumi replaces resources
            # create-before-delete by default, so nothing needs saying.
            opts=self.child(),
        )


def pool_interfaces(args: AwsGpuClusterArgs) -> dict[str, tuple[EfaInterface, ...]]:
    """Each pool's launch template interfaces (``local.pool_interfaces``), checked as the
    module's efa_layout validations and launch template precondition check them."""
    interfaces: dict[str, tuple[EfaInterface, ...]] = {}
    for key, pool in args.node_pools.items():
        raw = args.efa_layout.get(key)
        if raw is not None and not pool.rdma:
            raise ComponentInputError(f"pool {key}: has an efa_layout entry but rdma = false")
        try:
            layout = _EFA_FALLBACK if raw is None else layout_from_input(key, raw)
        except EfaLayoutError as error:
            raise ComponentInputError(str(error)) from None
        interfaces[key] = layout if pool.rdma else ()
    return interfaces
