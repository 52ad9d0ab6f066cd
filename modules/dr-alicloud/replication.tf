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
