################################################################################
# Alarms: standby pools that cannot scale, replication lag (when a metric is given)
################################################################################

resource "alicloud_cms_event_rule" "standby_cannot_scale" {
  count = length(var.standby_node_pools) > 0 ? 1 : 0

  rule_name   = "${var.name}-standby-cannot-scale"
  description = "DR at risk: an Auto Scaling group failed to scale out; standby pools here: ${join(", ", var.standby_node_pools)}."
  status      = "ENABLED"

  event_pattern {
    product   = "ESS"
    name_list = var.standby_event_names
  }

  dynamic "contact_parameters" {
    for_each = local.contact_groups
    content {
      contact_parameters_id = "1"
      contact_group_name    = contact_parameters.value
      level                 = "3"
    }
  }
}

resource "alicloud_cms_alarm" "replication_lag" {
  for_each = var.replication_lag_metric == null ? {} : local.pairs

  name           = "${var.name}-${each.key}-replication-lag"
  project        = "acs_oss_dashboard"
  metric         = var.replication_lag_metric
  period         = 60
  contact_groups = local.contact_groups
  enabled        = true
  tags           = local.tags
  metric_dimensions = jsonencode([{
    BucketName = each.value.source_bucket
  }])

  escalations_critical {
    statistics          = "Maximum"
    comparison_operator = ">"
    threshold           = tostring(var.rpo_minutes * 60)
    times               = 3
  }
}
