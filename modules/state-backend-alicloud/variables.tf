variable "name" {
  description = "Name of the state OSS bucket (globally unique, computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3-63 lowercase letters, digits and '-', not starting or ending with '-'."
  }
}

variable "region" {
  description = "Alibaba Cloud region id of the bucket and the Tablestore instance, for example cn-beijing."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z0-9-]+$", var.region))
    error_message = "region must be an Alibaba Cloud region id such as cn-beijing."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "tablestore_instance_name" {
  description = "Tablestore instance for the lock table (3-16 letters, digits, '-', starting with a letter; unique in the region)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,14}[a-zA-Z0-9]$", var.tablestore_instance_name))
    error_message = "tablestore_instance_name must be 3-16 letters, digits and '-', starting with a letter."
  }
}

variable "kms_key_id" {
  description = "KMS key id for server-side encryption of the state; null uses the OSS-managed KMS key."
  type        = string
  default     = null
}

variable "noncurrent_version_days" {
  description = "Days an old state version is kept."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "access_log_retention_days" {
  description = "Days the state bucket's OSS access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 1 && floor(var.access_log_retention_days) == var.access_log_retention_days
    error_message = "access_log_retention_days must be a whole number of at least 1."
  }
}
