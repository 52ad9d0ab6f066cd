output "cluster_name" {
  description = "AKS cluster name."
  value       = azurerm_kubernetes_cluster.this.name
}

output "cluster_id" {
  description = "AKS cluster resource id."
  value       = azurerm_kubernetes_cluster.this.id
}

output "cluster_endpoint" {
  description = "Kubernetes API FQDN: the private FQDN for a private cluster, else the public one."
  value       = var.endpoint_public_access ? azurerm_kubernetes_cluster.this.fqdn : azurerm_kubernetes_cluster.this.private_fqdn
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL (workload identity)."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "resource_group_name" {
  description = "Resource group holding the cluster, network and storage."
  value       = azurerm_resource_group.cluster.name
}

output "node_resource_group" {
  description = "Resource group AKS manages for node resources."
  value       = azurerm_kubernetes_cluster.this.node_resource_group
}

output "network_id" {
  description = "VNet id."
  value       = azurerm_virtual_network.cluster.id
}

output "nodes_subnet_id" {
  description = "Subnet id of all node pools."
  value       = azurerm_subnet.nodes.id
}

output "node_pool_names" {
  description = "Pool name -> AKS node pool id (the system pool maps to the default pool name)."
  value = merge(
    { for k, p in azurerm_kubernetes_cluster_node_pool.pool : k => p.id },
    var.system_pool != null ? { (var.system_pool) = azurerm_kubernetes_cluster.this.default_node_pool[0].name } : {},
  )
}

output "kubelet_identity_object_id" {
  description = "Object id of the kubelet identity (nodes)."
  value       = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
}

output "checkpoint_bucket" {
  description = "Checkpoint container name (the storage account is checkpoint_storage_account)."
  value       = azurerm_storage_container.checkpoint.name
}

output "checkpoint_storage_account" {
  description = "Checkpoint storage account name."
  value       = azurerm_storage_account.checkpoint.name
}

output "checkpoint_blob_endpoint" {
  description = "Blob endpoint of the checkpoint account (resolves privately inside the VNet)."
  value       = azurerm_storage_account.checkpoint.primary_blob_endpoint
}

output "log_analytics_workspace_id" {
  description = "Log Analytics workspace holding control-plane (audit) logs and checkpoint access logs."
  value       = azurerm_log_analytics_workspace.this.id
}

output "control_plane_principal_id" {
  description = "Principal (object) id of the cluster's control-plane identity: the module-created user-assigned identity when a pool uses a capacity reservation group, else the system-assigned one."
  value       = local.control_plane_principal_id
}

output "node_health_alert_ids" {
  description = "Azure Monitor metric alerts on GPU node pool health (nodes not ready), by pool."
  value       = { for k, a in azurerm_monitor_metric_alert.gpu_nodes_not_ready : k => a.id }
}
