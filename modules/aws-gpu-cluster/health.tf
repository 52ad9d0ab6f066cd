################################################################################
# Node health: cloud-side alarms on every GPU node group (docs/node-health.md)
#
# What AWS publishes per node group, and what is used here:
# - EC2 Auto Scaling emits the EventBridge event "EC2 Instance Launch Unsuccessful" (source
#   aws.autoscaling, detail.AutoScalingGroupName) for every failed launch (Auto Scaling User
#   Guide, "Amazon EventBridge events for Amazon EC2 Auto Scaling"). An EKS managed node group
#   runs on one Auto Scaling group, named in the node group's resources[0].autoscaling_groups
#   (EKS API reference, "Nodegroup" / "AutoScalingGroup").
# - EC2 publishes StatusCheckFailed (0 passed, 1 failed: instance, system or attached-EBS check)
#   in AWS/EC2 with the dimension AutoScalingGroupName "for instances with Detailed or Basic
#   Monitoring enabled" (EC2 User Guide, "CloudWatch metrics for your instances").
# Not used: EKS managed node group health issues are returned by DescribeNodegroup only (no
# EventBridge event or CloudWatch metric carries them), and AWS Health events name instances,
# not node groups. Auto Scaling group metrics (GroupInServiceInstances) stay off on EKS
# managed node groups, so no alarm reads them.
#
# Without alarm_topic_arns the alarms still exist and change state in the CloudWatch console
# (and in `aws cloudwatch describe-alarms --state-value ALARM`); they notify no one.
################################################################################

locals {
  gpu_pools = { for k, p in var.node_pools : k => p if p.gpu != null }
  # The Auto Scaling group of each GPU node group (known once the node group exists).
  gpu_asg_names = { for k, _ in local.gpu_pools : k => aws_eks_node_group.pool[k].resources[0].autoscaling_groups[0].name }
}

# One rule for all GPU node groups: EventBridge rule names are at most 64 characters, too few
# for "<name>-<pool>-..." per pool; the event names the group that failed.
resource "aws_cloudwatch_event_rule" "gpu_launch_failed" {
  count = length(local.gpu_pools) > 0 ? 1 : 0

  name        = "${var.name}-gpu-launch-failed"
  description = "Failed EC2 launches in the GPU node groups of ${var.name}."
  tags        = local.tags

  event_pattern = jsonencode({
    source        = ["aws.autoscaling"]
    "detail-type" = ["EC2 Instance Launch Unsuccessful"]
    detail = {
      AutoScalingGroupName = [for k in sort(keys(local.gpu_pools)) : local.gpu_asg_names[k]]
    }
  })
}

resource "aws_cloudwatch_metric_alarm" "gpu_launch_failed" {
  count = length(aws_cloudwatch_event_rule.gpu_launch_failed)

  alarm_name          = "${var.name}-gpu-launch-failed"
  alarm_description   = "GPU capacity at risk: EC2 could not launch nodes for a GPU node group of ${var.name} (${join(", ", [for k in sort(keys(local.gpu_pools)) : "${var.name}-${k}"])}); the event and the Auto Scaling activity of the group name the cause (capacity, quota, reservation)."
  namespace           = "AWS/Events"
  metric_name         = "MatchedEvents"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  # No failed launches, no datapoints.
  treat_missing_data = "notBreaching"
  alarm_actions      = var.alarm_topic_arns
  ok_actions         = var.alarm_topic_arns
  tags               = local.tags

  dimensions = {
    RuleName = aws_cloudwatch_event_rule.gpu_launch_failed[0].name
  }
}

resource "aws_cloudwatch_metric_alarm" "gpu_status_check_failed" {
  for_each = local.gpu_pools

  alarm_name          = "${var.name}-${each.key}-status-check-failed"
  alarm_description   = "GPU node unhealthy: an instance of node group ${var.name}-${each.key} failed an EC2 status check (instance, system or attached EBS) for ${var.status_check_evaluation_periods * 5} min; drain the node and let the node group replace it."
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed"
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = var.status_check_evaluation_periods
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  # A pool scaled to zero publishes nothing: not a failure.
  treat_missing_data = "notBreaching"
  alarm_actions      = var.alarm_topic_arns
  ok_actions         = var.alarm_topic_arns
  tags               = local.tags

  dimensions = {
    AutoScalingGroupName = local.gpu_asg_names[each.key]
  }
}
