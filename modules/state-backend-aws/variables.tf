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
