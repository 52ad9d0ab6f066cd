data "azurerm_client_config" "current" {}

locals {
  tags            = merge(var.tags, { "infra-dr" = var.name })
  subscription_id = coalesce(var.subscription_id, data.azurerm_client_config.current.subscription_id)

  pairs = { for k, p in var.replication_pairs : k => merge(p, {
    source_id      = "/subscriptions/${local.subscription_id}/resourceGroups/${p.source_resource_group}/providers/Microsoft.Storage/storageAccounts/${p.source_storage_account}"
    destination_id = "/subscriptions/${local.subscription_id}/resourceGroups/${p.destination_resource_group}/providers/Microsoft.Storage/storageAccounts/${p.destination_storage_account}"
  }) }

  # Azure Monitor metric alerts take these windows only: the longest one within the RPO.
  windows            = { 1 = "PT1M", 5 = "PT5M", 15 = "PT15M", 30 = "PT30M", 60 = "PT1H", 360 = "PT6H", 720 = "PT12H", 1440 = "P1D" }
  lag_window_minutes = max([for m in keys(local.windows) : tonumber(m) if tonumber(m) <= var.rpo_minutes]...)
  lag_window         = local.windows[local.lag_window_minutes]

  endpoints = merge({}, [for k, r in var.dns_records : {
    for i, t in r.targets : "${k}/${t}" => { record = k, target = t, priority = i + 1 }
  }]...)

  standby = { for c in var.standby_clusters : c.cluster_name => c }
}

resource "azurerm_resource_group" "this" {
  name     = "${var.name}-rg"
  location = var.region
  tags     = local.tags
}

################################################################################
# Checkpoint object replication
################################################################################

# Object replication needs blob versioning on both accounts and the change feed on the
# source (azure-gpu-cluster turns versioning on; see README for the change feed).
resource "azurerm_storage_object_replication" "this" {
  for_each = local.pairs

  source_storage_account_id      = each.value.source_id
  destination_storage_account_id = each.value.destination_id

  rules {
    source_container_name      = each.value.container
    destination_container_name = coalesce(each.value.destination_container, each.value.container)
    copy_blobs_created_after   = var.replicate_existing_blobs ? "Everything" : "OnlyNew"
  }
}

################################################################################
# DNS failover: one Traffic Manager profile (priority routing) per record
################################################################################

resource "azurerm_traffic_manager_profile" "this" {
  for_each = var.dns_records

  name                   = "${var.name}-${each.key}"
  resource_group_name    = azurerm_resource_group.this.name
  traffic_routing_method = "Priority"
  tags                   = local.tags

  dns_config {
    relative_name = each.value.traffic_manager_name
    ttl           = each.value.ttl
  }

  monitor_config {
    protocol                     = "HTTPS"
    port                         = var.health_check.port
    path                         = var.health_check.path
    interval_in_seconds          = var.health_check.interval_seconds
    timeout_in_seconds           = var.health_check.timeout_seconds
    tolerated_number_of_failures = var.health_check.tolerated_failures
  }

  lifecycle {
    precondition {
      condition     = alltrue([for t in each.value.targets : contains(keys(var.endpoints), t)])
      error_message = "record ${each.key}: every target needs a hostname in endpoints (missing: ${join(", ", [for t in each.value.targets : t if !contains(keys(var.endpoints), t)])})."
    }
  }
}

resource "azurerm_traffic_manager_external_endpoint" "this" {
  for_each = local.endpoints

  # Named after the cluster, as the DR runbook addresses endpoints.
  name       = each.value.target
  profile_id = azurerm_traffic_manager_profile.this[each.value.record].id
  target     = lookup(var.endpoints, each.value.target, "")
  priority   = each.value.priority
}

resource "azurerm_dns_cname_record" "this" {
  for_each = var.dns_zone == null ? {} : var.dns_records

  name                = each.value.name
  zone_name           = var.dns_zone.name
  resource_group_name = var.dns_zone.resource_group_name
  ttl                 = each.value.ttl
  target_resource_id  = azurerm_traffic_manager_profile.this[each.key].id
  tags                = local.tags
}

################################################################################
# Alerts: replication backlog over the RPO, standby pools that cannot scale
################################################################################

resource "azurerm_monitor_metric_alert" "replication_lag" {
  for_each = local.pairs

  name                = "${var.name}-${each.key}-replication-lag"
  resource_group_name = azurerm_resource_group.this.name
  scopes              = [azurerm_storage_object_replication.this[each.key].source_object_replication_id]
  description         = "DR at risk: checkpoints of ${each.key} (${each.value.source_storage_account} -> ${each.value.destination_storage_account}) had operations pending replication for a whole ${local.lag_window_minutes}-minute window (RPO ${var.rpo_minutes} min)."
  severity            = 1
  window_size         = local.lag_window
  frequency           = local.lag_window_minutes <= 1 ? "PT1M" : "PT5M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.Storage/storageAccounts/objectReplicationPolicies"
    metric_name      = "PendingOperationsForReplication"
    aggregation      = var.lag_aggregation
    operator         = "GreaterThan"
    threshold        = 0
  }

  dynamic "action" {
    for_each = var.action_group_id == null ? [] : [var.action_group_id]
    content {
      action_group_id = action.value
    }
  }
}

# cluster_autoscaler_unschedulable_pods_count is an AKS platform metric (no per-pool
# dimension): pods that stay unschedulable mean the autoscaler cannot add the nodes they
# need, which during a failover is the standby pool failing to scale (quota, capacity, max).
resource "azurerm_monitor_metric_alert" "standby_cannot_scale" {
  for_each = local.standby

  name                = "${var.name}-${each.key}-standby-cannot-scale"
  resource_group_name = azurerm_resource_group.this.name
  scopes              = ["/subscriptions/${local.subscription_id}/resourceGroups/${each.value.resource_group_name}/providers/Microsoft.ContainerService/managedClusters/${each.value.cluster_name}"]
  description         = "DR at risk: pods on ${each.key} stayed unschedulable for 15 min; standby pools ${join(", ", each.value.pools)} may be unable to scale (quota, capacity or max nodes)."
  severity            = 1
  window_size         = "PT15M"
  frequency           = "PT5M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.ContainerService/managedClusters"
    metric_name      = "cluster_autoscaler_unschedulable_pods_count"
    aggregation      = "Average"
    operator         = "GreaterThan"
    threshold        = 0
  }

  dynamic "action" {
    for_each = var.action_group_id == null ? [] : [var.action_group_id]
    content {
      action_group_id = action.value
    }
  }
}
