data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  tags       = merge(var.tags, { "infra/cluster" = var.name })

  zone_count = length(var.zones)
  # Private subnets take the first /4 slices of the VPC, public ones /8 slices at the top.
  private_cidrs = [for i in range(local.zone_count) : cidrsubnet(var.cidr, 4, i)]
  public_cidrs  = [for i in range(local.zone_count) : cidrsubnet(var.cidr, 8, 240 + i)]
  nat_count     = var.single_nat_gateway ? 1 : local.zone_count

  # S3 delivers server access logs only to a bucket in the source bucket's region and
  # account, so each checkpoint bucket gets its own log bucket: "<checkpoint>-logs", or a
  # shortened name with a hash when that would pass the 63-character limit.
  access_log_bucket_name = length(var.checkpoint_bucket_name) <= 58 ? "${var.checkpoint_bucket_name}-logs" : format(
    "%s-%s-logs", trim(substr(var.checkpoint_bucket_name, 0, 49), ".-"), substr(sha1(var.checkpoint_bucket_name), 0, 8)
  )

  taint_effects = {
    NoSchedule       = "NO_SCHEDULE"
    PreferNoSchedule = "PREFER_NO_SCHEDULE"
    NoExecute        = "NO_EXECUTE"
  }

  # Graviton families carry a "g" after the generation digit (m7g, c7gn, g5g, x2gd).
  arm_pools = { for k, p in var.node_pools : k => can(regex("^[a-z]+[0-9]+[a-z]*g[a-z]*\\.", p.instance_type)) }
  ami_types = { for k, p in var.node_pools : k => format("AL2023_%s_%s",
    local.arm_pools[k] ? "ARM_64" : "x86_64", p.gpu != null ? "NVIDIA" : "STANDARD")
  }

  # SPOT for spot pools, CAPACITY_BLOCK for pools reserved with an EC2 Capacity Block for
  # ML, ON_DEMAND otherwise (an On-Demand Capacity Reservation is still ON_DEMAND).
  capacity_types = { for k, p in var.node_pools : k => (
    p.spot ? "SPOT" : contains(var.capacity_block_pools, k) ? "CAPACITY_BLOCK" : "ON_DEMAND"
  ) }

  rdma_pools = { for k, p in var.node_pools : k => p if p.rdma }
  placement_pools = var.create_placement_groups ? {
    for k, p in var.node_pools : k => p if p.rdma && p.workload == "training"
  } : {}

  pool_labels = { for k, p in var.node_pools : k => merge(
    p.labels,
    {
      "infra/pool"     = k
      "infra/workload" = p.workload
    },
    p.gpu != null ? { "infra/gpu" = p.gpu } : {},
    p.standby ? { "infra/standby" = "true" } : {},
  ) }
}

################################################################################
# KMS: one key for the control plane (secrets, logs), one for checkpoints
################################################################################

# In a key policy, Resource "*" means "this key", and kms:* for the account root is the AWS
# default key policy: it lets IAM policies in the account grant use of the key (the node role's
# policy below does); without it the key could become unmanageable.
data "aws_iam_policy_document" "cluster_key" {
  #checkov:skip=CKV_AWS_109:key policy: kms:* for the account root is the AWS default key policy (delegates to IAM); Resource "*" is this key only
  #checkov:skip=CKV_AWS_111:key policy: kms:* for the account root is the AWS default key policy (delegates to IAM); Resource "*" is this key only
  #checkov:skip=CKV_AWS_356:key policy: Resource "*" in a key policy is this key only; the CloudWatch Logs statement is bound to this account's log groups by the encryption-context condition
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "cluster" {
  description             = "${var.name}: EKS secrets and control-plane logs"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.cluster_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "cluster" {
  name          = "alias/${var.name}-cluster"
  target_key_id = aws_kms_key.cluster.key_id
}

data "aws_iam_policy_document" "checkpoint_key" {
  #checkov:skip=CKV_AWS_109:key policy: kms:* for the account root is the AWS default key policy (delegates to IAM); Resource "*" is this key only
  #checkov:skip=CKV_AWS_111:key policy: kms:* for the account root is the AWS default key policy (delegates to IAM); Resource "*" is this key only
  #checkov:skip=CKV_AWS_356:key policy: Resource "*" in a key policy is this key only
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "checkpoint" {
  description             = "${var.name}: checkpoint bucket"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.checkpoint_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "checkpoint" {
  name          = "alias/${var.name}-checkpoint"
  target_key_id = aws_kms_key.checkpoint.key_id
}

################################################################################
# Network: VPC, private + public subnets per zone, NAT, flow logs
################################################################################

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = var.name })
}

# Lock down the default security group: nothing uses it, and it allows all by default.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = "${var.name}-default-deny" })
}

