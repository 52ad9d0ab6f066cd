################################################################################
# Alarms: replication lag over the RPO, failed replication, standby pools that cannot scale
################################################################################

locals {
  standby_asg_prefixes = [for g in var.standby_node_groups : { prefix = "eks-${g.node_group_name}-" }]
}

resource "aws_cloudwatch_metric_alarm" "replication_lag" {
  for_each = local.pairs

  alarm_name          = "${var.name}-${each.key}-replication-lag"
  alarm_description   = "DR at risk: checkpoints of ${each.key} (${each.value.source_bucket} -> ${each.value.destination_bucket}) replicate more than ${var.rpo_minutes} min (the RPO) behind."
  namespace           = "AWS/S3"
  metric_name         = "ReplicationLatency"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = var.lag_alarm_evaluation_periods
  threshold           = var.rpo_minutes * 60
  comparison_operator = "GreaterThanThreshold"
  # No writes, no datapoints: an idle bucket is not behind.
  treat_missing_data = "notBreaching"
  alarm_actions      = var.alarm_topic_arns
  ok_actions         = var.alarm_topic_arns
  tags               = local.tags

  dimensions = {
    SourceBucket      = each.value.source_bucket
    DestinationBucket = each.value.destination_bucket
    RuleId            = each.value.rule_id
  }
}

resource "aws_cloudwatch_metric_alarm" "replication_failed" {
  for_each = local.pairs

  alarm_name          = "${var.name}-${each.key}-replication-failed"
  alarm_description   = "DR at risk: S3 failed to replicate checkpoints of ${each.key} (${each.value.source_bucket} -> ${each.value.destination_bucket}); check the replication role, KMS keys and the destination bucket."
  namespace           = "AWS/S3"
  metric_name         = "OperationsFailedReplication"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arns
  ok_actions          = var.alarm_topic_arns
  tags                = local.tags

  dimensions = {
    SourceBucket      = each.value.source_bucket
    DestinationBucket = each.value.destination_bucket
    RuleId            = each.value.rule_id
  }
}

# EKS managed node groups do not turn on Auto Scaling group metrics (GroupInServiceInstances
# stays empty), so a standby pool that cannot grow is detected from the Auto Scaling event
# EC2 emits for every failed launch (capacity, quota, reservation), matched by group name.
resource "aws_cloudwatch_event_rule" "standby_launch_failed" {
  count = length(var.standby_node_groups) > 0 ? 1 : 0

  name        = "${var.name}-standby-launch-failed"
  description = "Failed EC2 launches in the DR standby node groups of ${var.name}."
  tags        = local.tags

  event_pattern = jsonencode({
    source        = ["aws.autoscaling"]
    "detail-type" = ["EC2 Instance Launch Unsuccessful"]
    detail = {
      AutoScalingGroupName = local.standby_asg_prefixes
    }
  })
}

resource "aws_cloudwatch_metric_alarm" "standby_cannot_scale" {
  count = length(aws_cloudwatch_event_rule.standby_launch_failed)

  alarm_name          = "${var.name}-standby-cannot-scale"
  alarm_description   = "DR at risk: EC2 could not launch nodes for a standby pool (${join(", ", [for g in var.standby_node_groups : g.node_group_name])}); see the Auto Scaling activity of eks-<node group>-* for the cause."
  namespace           = "AWS/Events"
  metric_name         = "MatchedEvents"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arns
  ok_actions          = var.alarm_topic_arns
  tags                = local.tags

  dimensions = {
    RuleName = aws_cloudwatch_event_rule.standby_launch_failed[0].name
  }
}
