################################################################################
# DNS failover: GTM instance, one DOMAIN address pool per target, access strategy
################################################################################

locals {
  pools = merge({}, [for k, r in var.dns_records : {
    for i, t in r.targets : "${k}/${t}" => { record = k, target = t, order = i }
  }]...)

  created_gtm = { for k, r in var.dns_records : k => r if r.gtm_instance_id == null }
  gtm_ids = { for k, r in var.dns_records : k => (
    r.gtm_instance_id != null ? r.gtm_instance_id : alicloud_alidns_gtm_instance.this[k].id
  ) }
}

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
