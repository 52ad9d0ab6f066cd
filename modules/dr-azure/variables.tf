variable "name" {
  description = "Prefix of every resource name, \"<stack>-dr\" (computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{1,38}[a-z0-9]$ (3-40 lowercase letters, digits, '-')."
  }
}

variable "region" {
  description = "Azure location of the resource group holding the Traffic Manager profiles and alert rules (the stack's first Azure region)."
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

variable "rpo_minutes" {
  description = "Recovery point objective of the stack, in minutes. Object replication has no SLA; the replication alert fires when operations stay pending for the longest Azure Monitor window that fits in the RPO."
  type        = number

  validation {
    condition     = var.rpo_minutes >= 1 && var.rpo_minutes <= 1440 && floor(var.rpo_minutes) == var.rpo_minutes
    error_message = "rpo_minutes must be a whole number of minutes from 1 to 1440."
  }
}

variable "subscription_id" {
  description = "Subscription of the checkpoint storage accounts and clusters; null uses the provider's subscription."
  type        = string
  default     = null

  validation {
    condition     = var.subscription_id == null || can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.subscription_id))
    error_message = "subscription_id must be a subscription GUID or null."
  }
}

variable "replication_pairs" {
  description = "Checkpoint object replication, keyed by protected cluster: source storage account -> destination storage account in another Azure region (both created by azure-gpu-cluster, which names their resource group \"<cluster name>-rg\"). Cross-cloud pairs cannot use object replication and do not belong here."
  type = map(object({
    source_resource_group       = string
    source_storage_account      = string
    destination_resource_group  = string
    destination_storage_account = string
    container                   = optional(string, "checkpoints")
    destination_container       = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, _ in var.replication_pairs : can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", k))])
    error_message = "replication_pairs keys must be 1-40 lowercase letters, digits and '-'."
  }

  validation {
    condition = alltrue(flatten([for p in var.replication_pairs : [
      for a in [p.source_storage_account, p.destination_storage_account] : can(regex("^[a-z0-9]{3,24}$", a))
    ]]))
    error_message = "storage account names must be 3-24 lowercase letters and digits."
  }

  validation {
    condition     = alltrue([for p in var.replication_pairs : p.source_storage_account != p.destination_storage_account])
    error_message = "a replication pair must copy to a different storage account."
  }

  validation {
    condition = alltrue(flatten([for p in var.replication_pairs : [
      for c in compact([p.container, p.destination_container]) : can(regex("^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$", c))
    ]]))
    error_message = "container names must be 3-63 lowercase letters, digits and single hyphens."
  }
}

variable "replicate_existing_blobs" {
  description = "Also copy blobs that existed before the policy (copy_blobs_created_after = Everything); false copies only new blobs."
  type        = bool
  default     = true
}

variable "dns_records" {
  description = "Failover names, keyed by protected cluster: one Traffic Manager profile each with priority routing over targets (cluster keys of endpoints, in failover order: first = priority 1). traffic_manager_name is the profile's globally unique DNS label under trafficmanager.net; name is the record created in dns_zone (when given) as a CNAME to the profile."
  type = map(object({
    name                 = string
    traffic_manager_name = string
    targets              = list(string)
    ttl                  = optional(number, 60)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, _ in var.dns_records : can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", k))])
    error_message = "dns_records keys must be 1-40 lowercase letters, digits and '-'."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : can(regex("^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$", r.traffic_manager_name))])
    error_message = "traffic_manager_name must be a DNS label (2-63 lowercase letters, digits and '-')."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", r.name))])
    error_message = "dns_records name must be a relative DNS name (lowercase labels, no trailing dot)."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : length(r.targets) >= 2 && length(r.targets) <= 200 && length(distinct(r.targets)) == length(r.targets)])
    error_message = "each DNS record needs 2 to 200 distinct targets (a primary and at least one secondary)."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : r.ttl >= 0 && r.ttl <= 2147483647])
    error_message = "ttl must be a non-negative number of seconds."
  }
}

variable "endpoints" {
  description = "Hostname that serves each cluster's traffic (ingress or load balancer), by cluster key, as used in dns_records targets; each becomes a Traffic Manager external endpoint."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for h in values(var.endpoints) : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", h))])
    error_message = "endpoints values must be fully qualified hostnames (lowercase, no trailing dot)."
  }
}

variable "dns_zone" {
  description = "Azure DNS zone (name and resource group) where each record's name becomes a CNAME to its Traffic Manager profile. Users provide it (a root variable); null leaves the CNAME to whoever hosts the zone."
  type = object({
    name                = string
    resource_group_name = string
  })
  default = null
}

variable "health_check" {
  description = "Traffic Manager endpoint monitoring: HTTPS on port, GET path, every interval_seconds (10 or 30), timeout_seconds, endpoint degraded after tolerated_failures further failures."
  type = object({
    port               = optional(number, 443)
    path               = optional(string, "/healthz")
    interval_seconds   = optional(number, 30)
    timeout_seconds    = optional(number, 10)
    tolerated_failures = optional(number, 3)
  })
  default = {}

  validation {
    condition     = var.health_check.port >= 1 && var.health_check.port <= 65535 && startswith(var.health_check.path, "/")
    error_message = "health_check.port must be 1-65535 and health_check.path must start with '/'."
  }

  validation {
    condition     = contains([10, 30], var.health_check.interval_seconds) && var.health_check.timeout_seconds >= 5 && var.health_check.timeout_seconds <= 10 && var.health_check.tolerated_failures >= 0 && var.health_check.tolerated_failures <= 9
    error_message = "health_check needs interval_seconds 10 or 30, timeout_seconds 5-10 and tolerated_failures 0-9."
  }
}

variable "standby_clusters" {
  description = "AKS clusters holding DR standby pools: cluster name, its resource group (\"<cluster name>-rg\") and the standby pool names (for the alert text). One alert each on the cluster autoscaler's unschedulable pods."
  type = list(object({
    cluster_name        = string
    resource_group_name = string
    pools               = list(string)
  }))
  default = []
}

variable "action_group_id" {
  description = "Azure Monitor action group notified by every alert; null: the alerts fire in Azure Monitor but notify no one."
  type        = string
  default     = null

  validation {
    condition     = var.action_group_id == null || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/microsoft.insights/actionGroups/[^/]+$", var.action_group_id))
    error_message = "action_group_id must be an action group resource id."
  }
}

variable "lag_aggregation" {
  description = "Aggregation of PendingOperationsForReplication over the window. Minimum (default) > 0 means the backlog never drained during a whole window; Average or Maximum alert sooner and more often."
  type        = string
  default     = "Minimum"

  validation {
    condition     = contains(["Average", "Minimum", "Maximum"], var.lag_aggregation)
    error_message = "lag_aggregation must be Average, Minimum or Maximum."
  }
}
