"""``infra:aws:GpuCluster``: the Pulumi twin of ``modules/aws-gpu-cluster`` on pulumi-aws.

Same inputs (the module's variables), same resources, same physical names and the same outputs.
Where pulumi-aws and the Terraform module differ, a comment says so (search for "Differs").
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.clouds import CLOUDS
from infra.clouds.args import (
    ComponentInputError,
    NodePool,
    args_from_inputs,
    check_common,
    pool_labels,
)
from infra.clouds.component import CloudComponents, GpuClusterComponent

__all__ = ["COMPONENTS", "AwsGpuCluster", "AwsGpuClusterArgs", "aws_provider"]

TYPE = "infra:aws:GpuCluster"
_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557}
    | {2922, 3288, 3653}
)
_TAINT_EFFECTS = {
    "NoSchedule": "NO_SCHEDULE",
    "PreferNoSchedule": "PREFER_NO_SCHEDULE",
    "NoExecute": "NO_EXECUTE",
}
# Graviton families carry a "g" after the generation digit (m7g, c7gn, g5g, x2gd).
_ARM_TYPE = re.compile(r"^[a-z]+[0-9]+[a-z]*g[a-z]*\.")
_NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEKS_CNI_Policy",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsGpuClusterArgs:
    """The variables of ``modules/aws-gpu-cluster`` (see its variables.tf for each one)."""

    name: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    kubernetes_version: str
    tags: Mapping[str, str] = field(default_factory=dict)
    endpoint_public_access: bool = False
    public_access_cidrs: tuple[str, ...] = ()
    node_pools: Mapping[str, NodePool]
    checkpoint_bucket_name: str
    capacity_reservation_ids: Mapping[str, str] = field(default_factory=dict)
    capacity_block_pools: tuple[str, ...] = ()
    create_placement_groups: bool = True
    efa_interfaces: Mapping[str, int] = field(default_factory=dict)
    root_volume_size_gib: int = 200
    ebs_kms_key_arn: str | None = None
    metadata_hop_limit: int = 1
    single_nat_gateway: bool = False
    cluster_log_types: tuple[str, ...] = _LOG_TYPES
    log_retention_days: int = 365
    kms_deletion_window_days: int = 30
    checkpoint_noncurrent_days: int = 30
    cluster_creator_admin: bool = True
    admin_principal_arns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The module's validation blocks and preconditions, checked before anything is created.
        check_common(self.name, self.cidr, self.node_pools, CLOUDS["aws"])
        if not 2 <= len(self.zones) <= 6 or len(set(self.zones)) != len(self.zones):
            raise ComponentInputError("zones must list 2 to 6 distinct availability zones")
        if self.endpoint_public_access and not self.public_access_cidrs:
            raise ComponentInputError(
                "endpoint_public_access = true needs explicit public_access_cidrs "
                "(EKS would otherwise open the API to 0.0.0.0/0)"
            )
        if "0.0.0.0/0" in self.public_access_cidrs:
            raise ComponentInputError("public_access_cidrs must not contain 0.0.0.0/0")
        if not set(self.cluster_log_types) <= set(_LOG_TYPES):
            raise ComponentInputError(f"cluster_log_types may contain {', '.join(_LOG_TYPES)}")
        if self.log_retention_days not in _RETENTION_DAYS:
            raise ComponentInputError("log_retention_days must be a CloudWatch Logs retention")
        if not 1 <= self.metadata_hop_limit <= 64:
            raise ComponentInputError("metadata_hop_limit must be between 1 and 64")
        for key in self.node_pools:
            reserved = key in self.capacity_reservation_ids
            pool = self.node_pools[key]
            if pool.spot and reserved:
                raise ComponentInputError(
                    f"pool {key}: a spot pool cannot use a capacity reservation"
                )
            if key in self.capacity_block_pools and not reserved:
                raise ComponentInputError(
                    f"pool {key}: listed in capacity_block_pools but has no "
                    "capacity_reservation_ids entry"
                )
            if key in self.placement_pools and reserved:
                raise ComponentInputError(
                    f"pool {key}: a cluster placement group cannot be combined with capacity "
                    f"reservation {self.capacity_reservation_ids[key]}; set "
                    "create_placement_groups = false or drop the reservation"
                )

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AwsGpuClusterArgs:
        """The args from ``cluster_module_inputs`` (as stored in ``stack.json``)."""
        return args_from_inputs(cls, inputs)

    @property
    def rdma_pools(self) -> list[str]:
        """Pools on EFA (``local.rdma_pools``)."""
        return [k for k, p in self.node_pools.items() if p.rdma]

    @property
    def placement_pools(self) -> list[str]:
        """RDMA training pools get a cluster placement group (``local.placement_pools``)."""
        if not self.create_placement_groups:
            return []
        return [k for k, p in self.node_pools.items() if p.rdma and p.workload == "training"]

    def capacity_type(self, key: str) -> str:
        """SPOT, CAPACITY_BLOCK for an EC2 Capacity Block for ML, else ON_DEMAND."""
        if self.node_pools[key].spot:
            return "SPOT"
        return "CAPACITY_BLOCK" if key in self.capacity_block_pools else "ON_DEMAND"

    def ami_type(self, key: str) -> str:
        """AL2023, ARM or x86 by instance family, NVIDIA for GPU pools (``local.ami_types``)."""
        pool = self.node_pools[key]
        arch = "ARM_64" if _ARM_TYPE.match(pool.instance_type) else "x86_64"
        return f"AL2023_{arch}_{'NVIDIA' if pool.gpu is not None else 'STANDARD'}"


def _policy(*statements: Mapping[str, object]) -> pulumi.Output[str]:
    """An IAM policy JSON document.

    Differs: the module renders policies with ``data.aws_iam_policy_document``; here the same
    statements are serialized directly, which needs no provider call.
    """
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


class AwsGpuCluster(GpuClusterComponent):
    """A GPU-ready EKS cluster: network, control plane, GPU node groups, checkpoint bucket."""

    def __init__(
        self, name: str, args: AwsGpuClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        a = args
        tags = {**a.tags, "infra/cluster": a.name}
        # In a key policy, Resource "*" means "this key", and kms:* for the account root is the
        # AWS default key policy: IAM policies in the account can then grant use of the key.
        account_administration = {
            "Sid": "AccountAdministration",
            "Effect": "Allow",
            "Action": "kms:*",
            "Resource": "*",
            "Principal": {
                "AWS": pulumi.Output.concat("arn:", partition, ":iam::", account_id, ":root")
            },
        }

        def named(extra: Mapping[str, str]) -> dict[str, str]:
            return {**tags, **extra}

        # -- KMS: one key for the control plane (secrets, logs), one for checkpoints ------------
        cluster_key = aws.kms.Key(
            f"{a.name}-cluster",
            description=f"{a.name}: EKS secrets and control-plane logs",
            enable_key_rotation=True,
            deletion_window_in_days=a.kms_deletion_window_days,
            policy=_policy(
                {
                    "Sid": "AccountAdministration",
                    "Effect": "Allow",
                    "Action": "kms:*",
                    "Resource": "*",
                    "Principal": {
                        "AWS": pulumi.Output.concat(
                            "arn:", partition, ":iam::", account_id, ":root"
                        )
                    },
                },
                {
                    "Sid": "CloudWatchLogs",
                    "Effect": "Allow",
                    "Action": [
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    "Resource": "*",
                    "Principal": {"Service": f"logs.{a.region}.amazonaws.com"},
                    "Condition": {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": pulumi.Output.concat(
                                "arn:", partition, f":logs:{a.region}:", account_id, ":log-group:*"
                            )
                        }
                    },
                },
            ),
            tags=tags,
            opts=child,
        )
        aws.kms.Alias(
            f"{a.name}-cluster",
            name=f"alias/{a.name}-cluster",
            target_key_id=cluster_key.key_id,
            opts=child,
        )
        checkpoint_key = aws.kms.Key(
            f"{a.name}-checkpoint",
            description=f"{a.name}: checkpoint bucket",
            enable_key_rotation=True,
            deletion_window_in_days=a.kms_deletion_window_days,
            policy=_policy(account_administration),
            tags=tags,
            opts=child,
        )
        aws.kms.Alias(
            f"{a.name}-checkpoint",
            name=f"alias/{a.name}-checkpoint",
            target_key_id=checkpoint_key.key_id,
            opts=child,
        )

        # -- Network: VPC, private + public subnets per zone, NAT, flow logs -------------------
        vpc = aws.ec2.Vpc(
            a.name,
            cidr_block=a.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=named({"Name": a.name}),
            opts=child,
        )
        # Lock down the default security group: nothing uses it, and it allows all by default.
        aws.ec2.DefaultSecurityGroup(
            a.name, vpc_id=vpc.id, tags=named({"Name": f"{a.name}-default-deny"}), opts=child
        )
        network = ipaddress.ip_network(a.cidr)
        private_cidrs = [str(s) for s in _subnets(network, 4, range(len(a.zones)))]
        public_cidrs = [str(s) for s in _subnets(network, 8, range(240, 240 + len(a.zones)))]
        private = [
            aws.ec2.Subnet(
                f"{a.name}-private-{i}",
                vpc_id=vpc.id,
                cidr_block=private_cidrs[i],
                availability_zone=zone,
                tags=named(
                    {
                        "Name": f"{a.name}-private-{zone}",
                        "kubernetes.io/role/internal-elb": "1",
                    }
                ),
                opts=child,
            )
            for i, zone in enumerate(a.zones)
        ]
        public = [
            aws.ec2.Subnet(
                f"{a.name}-public-{i}",
                vpc_id=vpc.id,
                cidr_block=public_cidrs[i],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=named({"Name": f"{a.name}-public-{zone}", "kubernetes.io/role/elb": "1"}),
                opts=child,
            )
            for i, zone in enumerate(a.zones)
        ]
        gateway = aws.ec2.InternetGateway(
            a.name, vpc_id=vpc.id, tags=named({"Name": a.name}), opts=child
        )
        nat_count = 1 if a.single_nat_gateway else len(a.zones)
        eips = [
            aws.ec2.Eip(
                f"{a.name}-nat-{i}",
                domain="vpc",
                tags=named({"Name": f"{a.name}-nat-{i}"}),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
            )
            for i in range(nat_count)
        ]
        nats = [
            aws.ec2.NatGateway(
                f"{a.name}-nat-{i}",
                allocation_id=eips[i].id,
                subnet_id=public[i].id,
                tags=named({"Name": f"{a.name}-{a.zones[i]}"}),
                opts=child,
            )
            for i in range(nat_count)
        ]
        public_table = aws.ec2.RouteTable(
            f"{a.name}-public", vpc_id=vpc.id, tags=named({"Name": f"{a.name}-public"}), opts=child
        )
        aws.ec2.Route(
            f"{a.name}-public-internet",
            route_table_id=public_table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
            opts=child,
        )
        for i, subnet in enumerate(public):
            aws.ec2.RouteTableAssociation(
                f"{a.name}-public-{i}",
                subnet_id=subnet.id,
                route_table_id=public_table.id,
                opts=child,
            )
        private_routes: list[pulumi.Resource] = []
        for i, zone in enumerate(a.zones):
            table = aws.ec2.RouteTable(
                f"{a.name}-private-{i}",
                vpc_id=vpc.id,
                tags=named({"Name": f"{a.name}-private-{zone}"}),
                opts=child,
            )
            private_routes.append(
                aws.ec2.Route(
                    f"{a.name}-private-nat-{i}",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nats[0 if a.single_nat_gateway else i].id,
                    opts=child,
                )
            )
            private_routes.append(
                aws.ec2.RouteTableAssociation(
                    f"{a.name}-private-{i}",
                    subnet_id=private[i].id,
                    route_table_id=table.id,
                    opts=child,
                )
            )

        flow_group = aws.cloudwatch.LogGroup(
            f"{a.name}-flow-logs",
            name=f"/aws/vpc/{a.name}/flow-logs",
            retention_in_days=a.log_retention_days,
            kms_key_id=cluster_key.arn,
            tags=tags,
            opts=child,
        )
        flow_role = aws.iam.Role(
            f"{a.name}-flow-logs",
            name_prefix=f"{a.name[:26]}-flowlogs-",
            assume_role_policy=_policy(
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{a.name}-flow-logs",
            name="flow-logs",
            role=flow_role.id,
            policy=_policy(
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": pulumi.Output.concat(flow_group.arn, ":*"),
                }
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            a.name,
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=flow_group.arn,
            iam_role_arn=flow_role.arn,
            tags=tags,
            opts=child,
        )

        # -- IAM: cluster role and node role (least privilege) ----------------------------------
        cluster_role = aws.iam.Role(
            f"{a.name}-cluster",
            name_prefix=f"{a.name[:26]}-cluster-",
            assume_role_policy=_policy(
                {
                    "Effect": "Allow",
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Principal": {"Service": "eks.amazonaws.com"},
                }
            ),
            tags=tags,
            opts=child,
        )
        cluster_attachment = aws.iam.RolePolicyAttachment(
            f"{a.name}-cluster",
            role=cluster_role.name,
            policy_arn=pulumi.Output.concat(
                "arn:", partition, ":iam::aws:policy/AmazonEKSClusterPolicy"
            ),
            opts=child,
        )
        node_role = aws.iam.Role(
            f"{a.name}-node",
            name_prefix=f"{a.name[:26]}-node-",
            assume_role_policy=_policy(
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                }
            ),
            tags=tags,
            opts=child,
        )
        node_attachments = [
            aws.iam.RolePolicyAttachment(
                f"{a.name}-node-{policy}",
                role=node_role.name,
                policy_arn=pulumi.Output.concat("arn:", partition, f":iam::aws:policy/{policy}"),
                opts=child,
            )
            for policy in _NODE_POLICIES
        ]

        # -- Checkpoint bucket ----------------------------------------------------------------
        bucket = aws.s3.Bucket(
            f"{a.name}-checkpoint", bucket=a.checkpoint_bucket_name, tags=tags, opts=child
        )
        aws.iam.RolePolicy(
            f"{a.name}-node-checkpoint",
            name="checkpoint-bucket",
            role=node_role.id,
            policy=_policy(
                {
                    "Sid": "ListCheckpointBucket",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                    "Resource": bucket.arn,
                },
                {
                    "Sid": "ReadWriteCheckpoints",
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ],
                    "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                },
                {
                    # Only through S3 in this region: the nodes cannot use the key directly.
                    "Sid": "CheckpointKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": checkpoint_key.arn,
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"s3.{a.region}.amazonaws.com"}
                    },
                },
            ),
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        public_block = aws.s3.BucketPublicAccessBlock(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    bucket_key_enabled=True,
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=checkpoint_key.arn
                    ),
                )
            ],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-checkpoints",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=a.checkpoint_noncurrent_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketPolicy(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            policy=_policy(
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                    "Principal": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_block]),
        )
        log_policy = self._access_log_bucket(bucket, account_id, tags)
        aws.s3.BucketLogging(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            target_bucket=log_policy.bucket,
            target_prefix="s3-access/",
            target_object_key_format=aws.s3.BucketLoggingTargetObjectKeyFormatArgs(
                partitioned_prefix=aws.s3.BucketLoggingTargetObjectKeyFormatPartitionedPrefixArgs(
                    partition_date_source="EventTime"
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_policy]),
        )

        # -- EKS control plane ----------------------------------------------------------------
        # EKS writes to exactly this name; creating it first sets retention and encryption.
        cluster_logs = aws.cloudwatch.LogGroup(
            f"{a.name}-cluster",
            name=f"/aws/eks/{a.name}/cluster",
            retention_in_days=a.log_retention_days,
            kms_key_id=cluster_key.arn,
            tags=tags,
            opts=child,
        )
        cluster = aws.eks.Cluster(
            a.name,
            name=a.name,
            role_arn=cluster_role.arn,
            version=a.kubernetes_version,
            enabled_cluster_log_types=list(a.cluster_log_types),
            tags=tags,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=[s.id for s in private],
                endpoint_private_access=True,
                endpoint_public_access=a.endpoint_public_access,
                public_access_cidrs=list(a.public_access_cidrs)
                if a.endpoint_public_access
                else None,
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=a.cluster_creator_admin,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                resources=["secrets"],
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=cluster_key.arn),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster_attachment, cluster_logs]),
        )
        for arn in a.admin_principal_arns:
            # An ARN holds "::", which a Pulumi URN cannot; a hash of it keys the resource.
            admin = f"{a.name}-admin-{hashlib.sha256(arn.encode()).hexdigest()[:8]}"
            entry = aws.eks.AccessEntry(
                admin,
                cluster_name=cluster.name,
                principal_arn=arn,
                type="STANDARD",
                tags=tags,
                opts=child,
            )
            aws.eks.AccessPolicyAssociation(
                admin,
                cluster_name=cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=pulumi.Output.concat(
                    "arn:", partition, ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
                ),
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=child,
            )

        # -- GPU node pools: placement groups, EFA security group, launch templates, groups ------
        placement_groups = {
            key: aws.ec2.PlacementGroup(
                f"{a.name}-{key}", name=f"{a.name}-{key}", strategy="cluster", tags=tags, opts=child
            )
            for key in a.placement_pools
        }
        efa_group: aws.ec2.SecurityGroup | None = None
        if a.rdma_pools:
            # EFA requires a security group that allows all traffic to and from itself.
            efa_group = aws.ec2.SecurityGroup(
                f"{a.name}-efa",
                name_prefix=f"{a.name}-efa-",
                description="EFA: all traffic between members of this group only",
                vpc_id=vpc.id,
                tags=named({"Name": f"{a.name}-efa"}),
                opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{a.name}-efa-self",
                security_group_id=efa_group.id,
                referenced_security_group_id=efa_group.id,
                ip_protocol="-1",
                description="EFA traffic from group members",
                opts=child,
            )
            aws.vpc.SecurityGroupEgressRule(
                f"{a.name}-efa-self",
                security_group_id=efa_group.id,
                referenced_security_group_id=efa_group.id,
                ip_protocol="-1",
                description="EFA traffic to group members",
                opts=child,
            )

        cluster_security_group = cluster.vpc_config.cluster_security_group_id
        node_groups: dict[str, aws.eks.NodeGroup] = {}
        for key, pool in a.node_pools.items():
            template = self._launch_template(
                key,
                pool,
                tags,
                placement_groups.get(key),
                [cluster_security_group, efa_group.id] if efa_group is not None else [],
            )
            node_groups[key] = aws.eks.NodeGroup(
                f"{a.name}-{key}",
                cluster_name=cluster.name,
                node_group_name=f"{a.name}-{key}",
                node_role_arn=node_role.arn,
                # EFA and cluster placement groups need all nodes of a pool in one zone.
                subnet_ids=[private[0].id] if pool.rdma else [s.id for s in private],
                ami_type=a.ami_type(key),
                capacity_type=a.capacity_type(key),
                instance_types=[pool.instance_type],
                labels=pool_labels(key, pool),
                tags=named({"infra/pool": key, "infra/standby": str(pool.standby).lower()}),
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
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[*node_attachments, *private_routes],
                    # The cluster autoscaler owns the running size once the pool exists.
                    ignore_changes=["scalingConfig.desiredSize"],
                ),
            )

        self.cluster_name = cluster.name
        self.cluster_id = cluster.arn
        self.cluster_endpoint = cluster.endpoint
        self.network_id = vpc.id
        self.node_pool_names = pulumi.Output.all(
            **{k: ng.node_group_name for k, ng in node_groups.items()}
        )
        self.checkpoint_bucket = bucket.id
        certificate = cluster.certificate_authority.apply(lambda ca: ca.data)
        oidc = cluster.identities.apply(
            lambda ids: ids[0].oidcs[0].issuer if ids and ids[0].oidcs else None
        )
        self.register_outputs(
            {
                **self.common_outputs(),
                "cluster_certificate_authority_data": certificate,
                "cluster_security_group_id": cluster_security_group,
                "oidc_issuer_url": oidc,
                "private_subnet_ids": [s.id for s in private],
                "public_subnet_ids": [s.id for s in public],
                "node_role_arn": node_role.arn,
                "placement_group_names": {k: pg.name for k, pg in placement_groups.items()},
                "checkpoint_bucket_arn": bucket.arn,
                "checkpoint_kms_key_arn": checkpoint_key.arn,
                "cluster_kms_key_arn": cluster_key.arn,
                "access_log_bucket": log_policy.bucket,
            }
        )

    def _access_log_bucket(
        self, checkpoint: aws.s3.Bucket, account_id: pulumi.Output[str], tags: Mapping[str, str]
    ) -> aws.s3.BucketPolicy:
        """S3 server access logs of the checkpoint bucket, kept for log_retention_days.

        S3 delivers access logs only to a bucket in the source bucket's region and account, so
        each checkpoint bucket gets its own. Returns the log bucket's policy, which log delivery
        must wait for.
        """
        a = self._args
        child = pulumi.ResourceOptions(parent=self)
        logs = aws.s3.Bucket(
            f"{a.name}-access-logs",
            bucket=access_log_bucket_name(a.checkpoint_bucket_name),
            tags=dict(tags),
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{a.name}-access-logs",
            bucket=logs.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        public_block = aws.s3.BucketPublicAccessBlock(
            f"{a.name}-access-logs",
            bucket=logs.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        # SSE-S3: the encryption S3 documents for server access log targets.
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{a.name}-access-logs",
            bucket=logs.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                )
            ],
            opts=child,
        )
        # Versioned, so a deleted or overwritten log object stays recoverable for 30 days.
        versioning = aws.s3.BucketVersioning(
            f"{a.name}-access-logs",
            bucket=logs.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{a.name}-access-logs",
            bucket=logs.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=a.log_retention_days
                    ),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=30
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        return aws.s3.BucketPolicy(
            f"{a.name}-access-logs",
            bucket=logs.id,
            policy=_policy(
                {
                    "Sid": "S3ServerAccessLogDelivery",
                    "Effect": "Allow",
                    "Action": "s3:PutObject",
                    "Resource": pulumi.Output.concat(logs.arn, "/s3-access/*"),
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": checkpoint.arn},
                        "StringEquals": {"aws:SourceAccount": account_id},
                    },
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "Resource": [logs.arn, pulumi.Output.concat(logs.arn, "/*")],
                    "Principal": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_block]),
        )

    def _launch_template(
        self,
        key: str,
        pool: NodePool,
        tags: Mapping[str, str],
        placement_group: aws.ec2.PlacementGroup | None,
        efa_security_groups: Sequence[pulumi.Input[str]],
    ) -> aws.ec2.LaunchTemplate:
        a = self._args
        reservation = a.capacity_reservation_ids.get(key)
        # EFA pools: one EFA interface per network card; the first is the primary interface.
        interfaces = [
            aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                device_index=0 if card == 0 else 1,
                network_card_index=card,
                interface_type="efa",
                delete_on_termination="true",
                security_groups=list(efa_security_groups),
            )
            for card in range(a.efa_interfaces.get(key, 1) if pool.rdma else 0)
        ]
        instance_tags = {**tags, "Name": f"{a.name}-{key}", "infra/pool": key}
        return aws.ec2.LaunchTemplate(
            f"{a.name}-{key}",
            name_prefix=f"{a.name}-{key}-",
            description=f"{a.name} node pool {key}",
            update_default_version=True,
            tags=dict(tags),
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
            opts=pulumi.ResourceOptions(parent=self),
        )


def access_log_bucket_name(checkpoint_bucket_name: str) -> str:
    """``local.access_log_bucket_name``: "<checkpoint>-logs", shortened with a hash past 63."""
    if len(checkpoint_bucket_name) <= 58:
        return f"{checkpoint_bucket_name}-logs"
    digest = hashlib.sha1(checkpoint_bucket_name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{checkpoint_bucket_name[:49].strip('.-')}-{digest}-logs"


def _subnets(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network, newbits: int, indexes: range
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Terraform's ``cidrsubnet(network, newbits, i)`` for each i."""
    size = network.num_addresses >> newbits
    base = int(network.network_address)
    prefix = network.prefixlen + newbits
    return [ipaddress.ip_network((base + i * size, prefix)) for i in indexes]


def aws_provider(name: str, region: str) -> pulumi.ProviderResource:
    """The explicit provider of one cluster (credentials come from the environment)."""
    return aws.Provider(name, region=region)


def _cluster(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> GpuClusterComponent:
    return AwsGpuCluster(name, AwsGpuClusterArgs.from_inputs(inputs), opts)


COMPONENTS = CloudComponents(provider=aws_provider, cluster=_cluster)
