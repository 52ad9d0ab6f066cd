output "resource_group_name" {
  description = "Resource group of the Traffic Manager profiles and alert rules."
  value       = azurerm_resource_group.this.name
}

output "object_replication_ids" {
  description = "Pair -> object replication policy id on the source account."
  value       = { for k, r in azurerm_storage_object_replication.this : k => r.source_object_replication_id }
}

output "traffic_manager_fqdns" {
  description = "DNS record key -> Traffic Manager FQDN (<traffic_manager_name>.trafficmanager.net) to CNAME the service name to."
  value       = { for k, p in azurerm_traffic_manager_profile.this : k => p.fqdn }
}

output "traffic_manager_profile_names" {
  description = "DNS record key -> Traffic Manager profile name (the runbook's --profile-name)."
  value       = { for k, p in azurerm_traffic_manager_profile.this : k => p.name }
}

output "replication_lag_alert_ids" {
  description = "Pair -> metric alert on the replication backlog."
  value       = { for k, a in azurerm_monitor_metric_alert.replication_lag : k => a.id }
}

output "standby_alert_ids" {
  description = "Cluster -> metric alert on unschedulable pods (standby pool cannot scale)."
  value       = { for k, a in azurerm_monitor_metric_alert.standby_cannot_scale : k => a.id }
}
