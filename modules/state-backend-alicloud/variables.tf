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

variable "replication" {
  description = "Replicate the state objects whose names start with one of prefixes (the stack-wide roots' state) to the state bucket of another region, by OSS cross-region replication, so a failover can still apply those roots while this region is down. replica_kms_key_id: the KMS key the replicas are encrypted with, required when kms_key_id is set (objects encrypted with a named key are replicated only with one). null (default): no replication."
  type = object({
    destination_bucket = string
    destination_region = string
    prefixes           = list(string)
    replica_kms_key_id = optional(string)
  })
  default = null

  validation {
    condition = var.replication == null || try(
      can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.replication.destination_bucket)) &&
      can(regex("^[a-z]{2}-[a-z0-9-]+$", var.replication.destination_region)) &&
      var.replication.destination_region != var.region,
      false
    )
    error_message = "replication.destination_bucket must be an OSS bucket name and replication.destination_region an Alibaba Cloud region id other than region (the replica must survive this region's outage)."
  }

  validation {
    condition = var.replication == null || try(
      length(var.replication.prefixes) >= 1 && length(var.replication.prefixes) <= 10 &&
      alltrue([for p in var.replication.prefixes : length(p) >= 1 && length(p) <= 1023]),
      false
    )
    error_message = "replication.prefixes must hold 1 to 10 object name prefixes (OSS: at most 10 per replication rule) of 1 to 1023 characters."
  }

  validation {
    condition     = var.replication == null || var.kms_key_id == null || try(var.replication.replica_kms_key_id != null, false)
    error_message = "replication.replica_kms_key_id is required when kms_key_id is set: OSS replicates objects encrypted with a named KMS key only with a key for the replicas."
  }
}
