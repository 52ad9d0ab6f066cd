################################################################################
# Node health: cloud-side notifications on every GPU node pool (docs/node-health.md)
#
# What Alibaba Cloud offers per node pool, and what is used here:
# - An ACK node pool runs on one Auto Scaling (ESS) group, exported as the node pool's
#   scaling_group_id (provider docs r/cs_kubernetes_node_pool, "scaling_group_id - The ID of
#   the scaling group"; alicloud/resource_alicloud_cs_kubernetes_node_pool.go, Computed).
# - An ESS notification configuration (alicloud_ess_notification; ESS API
#   CreateNotificationConfiguration) belongs to one scaling group and sends the listed
#   notification types to "acs:ess:{region}:{account-id}:{resource-relative-id}", where the
#   relative id is "cloudmonitor", "queue/{queuename}" or "topic/{topicname}" (MNS) (provider
#   docs r/ess_notification). Types used: "AUTOSCALING:SCALE_OUT_ERROR" (the scale-out
#   activity fails) and "AUTOSCALING:SCALE_REJECT" (the request for scaling activities is
#   rejected) (ESS API DescribeNotificationTypes).
# Not used: alicloud_cms_event_rule is account-wide per product and event name; its only
# narrower filter, event_pattern.sql_filter, has no documented field syntax for ESS events, so
# no per-pool rule is built on it (the DR module keeps its account-wide ESS rule). CloudMonitor
# metric alarms (acs_ecs_dashboard) take instance ids, not a node pool or scaling group.
# Nodes that go unhealthy are left to ACK's managed node pool auto repair
# (management.auto_repair in node_pools.tf).
#
# With the default target "cloudmonitor" the events go to CloudMonitor's event center, where
# they are listed and where a CloudMonitor event rule (such as the DR module's) can notify a
# contact group; with an MNS topic they reach the topic's subscriptions (mail, HTTP, SMS).
################################################################################

locals {
  gpu_pools = { for k, p in var.node_pools : k => p if p.gpu != null }
}

data "alicloud_account" "current" {}

resource "alicloud_ess_notification" "gpu_scaling_failed" {
  for_each = local.gpu_pools

  scaling_group_id   = alicloud_cs_kubernetes_node_pool.pool[each.key].scaling_group_id
  notification_arn   = "acs:ess:${var.region}:${data.alicloud_account.current.id}:${var.scaling_notification_target}"
  notification_types = ["AUTOSCALING:SCALE_OUT_ERROR", "AUTOSCALING:SCALE_REJECT"]
}
