locals {
  tags = merge(var.tags, { "infra-cluster" = var.name })

  zone_count = length(var.zones)
  # Node vSwitches: /4 slices in the first quarter; pod (Terway) vSwitches: /3 slices in the
  # second half, so pods have many more addresses than nodes.
  node_cidrs = [for i in range(local.zone_count) : cidrsubnet(var.cidr, 4, i)]
  pod_cidrs  = [for i in range(local.zone_count) : cidrsubnet(var.cidr, 3, 4 + i)]

  rdma_pools = { for k, p in var.node_pools : k => p if p.rdma }

  # ACK wants a full release ("1.31.1-aliyun.1"); a minor version picks its newest release.
  full_version_given = can(regex("-aliyun\\.", var.kubernetes_version))
  ack_releases = local.full_version_given ? [] : [
    for m in data.alicloud_cs_kubernetes_version.this[0].metadata : m.version
    if startswith(m.version, "${var.kubernetes_version}.")
  ]
  ack_patches = [for v in local.ack_releases : tonumber(split(".", split("-", v)[0])[2])]
  ack_version = local.full_version_given ? var.kubernetes_version : (
    length(local.ack_patches) > 0 ? local.ack_releases[index(local.ack_patches, max(local.ack_patches...))] : null
  )

  addons = concat(
    [
      { name = "terway-eniip", config = "" },
      { name = "csi-plugin", config = "" },
      { name = "managed-csiprovisioner", config = "" },
    ],
    # eRDMA on ACK is the ack-erdma-controller add-on plus eRDMA-capable instance types.
    length(local.rdma_pools) > 0 ? [{ name = "ack-erdma-controller", config = "" }] : [],
  )

  taint_effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

  # OSS writes access logs only to a bucket in the same region and account: "<bucket>-logs",
  # or a shortened name with a hash when that would pass the 63-character limit.
  access_log_bucket_name = length(var.checkpoint_bucket_name) <= 58 ? "${var.checkpoint_bucket_name}-logs" : format(
    "%s-%s-logs", trim(substr(var.checkpoint_bucket_name, 0, 49), "-"), substr(sha1(var.checkpoint_bucket_name), 0, 8)
  )

  pool_labels = { for k, p in var.node_pools : k => merge(
    p.labels,
    {
      "infra/pool"     = k
      "infra/workload" = p.workload
    },
    p.gpu != null ? { "infra/gpu" = p.gpu } : {},
    p.rdma ? { "infra/rdma" = "erdma" } : {},
    p.standby ? { "infra/standby" = "true" } : {},
  ) }
}

data "alicloud_cs_kubernetes_version" "this" {
  count = local.full_version_given ? 0 : 1

  cluster_type = "ManagedKubernetes"
  profile      = "Default"
}

################################################################################
# Network: VPC, vSwitches per zone, NAT gateway + EIP for egress
################################################################################

resource "alicloud_vpc" "cluster" {
  vpc_name   = var.name
  cidr_block = var.cidr
  tags       = local.tags
}

resource "alicloud_vswitch" "nodes" {
  count = local.zone_count

  vswitch_name = "${var.name}-nodes-${var.zones[count.index]}"
  vpc_id       = alicloud_vpc.cluster.id
  cidr_block   = local.node_cidrs[count.index]
  zone_id      = var.zones[count.index]
  tags         = local.tags
}

resource "alicloud_vswitch" "pods" {
  count = local.zone_count

  vswitch_name = "${var.name}-pods-${var.zones[count.index]}"
  vpc_id       = alicloud_vpc.cluster.id
  cidr_block   = local.pod_cidrs[count.index]
  zone_id      = var.zones[count.index]
  tags         = local.tags
}

resource "alicloud_nat_gateway" "cluster" {
  vpc_id               = alicloud_vpc.cluster.id
  nat_gateway_name     = var.name
  vswitch_id           = alicloud_vswitch.nodes[0].id
  nat_type             = "Enhanced"
  network_type         = "internet"
  payment_type         = "PayAsYouGo"
  internet_charge_type = "PayByLcu"
  tags                 = local.tags
}

