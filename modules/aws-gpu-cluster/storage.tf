################################################################################
# Checkpoint bucket
################################################################################

resource "aws_s3_bucket" "checkpoint" {
  #checkov:skip=CKV_AWS_144:replicated by modules/dr-<cloud> when the stack has DR; a stack without DR keeps checkpoints in-region (versioned)
  #checkov:skip=CKV2_AWS_62:no consumer of object events: nothing reacts to checkpoint writes, and the notification configuration is one per bucket, left to whoever adds a consumer
  bucket = var.checkpoint_bucket_name
  tags   = local.tags
}

resource "aws_s3_bucket_ownership_controls" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "checkpoint" {
  bucket                  = aws_s3_bucket.checkpoint.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id
  rule {
    bucket_key_enabled = true
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.checkpoint.arn
    }
  }
}

resource "aws_s3_bucket_versioning" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id

  rule {
    id     = "expire-noncurrent-checkpoints"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.checkpoint_noncurrent_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.checkpoint]
}

data "aws_iam_policy_document" "checkpoint_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.checkpoint.arn, "${aws_s3_bucket.checkpoint.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "checkpoint" {
  bucket = aws_s3_bucket.checkpoint.id
  policy = data.aws_iam_policy_document.checkpoint_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.checkpoint]
}

resource "aws_s3_bucket_logging" "checkpoint" {
  bucket        = aws_s3_bucket.checkpoint.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "s3-access/"

  target_object_key_format {
    partitioned_prefix {
      partition_date_source = "EventTime"
    }
  }

  depends_on = [aws_s3_bucket_policy.access_logs]
}

################################################################################
# Access-log bucket: S3 server access logs of the checkpoint bucket (who read or wrote
# which checkpoint), kept for log_retention_days
################################################################################

locals {
  # S3 delivers server access logs only to a bucket in the source bucket's region and
  # account, so each checkpoint bucket gets its own log bucket: "<checkpoint>-logs", or a
  # shortened name with a hash when that would pass the 63-character limit.
  access_log_bucket_name = length(var.checkpoint_bucket_name) <= 58 ? "${var.checkpoint_bucket_name}-logs" : format(
    "%s-%s-logs", trim(substr(var.checkpoint_bucket_name, 0, 49), ".-"), substr(sha1(var.checkpoint_bucket_name), 0, 8)
  )
}

# Not access-logged itself: that would log its own log deliveries. (checkov's CKV_AWS_18
# passes here only because it counts the aws_s3_bucket_logging that targets this bucket.)
resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_144:access logs stay in the region of the bucket they describe (S3 delivers them only there)
  #checkov:skip=CKV2_AWS_62:no consumer of object events for log objects
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES-256): the encryption S3 documents for server access log targets; the logs hold request metadata, not checkpoint data
  bucket = local.access_log_bucket_name
  tags   = local.tags

  # False: a destroy stops at a bucket that holds logs (infra destroy keeps it instead).
  force_destroy = var.access_log_force_destroy
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioned, so a deleted or overwritten log object stays recoverable for 30 days.
resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}

data "aws_iam_policy_document" "access_logs" {
  statement {
    sid       = "S3ServerAccessLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.access_logs.arn}/s3-access/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.checkpoint.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs.json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}
