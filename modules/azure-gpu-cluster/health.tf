################################################################################
# Node health: cloud-side alerts on every GPU node pool (docs/node-health.md)
#
# kube_node_status_condition is an AKS platform metric (Microsoft.ContainerService/
# managedClusters, dimensions condition, status, status2, node: Azure Monitor "Supported
# metrics for Microsoft.ContainerService/managedClusters"); it mirrors kube-state-metrics'
# series of the same name, one per node, condition and status (true|false|unknown,
# kube-state-metrics docs/metrics/cluster/node-metrics.md). It has no node pool dimension, so
# each pool's nodes are selected by name: AKS names them aks-<pool>-<id>-vmss<instance>, and
# pool names have no '-' (1-12 letters and digits), so "aks-<pool>-" selects one pool only.
# Each node matching the filters is a time series of its own, so one node that stays NotReady
# (Ready false or unknown) for the whole window fires; nodes booting briefly NotReady do not.
#
# Without action_group_id the alerts still exist and fire in Azure Monitor (portal Alerts
# blade), notifying no one.
################################################################################

locals {
  gpu_pools = { for k, p in var.node_pools : k => p if p.gpu != null }
}

resource "azurerm_monitor_metric_alert" "gpu_nodes_not_ready" {
  for_each = local.gpu_pools

  name                = "${var.name}-${each.key}-nodes-not-ready"
  resource_group_name = azurerm_resource_group.cluster.name
  scopes              = [azurerm_kubernetes_cluster.this.id]
  description         = "GPU node unhealthy: a node of pool ${each.key} (${var.name}) was not Ready for 15 min; check the node's conditions and events (kubectl describe node), then cordon, drain and reimage or delete it."
  severity            = 1
  window_size         = "PT15M"
  frequency           = "PT5M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.ContainerService/managedClusters"
    metric_name      = "kube_node_status_condition"
    aggregation      = "Minimum"
    operator         = "GreaterThan"
    threshold        = 0

    dimension {
      name     = "condition"
      operator = "Include"
      values   = ["Ready"]
    }

    dimension {
      name     = "status"
      operator = "Include"
      values   = ["false", "unknown"]
    }

    dimension {
      name     = "node"
      operator = "StartsWith"
      values   = ["aks-${each.key}-"]
    }
  }

  dynamic "action" {
    for_each = var.action_group_id == null ? [] : [var.action_group_id]
    content {
      action_group_id = action.value
    }
  }
}