resource "alicloud_eip_address" "nat" {
  address_name         = "${var.name}-nat"
  isp                  = "BGP"
  internet_charge_type = "PayByTraffic"
  payment_type         = "PayAsYouGo"
  bandwidth            = tostring(var.nat_bandwidth_mbps)
  tags                 = local.tags
}

resource "alicloud_eip_association" "nat" {
  allocation_id = alicloud_eip_address.nat.id
  instance_id   = alicloud_nat_gateway.cluster.id
  instance_type = "Nat"
}

resource "alicloud_snat_entry" "cluster" {
  for_each = { for i, vsw in concat(alicloud_vswitch.nodes, alicloud_vswitch.pods) : tostring(i) => vsw.id }

  snat_table_id     = alicloud_nat_gateway.cluster.snat_table_ids
  source_vswitch_id = each.value
  snat_ip           = alicloud_eip_address.nat.ip_address

  depends_on = [alicloud_eip_association.nat]
}

# Members may talk to each other (pods, eRDMA); no ingress from outside is opened.
resource "alicloud_security_group" "cluster" {
  security_group_name = "${var.name}-nodes"
  description         = "${var.name}: ACK nodes, intra-group traffic only"
  vpc_id              = alicloud_vpc.cluster.id
  security_group_type = "normal"
  inner_access_policy = "Accept"
  tags                = local.tags
}

################################################################################
# ACK managed cluster (Pro)
################################################################################

resource "alicloud_cs_managed_kubernetes" "this" {
  name                         = var.name
  cluster_spec                 = "ack.pro.small"
  version                      = local.ack_version
  vswitch_ids                  = alicloud_vswitch.nodes[*].id
  pod_vswitch_ids              = alicloud_vswitch.pods[*].id
  service_cidr                 = var.service_cidr
  new_nat_gateway              = false
  slb_internet_enabled         = var.endpoint_public_access
  security_group_id            = alicloud_security_group.cluster.id
  proxy_mode                   = "ipvs"
  enable_rrsa                  = true
  deletion_protection          = var.deletion_protection
  encryption_provider_key      = var.secrets_kms_key_id
  control_plane_log_components = var.control_plane_log_components
  tags                         = local.tags

  dynamic "addons" {
    for_each = local.addons
    content {
      name   = addons.value.name
      config = addons.value.config
    }
  }

  lifecycle {
    # Add-ons are create-only in the provider; later changes go through
    # alicloud_cs_kubernetes_addon, not this block.
    ignore_changes = [addons]

    precondition {
      condition     = local.ack_version != null
      error_message = "no ACK release of Kubernetes ${var.kubernetes_version} is offered in ${var.region}."
    }
  }

  depends_on = [alicloud_snat_entry.cluster]
}

################################################################################
# Node pools
################################################################################

resource "alicloud_cs_kubernetes_node_pool" "pool" {
  for_each = var.node_pools

  node_pool_name = "${var.name}-${each.key}"
  cluster_id     = alicloud_cs_managed_kubernetes.this.id
  # eRDMA traffic stays within a zone; RDMA pools use the first zone only.
  vswitch_ids                   = each.value.rdma ? [alicloud_vswitch.nodes[0].id] : alicloud_vswitch.nodes[*].id
  instance_types                = [each.value.instance_type]
  image_type                    = var.image_type
  runtime_name                  = "containerd"
  security_group_ids            = [alicloud_security_group.cluster.id]
  system_disk_category          = "cloud_essd"
  system_disk_performance_level = "PL1"
  system_disk_size              = var.system_disk_size_gib
  system_disk_encrypted         = true
  install_cloud_monitor         = true
  spot_strategy                 = each.value.spot ? "SpotAsPriceGo" : "NoSpot"
  multi_az_policy               = each.value.spot ? "COST_OPTIMIZED" : "BALANCE"
  # A fixed-size pool (min == max) uses desired_size; others autoscale via scaling_config.
  desired_size = each.value.min_nodes == each.value.max_nodes ? tostring(each.value.desired_nodes) : null
  tags         = merge(local.tags, { "infra-pool" = each.key, "infra-standby" = tostring(each.value.standby) })

  dynamic "scaling_config" {
    for_each = each.value.min_nodes < each.value.max_nodes ? [each.value] : []
    content {
      enable   = true
      min_size = scaling_config.value.min_nodes
      max_size = scaling_config.value.max_nodes
      type     = scaling_config.value.spot ? "spot" : scaling_config.value.gpu != null ? "gpu" : "cpu"
    }
  }

  instance_metadata_options {
    http_tokens = "required"
  }

  management {
    enable          = true
    auto_repair     = true
    max_unavailable = 1
  }

  dynamic "labels" {
    for_each = local.pool_labels[each.key]
    content {
      key   = labels.key
      value = labels.value
    }
  }

  dynamic "taints" {
    for_each = each.value.taints
    content {
      key    = taints.value.key
      value  = taints.value.value
      effect = taints.value.effect
    }
  }

  lifecycle {
    # The autoscaler owns the running size of autoscaled pools.
    ignore_changes = [desired_size]

    precondition {
      condition     = alltrue([for t in each.value.taints : contains(local.taint_effects, t.effect)])
      error_message = "pool ${each.key}: taint effects must be NoSchedule, PreferNoSchedule or NoExecute."
    }
  }
}

