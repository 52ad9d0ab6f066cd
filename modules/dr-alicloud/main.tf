locals {
  tags = merge(var.tags, { "infra-dr" = var.name })

  pairs = { for k, p in var.replication_pairs : k => merge(p, {
    # RTC has a 10-minute SLA but only between the regions OSS lists; elsewhere plain CRR.
    rtc = var.rpo_minutes <= 15 && contains(var.rtc_regions, var.region) && contains(var.rtc_regions, p.destination_region)
  }) }

  pools = merge({}, [for k, r in var.dns_records : {
    for i, t in r.targets : "${k}/${t}" => { record = k, target = t, order = i }
  }]...)

  created_gtm = { for k, r in var.dns_records : k => r if r.gtm_instance_id == null }
  gtm_ids = { for k, r in var.dns_records : k => (
    r.gtm_instance_id != null ? r.gtm_instance_id : alicloud_alidns_gtm_instance.this[k].id
  ) }

  contact_groups = compact([var.alarm_contact_group])
}

################################################################################
# Checkpoint replication: one RAM role and one replication rule per pair
################################################################################

resource "alicloud_ram_role" "replication" {
  for_each = local.pairs

  role_name   = "${var.name}-${each.key}-repl"
  description = "OSS replication ${each.value.source_bucket} -> ${each.value.destination_bucket}"
  assume_role_policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = ["oss.aliyuncs.com"] }
    }]
  })

  lifecycle {
    precondition {
      condition     = length("${var.name}-${each.key}-repl") <= 64
      error_message = "RAM role and policy name ${var.name}-${each.key}-repl is longer than 64 characters; shorten name or the pair key."
    }
  }
}

resource "alicloud_ram_policy" "replication" {
  for_each = local.pairs

  policy_name = "${var.name}-${each.key}-repl"
  description = "OSS replication of ${each.value.source_bucket} to ${each.value.destination_bucket} only."
  policy_document = jsonencode({
    Version = "1"
    Statement = concat([
      {
        Effect   = "Allow"
        Action   = ["oss:ReplicateList", "oss:ReplicateGet"]
        Resource = ["acs:oss:*:*:${each.value.source_bucket}", "acs:oss:*:*:${each.value.source_bucket}/*"]
      },
      {
        Effect   = "Allow"
        Action   = ["oss:ReplicateList", "oss:ReplicateGet", "oss:ReplicatePut", "oss:ReplicateDelete"]
        Resource = ["acs:oss:*:*:${each.value.destination_bucket}", "acs:oss:*:*:${each.value.destination_bucket}/*"]
      },
      ],
      # KMS use is limited to calls OSS makes for these buckets' regions.
      [{
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = ["acs:kms:${var.region}:*:key/*", "acs:kms:${each.value.destination_region}:*:key/*"]
        Condition = {
          StringEquals = { "acs:Service" = "oss.aliyuncs.com" }
        }
      }]
    )
  })
}

resource "alicloud_ram_role_policy_attachment" "replication" {
  for_each = local.pairs

  role_name   = alicloud_ram_role.replication[each.key].role_name
  policy_name = alicloud_ram_policy.replication[each.key].policy_name
  policy_type = "Custom"
}

resource "alicloud_oss_bucket_replication" "this" {
  for_each = local.pairs

  bucket                        = each.value.source_bucket
  action                        = "ALL"
  historical_object_replication = var.replicate_existing_objects ? "enabled" : "disabled"
  sync_role                     = alicloud_ram_role.replication[each.key].role_name

  destination {
    bucket   = each.value.destination_bucket
    location = "oss-${each.value.destination_region}"
  }

  source_selection_criteria {
    sse_kms_encrypted_objects {
      status = each.value.replica_kms_key_id != null ? "Enabled" : "Disabled"
    }
  }

  dynamic "encryption_configuration" {
    for_each = each.value.replica_kms_key_id != null ? [each.value.replica_kms_key_id] : []
    content {
      replica_kms_key_id = encryption_configuration.value
    }
  }

  rtc {
    enabled = each.value.rtc
  }

  lifecycle {
    precondition {
      condition     = each.value.destination_region != var.region
      error_message = "pair ${each.key}: destination_region ${each.value.destination_region} is the source region; disaster recovery needs a copy in another region."
    }
  }

  depends_on = [alicloud_ram_role_policy_attachment.replication]
}

################################################################################
# DNS failover: GTM instance, one DOMAIN address pool per target, access strategy
################################################################################

