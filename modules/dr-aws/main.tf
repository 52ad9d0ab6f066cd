data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  tags       = merge(var.tags, { "infra/dr" = var.name })

  # S3 Replication Time Control carries a 15-minute SLA: enable it when the RPO needs it.
  rtc_enabled = var.rpo_minutes <= 15

  pairs = { for k, p in var.replication_pairs : k => merge(p, {
    rule_id            = "checkpoints-${k}"
    source_arn         = "arn:${local.partition}:s3:::${p.source_bucket}"
    destination_arn    = "arn:${local.partition}:s3:::${p.destination_bucket}"
    destination_owner  = coalesce(p.destination_account_id, local.account_id)
    cross_account      = p.destination_account_id != null && p.destination_account_id != local.account_id
    destination_kms_id = startswith(p.destination_kms_key, "arn:") ? p.destination_kms_key : "arn:${local.partition}:kms:${p.destination_region}:${coalesce(p.destination_account_id, local.account_id)}:${p.destination_kms_key}"
  }) }

  # Route 53 failover records have two tiers (PRIMARY, SECONDARY). An ordered list of N
  # targets becomes N-1 tiers: tier n answers targets[n] while healthy, else the next tier.
  tiers = merge({}, [for k, r in var.dns_records : {
    for n in range(length(r.targets) - 1) : "${k}/${n}" => {
      record    = k
      n         = n
      name      = n == 0 ? r.name : "${r.name}-failover-${n}"
      ttl       = r.ttl
      primary   = r.targets[n]
      secondary = r.targets[n + 1]
      last      = n == length(r.targets) - 2
      next      = "${k}/${n + 1}"
    }
  }]...)
  checked_endpoints = toset(flatten([for r in var.dns_records : r.targets]))

  standby_asg_prefixes = [for g in var.standby_node_groups : { prefix = "eks-${g.node_group_name}-" }]
}

################################################################################
# Checkpoint replication: one role and one replication configuration per pair
################################################################################

data "aws_iam_policy_document" "replication_assume" {
  for_each = local.pairs

  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [each.value.source_arn]
    }
  }
}

data "aws_iam_policy_document" "replication" {
  for_each = local.pairs

  statement {
    sid       = "ReadSourceConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [each.value.source_arn]
  }

  statement {
    sid       = "ReadSourceVersions"
    actions   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    resources = ["${each.value.source_arn}/*"]
  }

  statement {
    sid       = "WriteReplicas"
    actions   = concat(["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], each.value.cross_account ? ["s3:ObjectOwnerOverrideToBucketOwner"] : [])
    resources = ["${each.value.destination_arn}/*"]
  }

  # Without pinned key ARNs the grants cover keys of the two regions, but only for S3 calls
  # on these two buckets (kms:ViaService + the S3 encryption context).
  statement {
    sid       = "DecryptSource"
    actions   = ["kms:Decrypt"]
    resources = [coalesce(each.value.source_kms_key_arn, "arn:${local.partition}:kms:${var.region}:${local.account_id}:key/*")]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [each.value.source_arn, "${each.value.source_arn}/*"]
    }
  }

  statement {
    sid       = "EncryptReplicas"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = [coalesce(each.value.destination_kms_key_arn, "arn:${local.partition}:kms:${each.value.destination_region}:${each.value.destination_owner}:key/*")]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${each.value.destination_region}.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [each.value.destination_arn, "${each.value.destination_arn}/*"]
    }
  }
}

resource "aws_iam_role" "replication" {
  for_each = local.pairs

  name_prefix        = "${substr("${var.name}-${each.key}", 0, 26)}-repl-"
  description        = "S3 replication ${each.value.source_bucket} -> ${each.value.destination_bucket}"
  assume_role_policy = data.aws_iam_policy_document.replication_assume[each.key].json
  tags               = local.tags
}

resource "aws_iam_role_policy" "replication" {
  for_each = local.pairs

  name   = "checkpoint-replication"
  role   = aws_iam_role.replication[each.key].id
  policy = data.aws_iam_policy_document.replication[each.key].json
}