################################################################################
# Checkpoint bucket (OSS)
################################################################################

resource "alicloud_oss_bucket" "checkpoint" {
  #checkov:skip=CKV_ALI_11:transfer acceleration is for distant clients over the internet; the nodes reach the bucket in-region over the VPC, and cross-region copies are made by modules/dr-<cloud> when the stack has DR
  bucket          = var.checkpoint_bucket_name
  storage_class   = "Standard"
  redundancy_type = var.checkpoint_redundancy_type
  force_destroy   = false
  tags            = local.tags

  logging {
    target_bucket = alicloud_oss_bucket.access_logs.bucket
    target_prefix = "oss-access/"
  }

  server_side_encryption_rule {
    sse_algorithm     = "KMS"
    kms_master_key_id = var.checkpoint_kms_key_id
  }

  versioning {
    status = "Enabled"
  }

  lifecycle_rule {
    id      = "expire-noncurrent-checkpoints"
    enabled = true
    prefix  = ""

    noncurrent_version_expiration {
      days = var.checkpoint_noncurrent_days
    }

    abort_multipart_upload {
      days = 7
    }
  }
}

resource "alicloud_oss_bucket_acl" "checkpoint" {
  bucket = alicloud_oss_bucket.checkpoint.bucket
  acl    = "private"
}

resource "alicloud_oss_bucket_public_access_block" "checkpoint" {
  bucket              = alicloud_oss_bucket.checkpoint.bucket
  block_public_access = true
}

################################################################################
# Access-log bucket: OSS access logs of the checkpoint bucket (who read or wrote which
# object), kept for access_log_retention_days
################################################################################

resource "alicloud_oss_bucket" "access_logs" {
  #checkov:skip=CKV_ALI_12:this is the access-log target; logging it would log its own log deliveries
  #checkov:skip=CKV_ALI_11:transfer acceleration is for distant clients over the internet; only OSS itself writes here, in-region
  #checkov:skip=CKV_ALI_6:OSS-managed encryption (AES256): log delivery by OSS is documented for it, and the logs hold request metadata, not checkpoint data
  bucket          = local.access_log_bucket_name
  storage_class   = "Standard"
  redundancy_type = var.checkpoint_redundancy_type
  force_destroy   = false
  tags            = local.tags

  server_side_encryption_rule {
    sse_algorithm = "AES256"
  }

  # Versioned, so a deleted or overwritten log object stays recoverable for 30 days.
  versioning {
    status = "Enabled"
  }

  lifecycle_rule {
    id      = "expire-access-logs"
    enabled = true
    prefix  = ""

    expiration {
      days = var.access_log_retention_days
    }

    noncurrent_version_expiration {
      days = 30
    }
  }
}

resource "alicloud_oss_bucket_acl" "access_logs" {
  bucket = alicloud_oss_bucket.access_logs.bucket
  acl    = "private"
}

resource "alicloud_oss_bucket_public_access_block" "access_logs" {
  bucket              = alicloud_oss_bucket.access_logs.bucket
  block_public_access = true
}
