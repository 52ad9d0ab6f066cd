# Locking: backend "oss" locks through a Tablestore table whose primary key is the string
# column LockID (tablestore_endpoint + tablestore_table in the backend block).

resource "alicloud_oss_bucket" "this" {
  bucket          = var.name
  storage_class   = "Standard"
  redundancy_type = "ZRS"
  force_destroy   = false
  tags            = var.tags

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
