"""Amazon Web Services: EKS, EFA."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from infra.catalog import Offer
from infra.clouds.aws import naming
from infra.clouds.aws.dr_inputs import AwsDrInputs
from infra.clouds.aws.efa import missing_facts_problem, pool_layouts
from infra.clouds.base import Cloud, ProviderSource, variable_suffix
from infra.clouds.dr_inputs import RootVariable
from infra.values import Block, Raw, Value

# Patterns are used with fullmatch: `$` alone would accept a trailing newline.
# Tag rules: key 1-128 characters, value up to 256, "aws:" prefix reserved
# (AWS "Tag restrictions", e.g. docs.aws.amazon.com/.../tag-restrictions).
_TAG_CHARS = re.compile(r"[\w .:/=+\-@]*")


class Aws(Cloud):
    name = "aws"
    title = "AWS"
    kubernetes_service = "EKS"
    rdma_name = "EFA"
    min_zones = 2  # EKS requires subnets in at least two Availability Zones
    # VPCs are /16 to /28; the module's public subnets are cidrsubnet(cidr, 8, ...) and AWS
    # subnets are at least /28, so the VPC can be at most /20.
    network_prefix_range = (16, 20)
    # EKS node group names are 1-63 characters (EKS CreateNodegroup API) and the module names
    # each "<name>-<pool>" with a name of up to 40, so a pool key has at most 22; the key is also
    # the node label infra/pool, so it keeps to the Kubernetes label-value subset (modules/
    # aws-gpu-cluster/variables.tf, node_pools).
    pool_name_pattern = r"[a-z]([a-z0-9-]{0,20}[a-z0-9])?"
    pool_name_rule = (
        "1-22 lowercase letters, digits and '-', starting with a letter and not ending with '-'"
    )
    # S3 bucket "<stack>-tfstate-<hash>" (modules/state-backend-aws/variables.tf, name).
    state_name_pattern = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
    dns_service = "Route 53 failover records"

    def rdma_problem(self, offer: Offer) -> str | None:
        # An RDMA pool's launch template lays out every EFA of the type (infra/clouds/aws/efa.py):
        # a type without its network facts is refused here rather than at render.
        return super().rdma_problem(offer) or missing_facts_problem(offer.instance_type)

    def tag_problem(self, key: str, value: str) -> str | None:
        if not 1 <= len(key) <= 128 or len(value) > 256:
            return "tag too long for AWS (allowed: key 1-128, value up to 256 characters)"
        if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
            return "tags may not start with 'aws:' on AWS (reserved prefix)"
        if not (_TAG_CHARS.fullmatch(key) and _TAG_CHARS.fullmatch(value)):
            return (
                "tag has characters AWS does not allow "
                "(allowed: letters, digits, spaces and _ . : / = + - @)"
            )
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
        return (
            f"aws eks update-nodegroup-config --region {region} --cluster-name {cluster} "
            f"--nodegroup-name {self.node_pool_name(cluster, pool)} --scaling-config "
            f"minSize={min_nodes},maxSize={max_nodes},desiredSize={desired_nodes}"
        )

    def pool_ready_commands(self, cluster: str, region: str, pool: str) -> tuple[str, ...]:
        # EKS labels every node with its managed node group's name (eks.amazonaws.com/nodegroup).
        node_group = self.node_pool_name(cluster, pool)
        return (
            f"aws eks wait nodegroup-active --region {region} --cluster-name {cluster} "
            f"--nodegroup-name {node_group}",
            f"kubectl --context {cluster} wait --for=condition=Ready node "
            f"-l eks.amazonaws.com/nodegroup={node_group} --timeout=30m",
        )

    def traffic_commands(
        self, record: str, source: str, weights: Mapping[str, int], failover: bool
    ) -> tuple[str, ...]:
        # modules/dr-aws renders Route 53 failover records whose primary answers while its
        # health check passes: inverting that check moves the name to the next target in
        # failover order (and back again), without editing records in an emergency. The check's
        # id exists only once applied: it is read from the record that uses it, the first tier's
        # PRIMARY (dns.tf: set_identifier "<cluster>-0-primary"), in the zone users give the DR
        # root; the drill finds the same check by its Name tag (infra/clouds/aws/drill.py).
        inverted = "--inverted" if failover else "--no-inverted"
        targets = ", ".join(weights) or "the next target"
        zone = self.dr_inputs.zone_variables()["dns_zone_id"].name
        query = (
            f"ResourceRecordSets[?starts_with(Name, '{record}.') "
            f"&& SetIdentifier=='{source}-0-primary'].HealthCheckId"
        )
        return (
            f"HC=$(aws route53 list-resource-record-sets --hosted-zone-id <{zone}> "
            f'--query "{query}" --output text)  # the health check of {source}',
            f'aws route53 update-health-check --health-check-id "$HC" '
            f"{inverted}  # {record}: {'to ' + targets if failover else 'back to ' + source}",
            'aws route53 get-health-check-status --health-check-id "$HC"',
        )

    def replica_age_command(
        self, cluster: str, region: str, *, stack: str, owner: str, target: str
    ) -> str:
        # modules/dr-aws replicates a source's checkpoint bucket into the checkpoint bucket of
        # its first target in another region (the replica in ``region``).
        bucket = naming.checkpoint_bucket(stack, owner, target)
        # The prefix is the drill's too (infra/clouds/aws/drill.py CHECKPOINT_PREFIX).
        return (
            f"aws s3api list-objects-v2 --region {region} "
            f"--bucket {bucket} --prefix checkpoints/ "
            "--query 'sort_by(Contents, &LastModified)[-1].LastModified' --output text"
        )

    drill_adapter_path = "infra.clouds.aws.drill:AwsDrill"

    # -- Terraform ---------------------------------------------------------------------------
    terraform_provider = ProviderSource("aws", "hashicorp/aws", ">= 5.100, < 7.0")
    cluster_module = "aws-gpu-cluster"
    state_module = "state-backend-aws"
    dr_module = "dr-aws"
    # The services the modules call (their resources and data sources).
    endpoint_services = (
        "cloudwatch",
        "ec2",
        "eks",
        "events",
        "iam",
        "kms",
        "logs",
        "route53",
        "s3",
        "sts",
    )
    dr_inputs = AwsDrInputs()
    # The checkpoint bucket's access-log bucket (modules/aws-gpu-cluster/storage.tf) is versioned
    # and holds logs, so a destroy would stop at it; it is kept, with its configuration.
    retained_on_destroy = (
        "aws_s3_bucket.access_logs",
        "aws_s3_bucket_ownership_controls.access_logs",
        "aws_s3_bucket_public_access_block.access_logs",
        "aws_s3_bucket_server_side_encryption_configuration.access_logs",
        "aws_s3_bucket_versioning.access_logs",
        "aws_s3_bucket_lifecycle_configuration.access_logs",
        "aws_s3_bucket_policy.access_logs",
    )

    # -- Pulumi ------------------------------------------------------------------------------
    pulumi_requirement = "pulumi-aws>=7.51,<8"
    pulumi_components = "infra.clouds.aws.cluster"
    pulumi_dr_component = "infra.clouds.aws.disaster_recovery"

    def provider_block(self, region: str) -> Block:
        return Block("provider", ("aws",), (("region", region),))

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
        # S3 native locking (use_lockfile, Terraform >= 1.10): no DynamoDB table needed. A
        # replica is an object of the same name in the replica region's bucket.
        del replica
        return Block(
            "backend",
            ("s3",),
            (
                ("bucket", _state_bucket(stack, owner, region, home)),
                ("key", key),
                ("region", region),
                ("encrypt", True),
                ("use_lockfile", True),
            ),
        )

    def cluster_inputs(
        self, stack: str, owner: str, cluster: str, pools: Mapping[str, Value]
    ) -> dict[str, Value]:
        inputs: dict[str, Value] = {
            "checkpoint_bucket_name": naming.checkpoint_bucket(stack, owner, cluster)
        }
        # Every EFA the RDMA pools' types take, as the EC2 guide lays them out (docs/efa.md).
        layouts = pool_layouts(pools, where=f"{stack}/{cluster}")
        if layouts:
            inputs["efa_layout"] = layouts
        return inputs

    def node_health_variables(self, cluster: str, region: str) -> dict[str, RootVariable]:
        return {
            "alarm_topic_arns": RootVariable(
                f"node_health_alarm_topic_arns_{variable_suffix(cluster)}",
                "list(string)",
                f"SNS topics in {region} that cluster {cluster}'s GPU node-health alarms notify "
                "(ALARM and OK). Empty: the alarms change state in CloudWatch, no one is told.",
                default=[],
            )
        }

    def state_backend_inputs(
        self, stack: str, owner: str, region: str, *, home: bool = True
    ) -> dict[str, Value]:
        return {"name": _state_bucket(stack, owner, region, home)}

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
        # The backend's object is the key itself (the default workspace); a prefix equal to the
        # key also covers its lock file "<key>.tflock".
        return {
            "replication": {
                "destination_bucket_arn": Raw(f"module.{replica_module}.bucket_arn"),
                "destination_kms_key_arn": Raw(f"module.{replica_module}.kms_key_arn"),
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
        del replica  # the replica is the object of the same key in that region's bucket
        bucket = _state_bucket(stack, owner, region, home)
        return f"aws s3api head-object --region {region} --bucket {bucket} --key {key}"


def _state_bucket(stack: str, owner: str, region: str, home: bool) -> str:
    return naming.state_bucket(stack, owner, None if home else region)
