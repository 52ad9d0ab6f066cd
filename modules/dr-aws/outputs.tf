output "replication_role_arns" {
  description = "Pair -> IAM role S3 assumes to replicate it (a cross-account destination bucket policy must allow it)."
  value       = { for k, r in aws_iam_role.replication : k => r.arn }
}

output "replication_rule_ids" {
  description = "Pair -> replication rule id (the RuleId dimension of the S3 replication metrics)."
  value       = { for k, p in local.pairs : k => p.rule_id }
}

output "replication_time_control_enabled" {
  description = "Whether S3 Replication Time Control (15-minute SLA) is on (rpo_minutes <= 15)."
  value       = local.rtc_enabled
}

output "health_check_ids" {
  description = "Endpoint (cluster key) -> Route 53 health check id."
  value       = { for k, h in aws_route53_health_check.this : k => h.id }
}

output "dns_record_fqdns" {
  description = "DNS record key -> the failover name clients use."
  value       = { for k, r in var.dns_records : k => aws_route53_record.primary["${k}/0"].fqdn }
}

output "replication_lag_alarm_arns" {
  description = "Pair -> CloudWatch alarm on ReplicationLatency over the RPO."
  value       = { for k, a in aws_cloudwatch_metric_alarm.replication_lag : k => a.arn }
}

output "replication_failed_alarm_arns" {
  description = "Pair -> CloudWatch alarm on OperationsFailedReplication."
  value       = { for k, a in aws_cloudwatch_metric_alarm.replication_failed : k => a.arn }
}

output "standby_alarm_arn" {
  description = "CloudWatch alarm raised when a standby node group fails to launch nodes (null without standby_node_groups)."
  value       = try(aws_cloudwatch_metric_alarm.standby_cannot_scale[0].arn, null)
}
