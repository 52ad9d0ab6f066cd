output "bucket" {
  description = "State bucket name (backend \"s3\" bucket)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "State bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "region" {
  description = "Region of the state bucket (backend \"s3\" region)."
  value       = var.region
}

output "kms_key_arn" {
  description = "KMS key encrypting the state (backend \"s3\" kms_key_id)."
  value       = aws_kms_key.this.arn
}

output "backend_config" {
  description = "Settings for a backend \"s3\" block, apart from key. Locking uses the S3 lock file (use_lockfile, Terraform >= 1.10)."
  value = {
    bucket       = aws_s3_bucket.this.id
    region       = var.region
    encrypt      = true
    kms_key_id   = aws_kms_key.this.arn
    use_lockfile = true
  }
}

output "access_log_bucket" {
  description = "Bucket holding the state bucket's S3 server access logs (prefix s3-access/)."
  value       = aws_s3_bucket.access_logs.id
}
