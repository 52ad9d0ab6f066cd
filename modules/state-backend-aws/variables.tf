variable "name" {
  description = "Name of the state bucket (globally unique S3 name, computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name)) && !can(regex("\\.\\.|^xn--|-s3alias$", var.name))
    error_message = "name must be a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')."
  }
}

variable "region" {
  description = "AWS region of the state bucket (the provider is configured by the root module; this is recorded in backend_config)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as us-east-1."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "noncurrent_version_days" {
  description = "Days an old state version is kept (state history for recovery)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the state KMS key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "access_log_retention_days" {
  description = "Days the state bucket's S3 server access logs (who read or wrote state) are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 1 && floor(var.access_log_retention_days) == var.access_log_retention_days
    error_message = "access_log_retention_days must be a whole number of at least 1."
  }
}

variable "replication" {
  description = "Replicate the state objects whose keys start with one of prefixes (the stack-wide roots' state) to the state bucket of another region, re-encrypted there with that bucket's KMS key, so a failover can still apply those roots while this region is down. null (default): no replication."
  type = object({
    destination_bucket_arn  = string
    destination_kms_key_arn = string
    prefixes                = list(string)
  })
  default = null

  validation {
    condition = var.replication == null || try(
      can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.replication.destination_bucket_arn)) &&
      can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.replication.destination_kms_key_arn)),
      false
    )
    error_message = "replication.destination_bucket_arn must be an S3 bucket ARN and replication.destination_kms_key_arn a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }

  validation {
    condition = var.replication == null || try(
      length(var.replication.prefixes) >= 1 &&
      alltrue([for p in var.replication.prefixes : length(p) >= 1 && length(p) <= 1024]),
      false
    )
    error_message = "replication.prefixes must hold at least one key prefix of 1 to 1024 characters (an S3 object key is at most 1024 bytes)."
  }
}
