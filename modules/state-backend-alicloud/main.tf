# Locking: backend "oss" locks through a Tablestore table whose primary key is the string
# column LockID (tablestore_endpoint + tablestore_table in the backend block).

locals {
  # OSS writes access logs only to a bucket in the same region and account: "<bucket>-logs",
  # or a shortened name with a hash when that would pass the 63-character limit.
  access_log_bucket_name = length(var.name) <= 58 ? "${var.name}-logs" : format(
    "%s-%s-logs", trim(substr(var.name, 0, 49), "-"), substr(sha1(var.name), 0, 8)
  )
}

resource "alicloud_oss_bucket" "this" {
  #checkov:skip=CKV_ALI_11:transfer acceleration is for distant clients over the internet; state is a few small objects read by Terraform runs
  bucket          = var.name
  storage_class   = "Standard"
  redundancy_type = "ZRS"
  force_destroy   = false
  tags            = var.tags

  logging {
    target_bucket = alicloud_oss_bucket.access_logs.bucket
    target_prefix = "oss-access/"
  }

  server_side_encryption_rule {
    sse_algorithm     = "KMS"
    kms_master_key_id = var.kms_key_id
  }

  versioning {
    status = "Enabled"
  }

  lifecycle_rule {
    id      = "expire-noncurrent-state"
    enabled = true
    prefix  = ""

    noncurrent_version_expiration {
      days = var.noncurrent_version_days
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "alicloud_oss_bucket_acl" "this" {
  bucket = alicloud_oss_bucket.this.bucket
  acl    = "private"
}

resource "alicloud_oss_bucket_public_access_block" "this" {
  bucket              = alicloud_oss_bucket.this.bucket
  block_public_access = true
}

resource "alicloud_ots_instance" "lock" {
  name          = var.tablestore_instance_name
  description   = "Terraform state locks for ${var.name}"
  instance_type = "HighPerformance"
  accessed_by   = "Any"
  tags          = var.tags
}

resource "alicloud_ots_table" "lock" {
  instance_name = alicloud_ots_instance.lock.name
  table_name    = "terraform_state_lock"
  time_to_live  = -1
  max_version   = 1

  primary_key {
    name = "LockID"
    type = "String"
  }
}

################################################################################
# Access-log bucket: OSS access logs of the state bucket (who read or wrote which
# object), kept for access_log_retention_days
################################################################################

resource "alicloud_oss_bucket" "access_logs" {
  #checkov:skip=CKV_ALI_12:this is the access-log target; logging it would log its own log deliveries
  #checkov:skip=CKV_ALI_11:transfer acceleration is for distant clients over the internet; only OSS itself writes here, in-region
  #checkov:skip=CKV_ALI_6:OSS-managed encryption (AES256): log delivery by OSS is documented for it, and the logs hold request metadata, not state data
  bucket          = local.access_log_bucket_name
  storage_class   = "Standard"
  redundancy_type = "ZRS"
  force_destroy   = false
  tags            = var.tags

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

  lifecycle {
    prevent_destroy = true
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
