variable "name" {
  description = "Prefix of every resource name, \"<stack>-dr-<region>\" (computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{1,38}[a-z0-9]$ (3-40 lowercase letters, digits, '-')."
  }
}

variable "region" {
  description = "AWS region the provider of this module call is configured for. Replication is configured on source buckets and their alarms live where S3 publishes the metrics, so every replication_pairs source bucket and every standby_node_groups cluster must be in this region."
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

variable "rpo_minutes" {
  description = "Recovery point objective of the stack, in minutes. S3 Replication Time Control (15-minute SLA) is enabled when it is 15 or less; the replication-lag alarms fire when ReplicationLatency exceeds it."
  type        = number

  validation {
    condition     = var.rpo_minutes >= 1 && var.rpo_minutes <= 1440 && floor(var.rpo_minutes) == var.rpo_minutes
    error_message = "rpo_minutes must be a whole number of minutes from 1 to 1440."
  }
}

variable "replication_pairs" {
  description = "Checkpoint replication, keyed by protected cluster: source bucket (in var.region) -> destination bucket in another AWS region. destination_account_id null means this account. destination_kms_key is the key ARN, or an alias name (\"alias/...\") resolved in the destination region and account, that encrypts replicas. source_kms_key_arn / destination_kms_key_arn (optional) pin the replication role's KMS grants to exact keys; without them the grants are limited by kms:ViaService and the bucket's encryption context. Cross-cloud pairs cannot use S3 replication and do not belong here."
  type = map(object({
    source_bucket           = string
    destination_bucket      = string
    destination_region      = string
    destination_account_id  = optional(string)
    destination_kms_key     = string
    source_kms_key_arn      = optional(string)
    destination_kms_key_arn = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, _ in var.replication_pairs : can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", k))])
    error_message = "replication_pairs keys must be 1-40 lowercase letters, digits and '-' (they name alarms and roles)."
  }

  validation {
    condition = alltrue(flatten([for p in var.replication_pairs : [
      for b in [p.source_bucket, p.destination_bucket] :
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b)) && !can(regex("\\.\\.|^xn--|-s3alias$", b))
    ]]))
    error_message = "source_bucket and destination_bucket must be valid S3 bucket names."
  }

  validation {
    condition     = alltrue([for p in var.replication_pairs : p.source_bucket != p.destination_bucket])
    error_message = "a replication pair must copy to a different bucket."
  }

  validation {
    condition     = length(distinct([for p in var.replication_pairs : p.source_bucket])) == length(var.replication_pairs)
    error_message = "each source bucket may appear in one pair only (S3 keeps one replication configuration per bucket)."
  }

  validation {
    condition     = alltrue([for p in var.replication_pairs : can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", p.destination_region))])
    error_message = "destination_region must be an AWS region code such as us-west-2."
  }

  validation {
    condition     = alltrue([for p in var.replication_pairs : p.destination_account_id == null || can(regex("^[0-9]{12}$", p.destination_account_id))])
    error_message = "destination_account_id must be a 12-digit AWS account id or null."
  }

  validation {
    condition     = alltrue([for p in var.replication_pairs : can(regex("^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+|alias/[A-Za-z0-9/_-]+)$", p.destination_kms_key))])
    error_message = "destination_kms_key must be a KMS key ARN, alias ARN or alias name (alias/...)."
  }

  validation {
    condition = alltrue(flatten([for p in var.replication_pairs : [
      for a in [p.source_kms_key_arn, p.destination_kms_key_arn] : a == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", a))
    ]]))
    error_message = "source_kms_key_arn and destination_kms_key_arn must be KMS key ARNs (arn:...:key/...) or null."
  }
}

variable "replication_prefix" {
  description = "Only objects under this key prefix are replicated; \"\" (default) replicates the whole checkpoint bucket."
  type        = string
  default     = ""

  validation {
    condition     = length(var.replication_prefix) <= 1024
    error_message = "replication_prefix must be at most 1024 characters."
  }
}

variable "replicate_delete_markers" {
  description = "Replicate delete markers. Default false: a deletion (by mistake or by an attacker) in the primary region does not hide the DR copy; replicas still expire by the destination bucket's lifecycle."
  type        = bool
  default     = false
}

variable "dns_zone_id" {
  description = "Route 53 hosted zone id that holds the failover records. Users provide it (a root variable); required when dns_records is not empty."
  type        = string
  default     = null

  validation {
    condition     = var.dns_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.dns_zone_id))
    error_message = "dns_zone_id must be a Route 53 hosted zone id (Z...)."
  }
}

variable "dns_records" {
  description = "Failover records, keyed by protected cluster: name (relative to the zone, not the apex) and targets, the cluster keys of endpoints in failover order (first = primary). Route 53 failover has exactly two tiers, so longer lists are chained: the secondary of each tier is an alias to a \"<name>-failover-<n>\" record of the next tier."
  type = map(object({
    name    = string
    targets = list(string)
    ttl     = optional(number, 60)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, _ in var.dns_records : can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", k))])
    error_message = "dns_records keys must be 1-40 lowercase letters, digits and '-'."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", r.name))])
    error_message = "dns_records name must be a relative DNS name (lowercase labels, no trailing dot, not the zone apex)."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : length(r.targets) >= 2 && length(distinct(r.targets)) == length(r.targets)])
    error_message = "each DNS record needs at least two distinct targets (a primary and a secondary)."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : r.ttl >= 0 && r.ttl <= 86400])
    error_message = "ttl must be between 0 and 86400 seconds."
  }
}

