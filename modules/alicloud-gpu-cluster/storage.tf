################################################################################
# Checkpoint bucket (OSS)
################################################################################

resource "alicloud_oss_bucket" "checkpoint" {
  #checkov:skip=CKV_ALI_11:transfer acceleration is for distant clients over the internet; the nodes reach the bucket in-region over the VPC, and cross-region copies are made by modules/dr-<cloud> when the stack has DR
  bucket          = var.checkpoint_bucket_name
  storage_class   = "Standard"
  redundancy_type = var.checkpoint_redundancy_type
  force_destroy   = false
  tags            = local.tags

  logging {
    target_bucket = alicloud_oss_bucket.access_logs.bucket
    target_prefix = "oss-access/"
  }

  server_side_encryption_rule {
    sse_algorithm     = "KMS"
    kms_master_key_id = var.checkpoint_kms_key_id
  }

  versioning {
    status = "Enabled"
  }

  lifecycle_rule {
    id      = "expire-noncurrent-checkpoints"
    enabled = true
    prefix  = ""

    noncurrent_version_expiration {
      days = var.checkpoint_noncurrent_days
    }

    abort_multipart_upload {
      days = 7
    }
  }
}

resource "alicloud_oss_bucket_acl" "checkpoint" {
  bucket = alicloud_oss_bucket.checkpoint.bucket
  acl    = "private"
}

resource "alicloud_oss_bucket_public_access_block" "checkpoint" {
  bucket              = alicloud_oss_bucket.checkpoint.bucket
  block_public_access = true
}

################################################################################
# Access-log bucket: OSS access logs of the checkpoint bucket (who read or wrote which
# object), kept for access_log_retention_days
################################################################################

locals {
  # OSS writes access logs only to a bucket in the same region and account: "<bucket>-logs",
  # or a shortened name with a hash when that would pass the 63-character limit.
  access_log_bucket_name = length(var.checkpoint_bucket_name) <= 58 ? "${var.checkpoint_bucket_name}-logs" : format(
    "%s-%s-logs", trim(substr(var.checkpoint_bucket_name, 0, 49), "-"), substr(sha1(var.checkpoint_bucket_name), 0, 8)
  )
}

resource "alicloud_oss_bucket" "access_logs" {
  #checkov:skip=CKV_ALI_12:this is the access-log target; logging it would log its own log deliveries
  #checkov:skip=CKV_ALI_11:transfer acceleration is for distant clients over the internet; only OSS itself writes here, in-region
  #checkov:skip=CKV_ALI_6:OSS-managed encryption (AES256): log delivery by OSS is documented for it, and the logs hold request metadata, not checkpoint data
  bucket          = local.access_log_bucket_name
  storage_class   = "Standard"
  redundancy_type = var.checkpoint_redundancy_type
  force_destroy   = false
  tags            = local.tags

  server_side_encryption_rule {
    sse_algorithm = "AES256"
  }

  # Versioned, so a deleted or overwritten log object stays recoverable for 30 days.
  versioning {
    status = "Enabled"
  }

  lifecycle_rule {
    id      = "expire-access-logs"
    enabled = true
    prefix  = ""

    expiration {
      days = var.access_log_retention_days
    }

    noncurrent_version_expiration {
      days = 30
    }
  }
}

resource "alicloud_oss_bucket_acl" "access_logs" {
  bucket = alicloud_oss_bucket.access_logs.bucket
  acl    = "private"
}

resource "alicloud_oss_bucket_public_access_block" "access_logs" {
  bucket              = alicloud_oss_bucket.access_logs.bucket
  block_public_access = true
}
