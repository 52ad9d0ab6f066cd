"""Checkpoint sync jobs and Alibaba Cloud: the checkpoint bucket as an rclone S3 remote of
provider Alibaba, and the ACK API as Terraform's and Pulumi's kubernetes providers reach it.

Sources:
- rclone v1.75.0 docs/content/s3.md (rclone.org/s3/#alibaba-oss): ``provider = Alibaba``, the
  region's ``endpoint`` "oss-<region>.aliyuncs.com", ``access_key_id`` / ``secret_access_key``
  (rclone's env_auth reads the AWS SDK's environment, not Alibaba Cloud's, so keys are the way).
- OSS endpoints (alibabacloud.com/help/doc-detail/31834, "OSS domain names"): internal endpoint
  "Region + -internal + .aliyuncs.com", usable from the same region only; since 2025-03-20 new
  accounts must use a custom domain (CNAME) for data operations on buckets in the Chinese
  mainland, which the Secret may name (modules/checkpoint-sync/README.md).
- aliyun/terraform-provider-alicloud docs: data "alicloud_cs_managed_kubernetes_clusters"
  (``name_regex``, ``enable_details``, ``clusters[*].connections.api_server_intranet``) and data
  "alicloud_cs_cluster_credential" (``cluster_id``, ``temporary_duration_minutes`` 15-4320,
  ``certificate_authority`` map with ``cluster_cert``, ``client_cert``, ``client_key``: base64).
  pulumi-alicloud ``cs.get_cluster_credential`` returns the same (``certificate_authorities[0]``).
"""

from __future__ import annotations

from infra.clouds.base import CheckpointSync
from infra.clouds.dr_inputs import DrCluster
from infra.values import Block, Raw

__all__ = ["CLUSTERS_DATA", "CLUSTERS_LABEL", "SYNC", "AlicloudSync"]

CLUSTERS_DATA = "alicloud_cs_managed_kubernetes_clusters"
_CREDENTIAL = "alicloud_cs_cluster_credential"
CLUSTERS_LABEL = "cluster"
# The client certificate lives this long: long enough for one plan and apply.
_CREDENTIAL_MINUTES = 60


def oss_endpoint(region: str, *, internal: bool) -> str:
    """The OSS endpoint of ``region``: the internal one from inside that region."""
    return f"oss-{region}{'-internal' if internal else ''}.aliyuncs.com"


class AlicloudSync(CheckpointSync):
    """The OSS checkpoint bucket (modules/alicloud-gpu-cluster, ``checkpoint_bucket_name``)."""

    def remote(self, store: DrCluster, *, in_region: bool) -> dict[str, str]:
        return {
            "type": "s3",
            "provider": "Alibaba",
            "endpoint": oss_endpoint(store.region, internal=in_region),
            "no_check_bucket": "true",
        }

    def bucket(self, store: DrCluster) -> str:
        return store.store("checkpoint_bucket_name")

    def store_name(self, store: DrCluster) -> str:
        return self.bucket(store)

    def credential_keys(self, remote: str) -> dict[str, str]:
        return {
            f"RCLONE_CONFIG_{remote}_ACCESS_KEY_ID": "RAM user AccessKey id for the bucket",
            f"RCLONE_CONFIG_{remote}_SECRET_ACCESS_KEY": "its AccessKey secret",
            f"RCLONE_CONFIG_{remote}_ENDPOINT": (
                "optional: the bucket's custom domain, where OSS requires one"
            ),
        }

    def kubernetes_provider(self, cluster: DrCluster) -> tuple[Block, ...]:
        # Cluster names are lowercase letters, digits and "-": nothing to escape in the regex.
        clusters = Block(
            "data",
            (CLUSTERS_DATA, CLUSTERS_LABEL),
            (("name_regex", f"^{cluster.resource}$"), ("enable_details", True)),
        )
        found = f"data.{CLUSTERS_DATA}.{CLUSTERS_LABEL}.clusters[0]"
        credential = Block(
            "data",
            (_CREDENTIAL, CLUSTERS_LABEL),
            (
                ("cluster_id", Raw(f"{found}.id")),
                ("temporary_duration_minutes", _CREDENTIAL_MINUTES),
            ),
        )
        authority = f"data.{_CREDENTIAL}.{CLUSTERS_LABEL}.certificate_authority"
        provider = Block(
            "provider",
            ("kubernetes",),
            (
                # The intranet endpoint: the module renders ACK without a public API.
                ("host", Raw(f"{found}.connections.api_server_intranet")),
                ("cluster_ca_certificate", Raw(f'base64decode({authority}["cluster_cert"])')),
                ("client_certificate", Raw(f'base64decode({authority}["client_cert"])')),
                ("client_key", Raw(f'base64decode({authority}["client_key"])')),
            ),
        )
        return (clusters, credential, provider)

    def pulumi_kubeconfig(self, cluster: object, target: DrCluster) -> object:
        # Imported here: only a Pulumi program with a sync job into ACK needs pulumi-alicloud.
        import pulumi  # noqa: PLC0415
        import pulumi_alicloud as alicloud  # noqa: PLC0415

        from infra.clouds.component import GpuClusterComponent  # noqa: PLC0415

        assert isinstance(cluster, GpuClusterComponent)
        # cluster_endpoint is the intranet endpoint, as the Terraform root's host.
        found = alicloud.cs.get_cluster_credential_output(
            cluster_id=cluster.cluster_id,
            temporary_duration_minutes=_CREDENTIAL_MINUTES,
            opts=pulumi.InvokeOutputOptions(parent=cluster),
        )
        # Lifted attributes, not Output.all over the result: that would turn its output types
        # into plain dicts. The client key is a secret, and so is everything made from it.
        authority = found.certificate_authorities[0]
        return pulumi.Output.all(
            cluster.cluster_endpoint,
            authority.cluster_cert,
            authority.client_cert,
            pulumi.Output.secret(authority.client_key),
        ).apply(
            lambda v: {
                "cluster": {"server": v[0], "certificate-authority-data": v[1]},
                "user": {"client-certificate-data": v[2], "client-key-data": v[3]},
            }
        )


SYNC = AlicloudSync()
