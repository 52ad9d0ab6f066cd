variable "name" {
  description = "Prefix of every resource name, \"<stack>-dr-<region>\" (computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{1,38}[a-z0-9]$ (3-40 lowercase letters, digits, '-')."
  }
}

variable "region" {
  description = "Alibaba Cloud region the provider of this module call is configured for. OSS replication is configured on the source bucket, so every replication_pairs source bucket must be in this region."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z0-9-]+$", var.region))
    error_message = "region must be an Alibaba Cloud region id such as cn-beijing."
  }
}

variable "tags" {
  description = "Tags added to the resources that take tags."
  type        = map(string)
  default     = {}
}

variable "rpo_minutes" {
  description = "Recovery point objective of the stack, in minutes. OSS Replication Time Control (99.99% of new objects within 10 minutes) is enabled when it is 15 or less and both regions offer RTC."
  type        = number

  validation {
    condition     = var.rpo_minutes >= 1 && var.rpo_minutes <= 1440 && floor(var.rpo_minutes) == var.rpo_minutes
    error_message = "rpo_minutes must be a whole number of minutes from 1 to 1440."
  }
}

variable "replication_pairs" {
  description = "Checkpoint cross-region replication, keyed by protected cluster: source OSS bucket (in var.region) -> destination bucket in another Alibaba Cloud region. replica_kms_key_id is the KMS key in the destination region that encrypts replicas; OSS replicates SSE-KMS objects (the cluster module's default encryption) only when it is set. Cross-cloud pairs cannot use OSS replication and do not belong here."
  type = map(object({
    source_bucket      = string
    destination_bucket = string
    destination_region = string
    replica_kms_key_id = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, _ in var.replication_pairs : can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", k))])
    error_message = "replication_pairs keys must be 1-40 lowercase letters, digits and '-'."
  }

  validation {
    condition = alltrue(flatten([for p in var.replication_pairs : [
      for b in [p.source_bucket, p.destination_bucket] : can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", b))
    ]]))
    error_message = "bucket names must be 3-63 lowercase letters, digits and '-', not starting or ending with '-'."
  }

  validation {
    condition     = alltrue([for p in var.replication_pairs : p.source_bucket != p.destination_bucket && can(regex("^[a-z]{2}-[a-z0-9-]+$", p.destination_region))])
    error_message = "each pair needs a different destination bucket and a destination_region such as cn-shanghai."
  }
}

variable "replicate_existing_objects" {
  description = "Also copy objects that existed before replication was configured (historical_object_replication)."
  type        = bool
  default     = true
}

variable "rtc_regions" {
  description = "Regions between which OSS offers Replication Time Control (OSS RTC documentation: Chinese mainland pairs among these six, and us-west-1 <-> us-east-1)."
  type        = list(string)
  default     = ["cn-hangzhou", "cn-shanghai", "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-shenzhen", "us-west-1", "us-east-1"]
}

variable "dns_zone_name" {
  description = "Domain hosted in Alibaba Cloud DNS (same account) under which GTM publishes each record's access name \"<name>-gtm\" and the service CNAME \"<name>\". Users provide it (a root variable); required when dns_records is not empty."
  type        = string
  default     = null

  validation {
    condition     = var.dns_zone_name == null || can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", var.dns_zone_name))
    error_message = "dns_zone_name must be a domain name such as example.com."
  }
}

variable "dns_records" {
  description = "Failover names, keyed by protected cluster: name (host record in dns_zone_name) and targets (cluster keys of endpoints, first = primary). GTM has two tiers: the primary is the default address pool, the other targets are the failover pools (equal weight). gtm_instance_id reuses an existing GTM instance; null buys one (subscription) per record, since a GTM instance serves one domain."
  type = map(object({
    name            = string
    targets         = list(string)
    ttl             = optional(number, 60)
    gtm_instance_id = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, _ in var.dns_records : can(regex("^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$", k))])
    error_message = "dns_records keys must be 1-40 lowercase letters, digits and '-'."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", r.name))])
    error_message = "dns_records name must be a relative host record (lowercase labels, no trailing dot)."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : length(r.targets) >= 2 && length(distinct(r.targets)) == length(r.targets)])
    error_message = "each DNS record needs at least two distinct targets (a primary and a secondary)."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : r.ttl >= 1 && r.ttl <= 86400])
    error_message = "ttl must be 1-86400 seconds."
  }
}

