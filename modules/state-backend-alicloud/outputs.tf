output "bucket" {
  description = "State bucket (backend \"oss\" bucket)."
  value       = alicloud_oss_bucket.this.bucket
}

output "region" {
  description = "Region of the bucket and lock table (backend \"oss\" region)."
  value       = var.region
}

output "tablestore_endpoint" {
  description = "Tablestore endpoint of the lock instance (backend \"oss\" tablestore_endpoint)."
  value       = "https://${alicloud_ots_instance.lock.name}.${var.region}.ots.aliyuncs.com"
}

output "tablestore_table" {
  description = "Lock table name (backend \"oss\" tablestore_table)."
  value       = alicloud_ots_table.lock.table_name
}

output "backend_config" {
  description = "Settings for a backend \"oss\" block, apart from key/prefix."
  value = {
    bucket              = alicloud_oss_bucket.this.bucket
    region              = var.region
    encrypt             = true
    tablestore_endpoint = "https://${alicloud_ots_instance.lock.name}.${var.region}.ots.aliyuncs.com"
    tablestore_table    = alicloud_ots_table.lock.table_name
  }
}

output "access_log_bucket" {
  description = "Bucket holding the state bucket's OSS access logs (prefix oss-access/)."
  value       = alicloud_oss_bucket.access_logs.bucket
}