resource "aws_subnet" "private" {
  count = local.zone_count

  vpc_id            = aws_vpc.this.id
  cidr_block        = local.private_cidrs[count.index]
  availability_zone = var.zones[count.index]
  tags = merge(local.tags, {
    Name                              = "${var.name}-private-${var.zones[count.index]}"
    "kubernetes.io/role/internal-elb" = "1"
  })
}

resource "aws_subnet" "public" {
  count = local.zone_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = local.public_cidrs[count.index]
  availability_zone       = var.zones[count.index]
  map_public_ip_on_launch = false
  tags = merge(local.tags, {
    Name                     = "${var.name}-public-${var.zones[count.index]}"
    "kubernetes.io/role/elb" = "1"
  })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = var.name })
}

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"
  tags   = merge(local.tags, { Name = "${var.name}-nat-${count.index}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id
  tags          = merge(local.tags, { Name = "${var.name}-${var.zones[count.index]}" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = local.zone_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  count = local.zone_count

  vpc_id = aws_vpc.this.id
  tags   = merge(local.tags, { Name = "${var.name}-private-${var.zones[count.index]}" })
}

resource "aws_route" "private_nat" {
  count = local.zone_count

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? 0 : count.index].id
}

resource "aws_route_table_association" "private" {
  count = local.zone_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/aws/vpc/${var.name}/flow-logs"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cluster.arn
  tags              = local.tags
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.flow_logs.arn}:*"]
  }
}

resource "aws_iam_role" "flow_logs" {
  name_prefix        = "${substr(var.name, 0, 26)}-flowlogs-"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

resource "aws_flow_log" "this" {
  vpc_id               = aws_vpc.this.id
  traffic_type         = "ALL"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn         = aws_iam_role.flow_logs.arn
  tags                 = local.tags
}

################################################################################
# IAM: cluster role and node role (least privilege)
################################################################################

data "aws_iam_policy_document" "cluster_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name_prefix        = "${substr(var.name, 0, 26)}-cluster-"
  assume_role_policy = data.aws_iam_policy_document.cluster_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

data "aws_iam_policy_document" "node_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name_prefix        = "${substr(var.name, 0, 26)}-node-"
  assume_role_policy = data.aws_iam_policy_document.node_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset(["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy"])

  role       = aws_iam_role.node.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.key}"
}

