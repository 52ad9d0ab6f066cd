locals {
  tags = merge(var.tags, { "infra-dr" = var.name })

  pairs = { for k, p in var.replication_pairs : k => merge(p, {
    # RTC has a 10-minute SLA but only between the regions OSS lists; elsewhere plain CRR.
    rtc = var.rpo_minutes <= 15 && contains(var.rtc_regions, var.region) && contains(var.rtc_regions, p.destination_region)
  }) }

  contact_groups = compact([var.alarm_contact_group])
}
