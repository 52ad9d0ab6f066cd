"""``infra:aws:ControlPlane``: the EKS cluster of an ``infra:aws:GpuCluster``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.aws.cluster import AwsGpuClusterArgs

__all__ = ["ControlPlane"]


class ControlPlane(Part):
    """The module's EKS control plane section: the cluster (secrets encrypted with the cluster
    key), its log group, and an access entry per admin principal."""

    def __init__(
        self,
        name: str,
        args: AwsGpuClusterArgs,
        partition: pulumi.Output[str],
        cluster_key: aws.kms.Key,
        cluster_role: aws.iam.Role,
        cluster_attachment: aws.iam.RolePolicyAttachment,
        subnets: Sequence[aws.ec2.Subnet],
        parent: pulumi.ComponentResource,
    ) -> None:
        super().__init__("infra:aws:ControlPlane", name, parent)
        a = self._args = args
        tags = a.cluster_tags
        # EKS writes to exactly this name; creating it first sets retention and encryption.
        cluster_logs = aws.cloudwatch.LogGroup(
            f"{a.name}-cluster",
            name=f"/aws/eks/{a.name}/cluster",
            retention_in_days=a.log_retention_days,
            kms_key_id=cluster_key.arn,
            tags=tags,
            opts=self.child(),
        )
        self.cluster = aws.eks.Cluster(
            a.name,
            name=a.name,
            role_arn=cluster_role.arn,
            version=a.kubernetes_version,
            enabled_cluster_log_types=list(a.cluster_log_types),
            tags=tags,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=[s.id for s in subnets],
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
            opts=self.child(depends_on=[cluster_attachment, cluster_logs]),
        )
        for arn in a.admin_principal_arns:
            self._admin(arn, partition)
        self.register_outputs(
            {
                "cluster_name": self.cluster.name,
                "cluster_id": self.cluster.arn,
                "cluster_endpoint": self.cluster.endpoint,
            }
        )

    def _admin(self, arn: str, partition: pulumi.Output[str]) -> None:
        """An access entry of a principal, with the cluster admin policy for the whole cluster."""
        a = self._args
        # An ARN holds "::", which a Pulumi URN cannot; a hash of it keys the resource.
        admin = f"{a.name}-admin-{hashlib.sha256(arn.encode()).hexdigest()[:8]}"
        entry = aws.eks.AccessEntry(
            admin,
            cluster_name=self.cluster.name,
            principal_arn=arn,
            type="STANDARD",
            tags=a.cluster_tags,
            opts=self.child(),
        )
        aws.eks.AccessPolicyAssociation(
            admin,
            cluster_name=self.cluster.name,
            principal_arn=entry.principal_arn,
            policy_arn=pulumi.Output.concat(
                "arn:", partition, ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
            ),
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            opts=self.child(),
        )