data "aws_iam_policy_document" "node_checkpoint" {
  statement {
    sid       = "ListCheckpointBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.checkpoint.arn]
  }

  statement {
    sid       = "ReadWriteCheckpoints"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${aws_s3_bucket.checkpoint.arn}/*"]
  }

  # Only through S3 in this region: the nodes cannot use the key directly.
  statement {
    sid       = "CheckpointKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.checkpoint.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "node_checkpoint" {
  name   = "checkpoint-bucket"
  role   = aws_iam_role.node.id
  policy = data.aws_iam_policy_document.node_checkpoint.json
}

################################################################################
# EKS control plane
################################################################################

resource "aws_cloudwatch_log_group" "cluster" {
  # EKS writes to exactly this name; creating it first sets retention and encryption.
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cluster.arn
  tags              = local.tags
}

resource "aws_eks_cluster" "this" {
  name                      = var.name
  role_arn                  = aws_iam_role.cluster.arn
  version                   = var.kubernetes_version
  enabled_cluster_log_types = var.cluster_log_types
  tags                      = local.tags

  vpc_config {
    subnet_ids              = aws_subnet.private[*].id
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = var.cluster_creator_admin
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.cluster.arn
    }
  }

  lifecycle {
    precondition {
      condition     = !var.endpoint_public_access || length(var.public_access_cidrs) > 0
      error_message = "endpoint_public_access = true needs explicit public_access_cidrs (EKS would otherwise open the API to 0.0.0.0/0)."
    }
  }

  depends_on = [
    aws_iam_role_policy_attachment.cluster,
    aws_cloudwatch_log_group.cluster,
  ]
}

resource "aws_eks_access_entry" "admin" {
  for_each = toset(var.admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.key
  type          = "STANDARD"
  tags          = local.tags
}

resource "aws_eks_access_policy_association" "admin" {
  for_each = toset(var.admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.admin[each.key].principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

################################################################################
# GPU node pools: placement groups, EFA security group, launch templates, node groups
################################################################################

resource "aws_placement_group" "this" {
  for_each = local.placement_pools

  name     = "${var.name}-${each.key}"
  strategy = "cluster"
  tags     = local.tags

  lifecycle {
    precondition {
      # EC2 rejects launches that combine a cluster placement group with a targeted
      # capacity reservation made outside that group; capacity blocks are co-located anyway.
      condition     = !contains(keys(var.capacity_reservation_ids), each.key)
      error_message = "pool ${each.key}: a cluster placement group cannot be combined with capacity reservation ${lookup(var.capacity_reservation_ids, each.key, "")}; set create_placement_groups = false or drop the reservation."
    }
  }
}

# EFA requires a security group that allows all traffic to and from itself.
resource "aws_security_group" "efa" {
  count = length(local.rdma_pools) > 0 ? 1 : 0

  name_prefix = "${var.name}-efa-"
  description = "EFA: all traffic between members of this group only"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${var.name}-efa" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "efa_self" {
  count = length(aws_security_group.efa)

  security_group_id            = aws_security_group.efa[0].id
  referenced_security_group_id = aws_security_group.efa[0].id
  ip_protocol                  = "-1"
  description                  = "EFA traffic from group members"
}

resource "aws_vpc_security_group_egress_rule" "efa_self" {
  count = length(aws_security_group.efa)

  security_group_id            = aws_security_group.efa[0].id
  referenced_security_group_id = aws_security_group.efa[0].id
  ip_protocol                  = "-1"
  description                  = "EFA traffic to group members"
}

resource "aws_launch_template" "pool" {
  for_each = var.node_pools

  name_prefix            = "${var.name}-${each.key}-"
  description            = "${var.name} node pool ${each.key}"
  update_default_version = true
  tags                   = local.tags

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = var.metadata_hop_limit
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_type           = "gp3"
      volume_size           = var.root_volume_size_gib
      encrypted             = true
      kms_key_id            = var.ebs_kms_key_arn
      delete_on_termination = true
    }
  }

  # EFA pools: one EFA interface per network card; the first is the primary interface.
  dynamic "network_interfaces" {
    for_each = each.value.rdma ? range(lookup(var.efa_interfaces, each.key, 1)) : []
    content {
      device_index          = network_interfaces.value == 0 ? 0 : 1
      network_card_index    = network_interfaces.value
      interface_type        = "efa"
      delete_on_termination = true
      security_groups = [
        aws_eks_cluster.this.vpc_config[0].cluster_security_group_id,
        aws_security_group.efa[0].id,
      ]
    }
  }

  dynamic "placement" {
    for_each = [for k, pg in aws_placement_group.this : pg.name if k == each.key]
    content {
      group_name = placement.value
    }
  }

  dynamic "capacity_reservation_specification" {
    for_each = contains(keys(var.capacity_reservation_ids), each.key) ? [var.capacity_reservation_ids[each.key]] : []
    content {
      capacity_reservation_target {
        capacity_reservation_id = capacity_reservation_specification.value
      }
    }
  }

  dynamic "instance_market_options" {
    for_each = local.capacity_types[each.key] == "CAPACITY_BLOCK" ? ["capacity-block"] : []
    content {
      market_type = instance_market_options.value
    }
  }

  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume", "network-interface"])
    content {
      resource_type = tag_specifications.value
      tags          = merge(local.tags, { Name = "${var.name}-${each.key}", "infra/pool" = each.key })
    }
  }

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = !(each.value.spot && contains(keys(var.capacity_reservation_ids), each.key))
      error_message = "pool ${each.key}: a spot pool cannot use a capacity reservation."
    }

    precondition {
      condition     = !contains(var.capacity_block_pools, each.key) || contains(keys(var.capacity_reservation_ids), each.key)
      error_message = "pool ${each.key}: listed in capacity_block_pools but has no capacity_reservation_ids entry."
    }
  }
}

resource "aws_eks_node_group" "pool" {
  for_each = var.node_pools

  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${var.name}-${each.key}"
  node_role_arn   = aws_iam_role.node.arn
  # EFA and cluster placement groups need all nodes of a pool in one zone.
  subnet_ids     = each.value.rdma ? [aws_subnet.private[0].id] : aws_subnet.private[*].id
  ami_type       = local.ami_types[each.key]
  capacity_type  = local.capacity_types[each.key]
  instance_types = [each.value.instance_type]
  labels         = local.pool_labels[each.key]
  tags           = merge(local.tags, { "infra/pool" = each.key, "infra/standby" = tostring(each.value.standby) })

  scaling_config {
    min_size     = each.value.min_nodes
    desired_size = each.value.desired_nodes
    max_size     = each.value.max_nodes
  }

  update_config {
    max_unavailable = 1
  }

  launch_template {
    id      = aws_launch_template.pool[each.key].id
    version = aws_launch_template.pool[each.key].latest_version
  }

  dynamic "taint" {
    for_each = each.value.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = local.taint_effects[taint.value.effect]
    }
  }

  lifecycle {
    # The cluster autoscaler owns the running size once the pool exists.
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [
    aws_iam_role_policy_attachment.node,
    aws_route_table_association.private,
    aws_route.private_nat,
  ]
}

################################################################################
# Checkpoint bucket
################################################################################

resource "aws_s3_bucket" "checkpoint" {
  #checkov:skip=CKV_AWS_144:replicated by modules/dr-<cloud> when the stack has DR; a stack without DR keeps checkpoints in-region (versioned)
  #checkov:skip=CKV2_AWS_62:no consumer of object events: nothing reacts to checkpoint writes, and the notification configuration is one per bucket, left to whoever adds a consumer
  bucket = var.checkpoint_bucket_name
  tags   = local.tags
}

resource "aws_s3_bucket_ownership_controls" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "checkpoint" {
  bucket                  = aws_s3_bucket.checkpoint.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id
  rule {
    bucket_key_enabled = true
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.checkpoint.arn
    }
  }
}

resource "aws_s3_bucket_versioning" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id

  rule {
    id     = "expire-noncurrent-checkpoints"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.checkpoint_noncurrent_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.checkpoint]
}

data "aws_iam_policy_document" "checkpoint_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.checkpoint.arn, "${aws_s3_bucket.checkpoint.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id
  policy = data.aws_iam_policy_document.checkpoint_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.checkpoint]
}

resource "aws_s3_bucket_logging" "checkpoint" {
  bucket        = aws_s3_bucket.checkpoint.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "s3-access/"

  target_object_key_format {
    partitioned_prefix {
      partition_date_source = "EventTime"
    }
  }

  depends_on = [aws_s3_bucket_policy.access_logs]
}

################################################################################
# Access-log bucket: S3 server access logs of the checkpoint bucket (who read or wrote
# which checkpoint), kept for log_retention_days
################################################################################

# Not access-logged itself: that would log its own log deliveries. (checkov's CKV_AWS_18
# passes here only because it counts the aws_s3_bucket_logging that targets this bucket.)
resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_144:access logs stay in the region of the bucket they describe (S3 delivers them only there)
  #checkov:skip=CKV2_AWS_62:no consumer of object events for log objects
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256): the encryption S3 documents for server access log targets; the logs hold request metadata, not checkpoint data
  bucket = local.access_log_bucket_name
  tags   = local.tags
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioned, so a deleted or overwritten log object stays recoverable for 30 days.
resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}

data "aws_iam_policy_document" "access_logs" {
  statement {
    sid       = "S3ServerAccessLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/s3-access/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.checkpoint.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs.json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}
