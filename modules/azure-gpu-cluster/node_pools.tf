locals {
  # Every pool except the one promoted to the AKS default pool.
  user_pools = { for k, p in var.node_pools : k => p if k != var.system_pool }

  # AKS adds this taint to every spot pool itself; leaving it out of node_taints makes
  # every plan try to remove it.
  spot_taint = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"

  pool_zones = { for k, p in var.node_pools : k => (
    contains(keys(var.reservation_zones), k) ? [var.reservation_zones[k]] :
    p.rdma && local.zones != null ? [var.zones[0]] : local.zones
  ) }

  pool_taints = { for k, p in local.user_pools : k => distinct(concat(
    [for t in p.taints : "${t.key}=${t.value}:${t.effect}"],
    p.spot ? [local.spot_taint] : [],
  )) }
}

resource "azurerm_kubernetes_cluster_node_pool" "pool" {
  #checkov:skip=CKV_AZURE_227:encryption at host is opt-in (host_encryption_enabled): it needs the EncryptionAtHost feature registered on the subscription and a VM size that supports it; disks are encrypted at rest regardless
  for_each = local.user_pools

  name                  = each.key
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  vm_size               = each.value.instance_type
  mode                  = "User"
  os_sku                = var.os_sku
  vnet_subnet_id        = azurerm_subnet.nodes.id
  # A reserved pool in its reservation's zone; InfiniBand works within one VM scale set
  # placement, so RDMA pools keep to one zone.
  zones                         = local.pool_zones[each.key]
  capacity_reservation_group_id = lookup(var.capacity_reservation_group_ids, each.key, null)
  auto_scaling_enabled          = true
  min_count                     = each.value.min_nodes
  node_count                    = each.value.desired_nodes
  max_count                     = each.value.max_nodes
  priority                      = each.value.spot ? "Spot" : "Regular"
  eviction_policy               = each.value.spot ? "Delete" : null
  spot_max_price                = each.value.spot ? -1 : null
  node_labels                   = local.pool_labels[each.key]
  node_taints                   = local.pool_taints[each.key]
  host_encryption_enabled       = var.host_encryption_enabled
  max_pods                      = var.max_pods
  # gpu_driver is ForceNew: changing var.gpu_driver re-creates every GPU pool. It must be
  # set explicitly on GPU pools (left unset, provider >= 4.40 plans a replacement of pools
  # created before) and must stay null on CPU sizes, which the API rejects.
  gpu_driver = each.value.gpu != null ? var.gpu_driver : null
  tags       = merge(local.tags, { "infra-pool" = each.key, "infra-standby" = tostring(each.value.standby) })

  # Spot pools cannot have surge upgrades.
  dynamic "upgrade_settings" {
    for_each = each.value.spot ? [] : ["10%"]
    content {
      max_surge = upgrade_settings.value
    }
  }

  lifecycle {
    ignore_changes = [node_count]

    precondition {
      condition     = each.value.gpu == null || can(regex("^Standard_N", each.value.instance_type))
      error_message = "pool ${each.key}: gpu ${coalesce(each.value.gpu, "-")} needs an N-series GPU VM size, not ${each.value.instance_type}."
    }

    precondition {
      # RDMA-capable (InfiniBand) sizes carry an "r" in their feature letters: ND96isr_H100_v5.
      condition     = !each.value.rdma || can(regex("^Standard_[A-Z]+[0-9]+[a-z]*r[a-z]*(_|$)", each.value.instance_type))
      error_message = "pool ${each.key}: rdma needs an InfiniBand VM size (for example Standard_ND96isr_H100_v5), not ${each.value.instance_type}."
    }
  }
}
