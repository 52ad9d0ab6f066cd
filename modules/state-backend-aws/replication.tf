################################################################################
# Replication of the stack-wide roots' state (var.replication): the state objects under the
# given key prefixes, and their lock files, are copied to the state bucket of another region
# by S3 replication, re-encrypted there with that bucket's KMS key. A failover then applies
# the _dr root against that copy while this region is down (docs/state.md).
#
# SSE-KMS objects are replicated only when the rule says so (source_selection_criteria) and
# names the destination key; the role needs kms:Decrypt on this key and kms:Encrypt on the
# destination's ("Replicating encrypted objects", docs.aws.amazon.com/AmazonS3/latest/
# userguide/replication-config-for-kms-objects.html). Both buckets are versioned, which S3
# replication requires.
################################################################################

locals {
  replication = var.replication == null ? {} : { state = var.replication }
  # arn:aws:kms:REGION:ACCOUNT:key/ID: the destination's region, for kms:ViaService.
  replication_destination_region = var.replication == null ? null : split(":", var.replication.destination_kms_key_arn)[3]
}

data "aws_iam_policy_document" "replication_assume" {
  for_each = local.replication

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
      values   = [aws_s3_bucket.this.arn]
    }
  }
}

# Least privilege: read this bucket's replication configuration and the versions of the
# replicated keys only, write replicas of those keys only, and use the two keys only through
# S3 for these two buckets (kms:ViaService and the S3 encryption context, which with S3
# Bucket Keys is the bucket ARN, else the object ARN).
data "aws_iam_policy_document" "replication" {
  for_each = local.replication

  statement {
    sid       = "ReadSourceConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [aws_s3_bucket.this.arn]
  }

  statement {
    sid       = "ReadSourceVersions"
    actions   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
    resources = [for p in each.value.prefixes : "${aws_s3_bucket.this.arn}/${p}*"]
  }

  statement {
    sid       = "WriteReplicas"
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = [for p in each.value.prefixes : "${each.value.destination_bucket_arn}/${p}*"]
  }

  statement {
    sid       = "DecryptSource"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.region}.${data.aws_partition.current.dns_suffix}"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    }
  }

  statement {
    sid       = "EncryptReplicas"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = [each.value.destination_kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.replication_destination_region}.${data.aws_partition.current.dns_suffix}"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:s3:arn"
      values   = [each.value.destination_bucket_arn, "${each.value.destination_bucket_arn}/*"]
    }
  }
}

resource "aws_iam_role" "replication" {
  for_each = local.replication

  name_prefix        = "${substr(var.name, 0, 25)}-tfstate-"
  description        = "S3 replication of the stack-wide Terraform state in ${var.name} to ${each.value.destination_bucket_arn}"
  assume_role_policy = data.aws_iam_policy_document.replication_assume[each.key].json
  tags               = var.tags
}

resource "aws_iam_role_policy" "replication" {
  for_each = local.replication

  name   = "state-replication"
  role   = aws_iam_role.replication[each.key].id
  policy = data.aws_iam_policy_document.replication[each.key].json
}

resource "aws_s3_bucket_replication_configuration" "this" {
  for_each = local.replication

  bucket = aws_s3_bucket.this.id
  role   = aws_iam_role.replication[each.key].arn

  # One rule per prefix (a filter takes one prefix), each with its own priority. A prefix
  # "<stack>/<root>.tfstate" also covers the lock file "<key>.tflock"; replicated delete markers
  # remove a replicated lock file once its run ends here, so no stale lock waits on the replica.
  dynamic "rule" {
    for_each = { for i, p in each.value.prefixes : p => i }
    content {
      id       = "stack-wide-state-${rule.value}"
      priority = rule.value
      status   = "Enabled"

      filter {
        prefix = rule.key
      }

      delete_marker_replication {
        status = "Enabled"
      }

      source_selection_criteria {
        sse_kms_encrypted_objects {
          status = "Enabled"
        }
      }

      destination {
        bucket        = each.value.destination_bucket_arn
        storage_class = "STANDARD"

        encryption_configuration {
          replica_kms_key_id = each.value.destination_kms_key_arn
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = local.replication_destination_region != var.region
      error_message = "replication: the destination key is in ${var.region}, this bucket's region; the replica must be in another region to survive its outage."
    }
  }

  depends_on = [aws_s3_bucket_versioning.this, aws_iam_role_policy.replication]
}
