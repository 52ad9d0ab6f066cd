################################################################################
# Node pools
################################################################################

locals {
  taint_effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

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

  # A reserved pool uses the vSwitch of its private pool's zone; eRDMA traffic stays within a
  # zone, so RDMA pools use the first zone; other pools every zone.
  pool_vswitch_ids = { for k, p in var.node_pools : k => (
    contains(keys(var.reservation_zones), k) ? [alicloud_vswitch.nodes[index(var.zones, var.reservation_zones[k])].id] :
    p.rdma ? [alicloud_vswitch.nodes[0].id] : alicloud_vswitch.nodes[*].id
  ) }
}

resource "alicloud_cs_kubernetes_node_pool" "pool" {
  for_each = var.node_pools

  node_pool_name                = "${var.name}-${each.key}"
  cluster_id                    = alicloud_cs_managed_kubernetes.this.id
  vswitch_ids                   = local.pool_vswitch_ids[each.key]
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

  # Launch into the pool's elasticity assurance or capacity reservation only (Target).
  dynamic "private_pool_options" {
    for_each = contains(keys(var.private_pool_ids), each.key) ? [var.private_pool_ids[each.key]] : []
    content {
      private_pool_options_match_criteria = "Target"
      private_pool_options_id             = private_pool_options.value
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