variable "endpoints" {
  description = "Hostname that serves each cluster's traffic (ingress or load balancer), by cluster key, as used in dns_records targets. Health checks probe https://<hostname>:<port><path>."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for h in values(var.endpoints) : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", h))])
    error_message = "endpoints values must be fully qualified hostnames (lowercase, no trailing dot)."
  }
}

variable "health_check" {
  description = "Route 53 health check of every endpoint: HTTPS with SNI on port, GET path, failure_threshold failed checks of request_interval seconds (10 or 30) mark it unhealthy."
  type = object({
    port              = optional(number, 443)
    path              = optional(string, "/healthz")
    failure_threshold = optional(number, 3)
    request_interval  = optional(number, 30)
  })
  default = {}

  validation {
    condition     = var.health_check.port >= 1 && var.health_check.port <= 65535
    error_message = "health_check.port must be 1-65535."
  }

  validation {
    condition     = startswith(var.health_check.path, "/")
    error_message = "health_check.path must start with '/'."
  }

  validation {
    condition     = var.health_check.failure_threshold >= 1 && var.health_check.failure_threshold <= 10
    error_message = "health_check.failure_threshold must be 1-10."
  }

  validation {
    condition     = contains([10, 30], var.health_check.request_interval)
    error_message = "health_check.request_interval must be 10 or 30 seconds."
  }
}

variable "standby_node_groups" {
  description = "DR standby pools in var.region whose failure to scale must page on-call: EKS cluster name and managed node group name (\"<stack>-<cluster>-<pool>\"). EKS names each group's Auto Scaling group \"eks-<node group name>-<uuid>\"."
  type = list(object({
    cluster_name    = string
    node_group_name = string
  }))
  default = []

  validation {
    condition     = alltrue([for g in var.standby_node_groups : can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$", g.node_group_name))])
    error_message = "node_group_name must be an EKS node group name (1-63 letters, digits, '-', '_')."
  }
}

variable "alarm_topic_arns" {
  description = "SNS topics notified when DR is at risk (ALARM) and when it recovers (OK). Empty: the alarms still change state in CloudWatch but notify no one."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_topic_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\\.fifo)?$", a))])
    error_message = "alarm_topic_arns must be SNS topic ARNs."
  }
}

variable "lag_alarm_evaluation_periods" {
  description = "Consecutive one-minute periods ReplicationLatency must exceed the RPO before the lag alarm fires."
  type        = number
  default     = 5

  validation {
    condition     = var.lag_alarm_evaluation_periods >= 1 && var.lag_alarm_evaluation_periods <= 60
    error_message = "lag_alarm_evaluation_periods must be 1-60."
  }
}
