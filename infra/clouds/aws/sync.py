"""Checkpoint sync jobs and AWS: the checkpoint bucket as an rclone S3 remote, and the EKS API as
Terraform's and Pulumi's kubernetes providers reach it.

Sources:
- rclone v1.75.0 (2026-07-31, docs/content/changelog.md), docs/content/s3.md (rclone.org/s3):
  ``provider = AWS``; ``env_auth`` "Get AWS credentials from runtime (environment variables or
  EC2/ECS meta data if no env vars). Only applies if access_key_id and secret_access_key is
  blank."; ``no_check_bucket`` "don't attempt to check the bucket exists or create it"; an
  empty ``acl`` (the default) sends no X-Amz-Acl header, which the bucket's
  BucketOwnerEnforced ownership (ACLs disabled) requires.
- hashicorp/terraform-provider-kubernetes docs/index.md, "Exec plugins": ``host``,
  ``cluster_ca_certificate`` from the ``aws_eks_cluster`` data source and
  ``exec { api_version = "client.authentication.k8s.io/v1", command = "aws",
  args = ["eks", "get-token", "--cluster-name", ...] }``.
- pulumi-aws ``eks.get_cluster`` (registry: aws/api-docs/eks/getcluster): ``endpoint`` and
  ``certificate_authorities[0].data``.
"""

from __future__ import annotations

from infra.clouds.base import CheckpointSync
from infra.clouds.dr_inputs import DrCluster
from infra.values import Block, Raw

__all__ = ["SYNC", "AwsSync"]

_DATA = "aws_eks_cluster"
_LABEL = "cluster"
_EXEC_API = "client.authentication.k8s.io/v1"


class AwsSync(CheckpointSync):
    """The S3 checkpoint bucket (modules/aws-gpu-cluster, ``checkpoint_bucket_name``)."""

    def remote(self, store: DrCluster, *, in_region: bool) -> dict[str, str]:
        # S3's regional endpoint is the same from inside and outside the region.
        del in_region
        return {
            "type": "s3",
            "provider": "AWS",
            "region": store.region,
            "env_auth": "true",
            "no_check_bucket": "true",
        }

    def bucket(self, store: DrCluster) -> str:
        return store.store("checkpoint_bucket_name")

    def store_name(self, store: DrCluster) -> str:
        return self.bucket(store)

    def credential_keys(self, remote: str) -> dict[str, str]:
        # env_auth reads the AWS SDK's environment (shared by every AWS remote of the job), or
        # IRSA's web identity when the service account is annotated; the remote's own keys take
        # precedence over env_auth.
        return {
            "AWS_ACCESS_KEY_ID": "AWS access key (env_auth; omit with IRSA on EKS)",
            "AWS_SECRET_ACCESS_KEY": "its secret (env_auth; omit with IRSA on EKS)",
            f"RCLONE_CONFIG_{remote}_ACCESS_KEY_ID": (
                f"optional: a key for the {remote.lower()} remote only, instead of "
                "AWS_ACCESS_KEY_ID"
            ),
            f"RCLONE_CONFIG_{remote}_SECRET_ACCESS_KEY": "optional: its secret",
        }

    def kubernetes_provider(self, cluster: DrCluster) -> tuple[Block, ...]:
        data = Block("data", (_DATA, _LABEL), (("name", cluster.resource),))
        ref = f"data.{_DATA}.{_LABEL}"
        exec_block = Block(
            "exec",
            (),
            (
                ("api_version", _EXEC_API),
                ("command", "aws"),
                ("args", _token_args(cluster)),
            ),
        )
        provider = Block(
            "provider",
            ("kubernetes",),
            (
                ("host", Raw(f"{ref}.endpoint")),
                (
                    "cluster_ca_certificate",
                    Raw(f"base64decode({ref}.certificate_authority[0].data)"),
                ),
                exec_block,
            ),
        )
        return (data, provider)

    def pulumi_kubeconfig(self, cluster: object, target: DrCluster) -> object:
        # Imported here: only a Pulumi program with a sync job into AWS needs pulumi-aws.
        import pulumi  # noqa: PLC0415
        import pulumi_aws as aws  # noqa: PLC0415

        from infra.clouds.component import GpuClusterComponent  # noqa: PLC0415

        assert isinstance(cluster, GpuClusterComponent)
        # As a child of the cluster component, the invoke uses its AWS provider (its region).
        found = aws.eks.get_cluster_output(
            name=cluster.cluster_name, opts=pulumi.InvokeOutputOptions(parent=cluster)
        )
        user = {"exec": _exec("aws", _token_args(target))}
        return found.apply(
            lambda r: {
                "cluster": {
                    "server": r.endpoint,
                    "certificate-authority-data": r.certificate_authorities[0].data,
                },
                "user": user,
            }
        )


def _exec(command: str, args: list[str]) -> dict[str, object]:
    """A kubeconfig v1 ExecConfig (kubernetes.io/docs/reference/config-api/kubeconfig.v1):
    ``interactiveMode`` is required with client.authentication.k8s.io/v1."""
    return {"apiVersion": _EXEC_API, "command": command, "args": args, "interactiveMode": "Never"}


def _token_args(cluster: DrCluster) -> list[str]:
    return ["eks", "get-token", "--cluster-name", cluster.resource, "--region", cluster.region]


SYNC = AwsSync()