variable "endpoints" {
  description = "Hostname that serves each cluster's traffic (ingress or load balancer), by cluster key, as used in dns_records targets; each becomes a DOMAIN address pool."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for h in values(var.endpoints) : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$", h))])
    error_message = "endpoints values must be fully qualified hostnames (lowercase, no trailing dot)."
  }
}

variable "health_check" {
  description = "GTM health check of every address pool: HTTPS on port, GET path, answers with a status >= failure_status_code count as failures; evaluation_count (1-3) failures mark it down; timeout_ms 2000, 3000, 5000 or 10000."
  type = object({
    port                = optional(number, 443)
    path                = optional(string, "/healthz")
    failure_status_code = optional(number, 400)
    evaluation_count    = optional(number, 3)
    timeout_ms          = optional(number, 5000)
  })
  default = {}

  validation {
    condition     = var.health_check.port >= 1 && var.health_check.port <= 65535 && startswith(var.health_check.path, "/")
    error_message = "health_check.port must be 1-65535 and health_check.path must start with '/'."
  }

  validation {
    condition     = contains([1, 2, 3], var.health_check.evaluation_count) && contains([2000, 3000, 5000, 10000], var.health_check.timeout_ms)
    error_message = "health_check.evaluation_count must be 1-3 and timeout_ms one of 2000, 3000, 5000, 10000."
  }
}

variable "gtm_monitor_nodes" {
  description = "GTM probe nodes (ISP and city codes; DescribeDnsGtmMonitorAvailableConfig lists them). The default is the node of the provider's documentation example."
  type = list(object({
    city_code = string
    isp_code  = string
  }))
  default = [{ city_code = "503", isp_code = "465" }]

  validation {
    condition     = length(var.gtm_monitor_nodes) > 0
    error_message = "gtm_monitor_nodes needs at least one probe node."
  }
}

variable "gtm_address_attribute_info" {
  description = "attribute_info of every GTM address (line codes the address serves), a JSON string."
  type        = string
  default     = "{\"lineCodeRectifyType\":\"NO_NEED\",\"lineCodes\":[\"default\"]}"

  validation {
    condition     = can(jsondecode(var.gtm_address_attribute_info))
    error_message = "gtm_address_attribute_info must be a JSON string."
  }
}

variable "gtm_subscription" {
  description = "Terms of the GTM instances this module buys (records without gtm_instance_id): months per period, edition, health check tasks and SMS notifications included."
  type = object({
    period_months           = optional(number, 1)
    package_edition         = optional(string, "standard")
    health_check_task_count = optional(number, 100)
    sms_notification_count  = optional(number, 0)
  })
  default = {}

  validation {
    condition     = contains([1, 2, 3, 6, 12, 24, 36], var.gtm_subscription.period_months) && contains(["standard", "ultimate"], var.gtm_subscription.package_edition)
    error_message = "gtm_subscription.period_months must be 1, 2, 3, 6, 12, 24 or 36 and package_edition standard or ultimate."
  }
}

variable "standby_node_pools" {
  description = "ACK node pools (\"<stack>-<cluster>-<pool>\") that are DR standby pools in this region; they are named in the alert. ACK node pools scale through Auto Scaling (ESS) groups."
  type        = list(string)
  default     = []
}

variable "standby_event_names" {
  description = "CloudMonitor system events of Auto Scaling (product ESS) that mean a group could not grow."
  type        = list(string)
  default     = ["AUTOSCALING:SCALE_OUT_ERROR"]
}

variable "replication_lag_metric" {
  description = "CloudMonitor metric (namespace acs_oss_dashboard, dimension BucketName = source bucket) measuring replication delay in seconds, for the lag alarm. Null (default): no lag alarm, because no such metric is documented for OSS cross-region replication (see README); RTC's own monitoring is in the OSS console."
  type        = string
  default     = null
}

variable "alarm_contact_group" {
  description = "CloudMonitor alarm contact group notified by every alarm and event rule; null: the rules are created without notification."
  type        = string
  default     = null
}