resource "aws_s3_bucket_replication_configuration" "this" {
  for_each = local.pairs

  bucket = each.value.source_bucket
  role   = aws_iam_role.replication[each.key].arn

  rule {
    id     = each.value.rule_id
    status = "Enabled"

    filter {
      prefix = var.replication_prefix
    }

    delete_marker_replication {
      status = var.replicate_delete_markers ? "Enabled" : "Disabled"
    }

    # Checkpoint buckets are SSE-KMS: without this S3 skips every object.
    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket        = each.value.destination_arn
      storage_class = "STANDARD"
      account       = each.value.cross_account ? each.value.destination_account_id : null

      dynamic "access_control_translation" {
        for_each = each.value.cross_account ? ["Destination"] : []
        content {
          owner = access_control_translation.value
        }
      }

      encryption_configuration {
        replica_kms_key_id = each.value.destination_kms_id
      }

      dynamic "replication_time" {
        for_each = local.rtc_enabled ? [15] : []
        content {
          status = "Enabled"
          time {
            minutes = replication_time.value
          }
        }
      }

      # Replication metrics (ReplicationLatency, OperationsFailedReplication, ...) feed the
      # alarms below; 15 minutes is the only threshold S3 accepts.
      metrics {
        status = "Enabled"
        event_threshold {
          minutes = 15
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = each.value.destination_region != var.region
      error_message = "pair ${each.key}: destination_region ${each.value.destination_region} is the source region; disaster recovery needs a copy in another region."
    }
  }

  depends_on = [aws_iam_role_policy.replication]
}

################################################################################
# DNS failover: Route 53 health checks and chained failover records
################################################################################

resource "aws_route53_health_check" "this" {
  for_each = local.checked_endpoints

  type              = "HTTPS"
  fqdn              = lookup(var.endpoints, each.key, "")
  port              = var.health_check.port
  resource_path     = var.health_check.path
  failure_threshold = var.health_check.failure_threshold
  request_interval  = var.health_check.request_interval
  enable_sni        = true
  tags              = merge(local.tags, { Name = "${var.name}-${each.key}" })

  lifecycle {
    precondition {
      condition     = contains(keys(var.endpoints), each.key)
      error_message = "DNS target ${each.key} has no hostname in endpoints."
    }
  }
}

resource "aws_route53_record" "primary" {
  for_each = local.tiers

  zone_id         = var.dns_zone_id
  name            = each.value.name
  type            = "CNAME"
  ttl             = each.value.ttl
  records         = [var.endpoints[each.value.primary]]
  set_identifier  = "${each.value.record}-${each.value.n}-primary"
  health_check_id = aws_route53_health_check.this[each.value.primary].id

  failover_routing_policy {
    type = "PRIMARY"
  }

  lifecycle {
    precondition {
      condition     = var.dns_zone_id != null
      error_message = "dns_records needs dns_zone_id (the Route 53 hosted zone, a variable of the root module)."
    }
  }
}

# The last tier answers with the last target; earlier tiers hand over to the next tier.
resource "aws_route53_record" "secondary_endpoint" {
  for_each = { for k, t in local.tiers : k => t if t.last }

  zone_id         = var.dns_zone_id
  name            = each.value.name
  type            = "CNAME"
  ttl             = each.value.ttl
  records         = [var.endpoints[each.value.secondary]]
  set_identifier  = "${each.value.record}-${each.value.n}-secondary"
  health_check_id = aws_route53_health_check.this[each.value.secondary].id

  failover_routing_policy {
    type = "SECONDARY"
  }
}

resource "aws_route53_record" "secondary_tier" {
  for_each = { for k, t in local.tiers : k => t if !t.last }

  zone_id        = var.dns_zone_id
  name           = each.value.name
  type           = "CNAME"
  set_identifier = "${each.value.record}-${each.value.n}-secondary"

  alias {
    name                   = aws_route53_record.primary[each.value.next].fqdn
    zone_id                = var.dns_zone_id
    evaluate_target_health = true
  }

  failover_routing_policy {
    type = "SECONDARY"
  }

  depends_on = [aws_route53_record.secondary_endpoint]
}

################################################################################
# Alarms: replication lag over the RPO, failed replication, standby pools that cannot scale
################################################################################

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
