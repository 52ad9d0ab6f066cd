output "replication_role_names" {
  description = "Pair -> RAM role OSS assumes to replicate it."
  value       = { for k, r in alicloud_ram_role.replication : k => r.role_name }
}

output "replication_rule_ids" {
  description = "Pair -> OSS replication rule id."
  value       = { for k, r in alicloud_oss_bucket_replication.this : k => r.rule_id }
}

output "replication_time_control_enabled" {
  description = "Pair -> whether OSS Replication Time Control is on."
  value       = { for k, p in local.pairs : k => p.rtc }
}

output "gtm_instance_ids" {
  description = "DNS record key -> GTM instance id."
  value       = local.gtm_ids
}

output "access_strategy_ids" {
  description = "DNS record key -> GTM access strategy id (the runbook's --StrategyId)."
  value       = { for k, s in alicloud_alidns_access_strategy.this : k => s.id }
}

output "standby_event_rule_name" {
  description = "CloudMonitor event rule for Auto Scaling scale-out errors (null without standby_node_pools)."
  value       = try(alicloud_cms_event_rule.standby_cannot_scale[0].rule_name, null)
}