resource "alicloud_alidns_gtm_instance" "this" {
  for_each = local.created_gtm

  instance_name           = "${var.name}-${each.key}"
  payment_type            = "Subscription"
  period                  = var.gtm_subscription.period_months
  renewal_status          = "AutoRenewal"
  renew_period            = var.gtm_subscription.period_months
  package_edition         = var.gtm_subscription.package_edition
  health_check_task_count = var.gtm_subscription.health_check_task_count
  sms_notification_count  = var.gtm_subscription.sms_notification_count
  cname_type              = "PUBLIC"
  public_cname_mode       = "CUSTOM"
  public_zone_name        = var.dns_zone_name
  public_rr               = "${each.value.name}-gtm"
  public_user_domain_name = "${each.value.name}.${coalesce(var.dns_zone_name, "invalid")}"
  strategy_mode           = "GEO"
  ttl                     = each.value.ttl
  alert_group             = local.contact_groups

  dynamic "alert_config" {
    for_each = length(local.contact_groups) > 0 ? ["ACCESS_STRATEGY_POOL_GROUP_SWITCH", "ADDR_POOL_GROUP_UNAVAILABLE"] : []
    content {
      notice_type     = alert_config.value
      email_notice    = true
      sms_notice      = var.gtm_subscription.sms_notification_count > 0
      dingtalk_notice = false
    }
  }

  lifecycle {
    precondition {
      condition     = var.dns_zone_name != null
      error_message = "dns_records needs dns_zone_name (the Alibaba Cloud DNS domain, a variable of the root module)."
    }
  }
}

resource "alicloud_alidns_address_pool" "this" {
  for_each = local.pools

  address_pool_name = "${each.value.record}-${each.value.target}"
  instance_id       = local.gtm_ids[each.value.record]
  lba_strategy      = "ALL_RR"
  type              = "DOMAIN"

  address {
    address        = lookup(var.endpoints, each.value.target, "")
    attribute_info = var.gtm_address_attribute_info
    mode           = "SMART"
    lba_weight     = 1
    remark         = "cluster ${each.value.target}"
  }

  lifecycle {
    precondition {
      condition     = contains(keys(var.endpoints), each.value.target)
      error_message = "DNS target ${each.value.target} has no hostname in endpoints."
    }
  }
}

resource "alicloud_alidns_monitor_config" "this" {
  for_each = local.pools

  addr_pool_id     = alicloud_alidns_address_pool.this[each.key].id
  protocol_type    = "HTTPS"
  interval         = 60
  evaluation_count = var.health_check.evaluation_count
  timeout          = var.health_check.timeout_ms
  monitor_extend_info = jsonencode({
    host        = lookup(var.endpoints, each.value.target, "")
    path        = var.health_check.path
    port        = var.health_check.port
    code        = var.health_check.failure_status_code
    failureRate = 50
    sni         = true
  })

  dynamic "isp_city_node" {
    for_each = var.gtm_monitor_nodes
    content {
      city_code = isp_city_node.value.city_code
      isp_code  = isp_city_node.value.isp_code
    }
  }
}

# AUTO: GTM answers from the default pool (the primary) while it is healthy and switches to
# the failover pools (every other target) when it is not; the runbook can force FAILOVER.
resource "alicloud_alidns_access_strategy" "this" {
  for_each = var.dns_records

  strategy_name                   = "${each.key}-failover"
  instance_id                     = local.gtm_ids[each.key]
  strategy_mode                   = "GEO"
  access_mode                     = "AUTO"
  default_addr_pool_type          = "DOMAIN"
  default_min_available_addr_num  = 1
  failover_addr_pool_type         = "DOMAIN"
  failover_min_available_addr_num = 1
  failover_lba_strategy           = "RATIO"

  default_addr_pools {
    addr_pool_id = alicloud_alidns_address_pool.this["${each.key}/${each.value.targets[0]}"].id
    lba_weight   = 1
  }

  dynamic "failover_addr_pools" {
    for_each = slice(each.value.targets, 1, length(each.value.targets))
    content {
      addr_pool_id = alicloud_alidns_address_pool.this["${each.key}/${failover_addr_pools.value}"].id
      lba_weight   = 1
    }
  }

  lines {
    line_code = "default"
  }
}

# The service name users resolve, pointed at the GTM access name.
resource "alicloud_alidns_record" "service" {
  for_each = { for k, r in local.created_gtm : k => r if var.dns_zone_name != null }

  domain_name = var.dns_zone_name
  rr          = each.value.name
  type        = "CNAME"
  value       = "${each.value.name}-gtm.${var.dns_zone_name}"
  ttl         = each.value.ttl
}

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
