################################################################################
# Checkpoint replication: one role and one replication configuration per pair
################################################################################

locals {
  # S3 Replication Time Control carries a 15-minute SLA: enable it when the RPO needs it.
  rtc_enabled = var.rpo_minutes <= 15
}

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
      # alarms in alarms.tf; 15 minutes is the only threshold S3 accepts.
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
