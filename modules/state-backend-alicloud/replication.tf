################################################################################
# Replication of the stack-wide roots' state (var.replication): OSS cross-region replication
# copies the state objects under the given name prefixes to the state bucket of another region,
# so a failover can apply the _dr root against that copy while this region is down
# (docs/state.md). Both state buckets are versioned, as replication between versioned buckets
# requires ("Enable data replication only between two buckets that have the same versioning
# state", alibabacloud.com/help/en/oss/user-guide/crr-in-specific-scenarios). Locks live in each
# region's Tablestore table and are not replicated.
#
# Encryption (same page): objects encrypted with the OSS-managed KMS key (kms_key_id null) are
# replicated as they are; objects encrypted with a named key only when the rule names a key for
# the replicas (replica_kms_key_id, with SSE-KMS replication enabled).
################################################################################

locals {
  replication = var.replication == null ? {} : { state = var.replication }
  # RAM role and policy names: at most 64 characters.
  replication_role = format("%s-repl", substr(var.name, 0, 59))
}

resource "alicloud_ram_role" "replication" {
  for_each = local.replication

  role_name   = local.replication_role
  description = "OSS replication of the stack-wide Terraform state in ${var.name} to ${each.value.destination_bucket}"
  assume_role_policy_document = jsonencode({
    Version = "1"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = ["oss.aliyuncs.com"] }
    }]
  })
}

# Least privilege: list and read the replicated names here, write and delete replicas of them
# there, and KMS only through OSS in the two regions.
resource "alicloud_ram_policy" "replication" {
  for_each = local.replication

  policy_name = local.replication_role
  description = "OSS replication of the stack-wide state of ${var.name} to ${each.value.destination_bucket} only."
  policy_document = jsonencode({
    Version = "1"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["oss:ReplicateList", "oss:ReplicateGet"]
        Resource = concat(["acs:oss:*:*:${var.name}"], [for p in each.value.prefixes : "acs:oss:*:*:${var.name}/${p}*"])
      },
      {
        Effect   = "Allow"
        Action   = ["oss:ReplicateList", "oss:ReplicateGet", "oss:ReplicatePut", "oss:ReplicateDelete"]
        Resource = concat(["acs:oss:*:*:${each.value.destination_bucket}"], [for p in each.value.prefixes : "acs:oss:*:*:${each.value.destination_bucket}/${p}*"])
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = ["acs:kms:${var.region}:*:key/*", "acs:kms:${each.value.destination_region}:*:key/*"]
        Condition = {
          StringEquals = { "acs:Service" = "oss.aliyuncs.com" }
        }
      },
    ]
  })
}

resource "alicloud_ram_role_policy_attachment" "replication" {
  for_each = local.replication

  role_name   = alicloud_ram_role.replication[each.key].role_name
  policy_name = alicloud_ram_policy.replication[each.key].policy_name
  policy_type = "Custom"
}

resource "alicloud_oss_bucket_replication" "state" {
  for_each = local.replication

  bucket = alicloud_oss_bucket.this.bucket
  # ALL: writes and deletes, so a replicated state follows every change of the source.
  action                        = "ALL"
  historical_object_replication = "enabled"
  sync_role                     = alicloud_ram_role.replication[each.key].role_name

  prefix_set {
    prefixes = each.value.prefixes
  }

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

  depends_on = [alicloud_ram_role_policy_attachment.replication]
}
