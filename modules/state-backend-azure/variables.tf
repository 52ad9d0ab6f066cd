variable "name" {
  description = "Prefix of the resource group name (\"<name>-tfstate-rg\")."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must match ^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$ (1-40 lowercase letters, digits, '-'; the stack name)."
  }
}

variable "region" {
  description = "Azure location of the state storage account, for example eastus."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+[a-z0-9]*$", var.region))
    error_message = "region must be an Azure location code such as eastus."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "storage_account_name" {
  description = "State storage account name (3-24 lowercase letters and digits, globally unique, computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3-24 lowercase letters and digits."
  }
}

variable "container_name" {
  description = "Blob container holding the state files."
  type        = string
  default     = "tfstate"

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$", var.container_name))
    error_message = "container_name must be 3-63 lowercase letters, digits and single hyphens."
  }
}

variable "replication_type" {
  description = "Replication of the state account; GZRS (default) survives a zone and a region outage."
  type        = string
  default     = "GZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS"], var.replication_type)
    error_message = "replication_type must be one of LRS, ZRS, GRS, GZRS, RAGRS, RAGZRS."
  }
}

variable "allowed_ip_ranges" {
  description = "Public IPs/CIDRs (CI runners) allowed to reach the state account. Empty (default) leaves the firewall open to Entra-ID-authenticated callers only (shared keys are disabled)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_ip_ranges : can(cidrhost(c, 0)) || can(regex("^[0-9.]+$", c))])
    error_message = "allowed_ip_ranges must be IPv4 addresses or CIDRs."
  }
}

variable "retention_days" {
  description = "Days deleted state blobs and containers stay recoverable."
  type        = number
  default     = 30

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 365
    error_message = "retention_days must be between 1 and 365."
  }
}

variable "log_retention_days" {
  description = "Retention of the Log Analytics workspace holding the state account's blob access logs (who read or wrote state), in days."
  type        = number
  default     = 365

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730 && floor(var.log_retention_days) == var.log_retention_days
    error_message = "log_retention_days must be a whole number between 30 and 730."
  }
}

variable "replication" {
  description = "Replicate the state blobs whose names start with one of prefixes (the stack-wide roots' state) to a container of another region's state account, by object replication, so a failover can still apply those roots while this region is down. The module creates that container (destination_container_name); object replication keeps it read-only until the policy is removed. null (default): no replication."
  type = object({
    destination_storage_account_id = string
    destination_container_name     = optional(string, "tfstate-replica")
    prefixes                       = list(string)
  })
  default = null

  validation {
    condition = var.replication == null || try(
      can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Storage/storageAccounts/[a-z0-9]{3,24}$", var.replication.destination_storage_account_id)) &&
      can(regex("^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$", var.replication.destination_container_name)),
      false
    )
    error_message = "replication.destination_storage_account_id must be a storage account ID (/subscriptions/.../storageAccounts/NAME) and replication.destination_container_name 3-63 lowercase letters, digits and single hyphens."
  }

  validation {
    condition = var.replication == null || try(
      var.replication.destination_container_name != var.container_name &&
      length(var.replication.prefixes) >= 1 &&
      alltrue([for p in var.replication.prefixes : length(p) >= 1 && length(p) <= 1024]),
      false
    )
    error_message = "replication.destination_container_name must differ from container_name (a replication destination is read-only), and replication.prefixes must hold at least one blob name prefix of 1 to 1024 characters."
  }
}
