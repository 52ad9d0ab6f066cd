variable "name" {
  description = "Cluster name, \"<stack>-<cluster>\"; prefix of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{1,38}[a-z0-9]$ (3-40 lowercase letters, digits, '-')."
  }
}

variable "region" {
  description = "Alibaba Cloud region id, for example cn-beijing. The provider is configured by the root module."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z0-9-]+$", var.region))
    error_message = "region must be an Alibaba Cloud region id such as cn-beijing."
  }
}

variable "cidr" {
  description = "VPC IPv4 CIDR, a private range with a prefix between /16 and /20 (for example 10.30.0.0/16). Node vSwitches take the first quarter, pod (Terway) vSwitches the second half."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && can(regex("/(1[6-9]|20)$", var.cidr))
    error_message = "cidr must be an IPv4 CIDR with a prefix length between /16 and /20."
  }
}

variable "private_pool_ids" {
  description = "Pool name -> id of the private pool it launches into: an elasticity assurance (eap-...) or an immediate capacity reservation (crp-...), targeted with private_pool_options match criteria Target (registry.terraform.io/providers/aliyun/alicloud/latest/docs/resources/cs_kubernetes_node_pool)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for id in values(var.private_pool_ids) : can(regex("^(eap|crp)-[a-z0-9]{8,32}$", id))])
    error_message = "private_pool_ids values must be elasticity assurance (eap-...) or capacity reservation (crp-...) ids."
  }
}

variable "reservation_zones" {
  description = "Pool name -> the zone of its private pool (one of zones): the pool uses that zone's vSwitch only, as a private pool holds capacity in one zone."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, z in var.reservation_zones : contains(var.zones, z) && contains(keys(var.private_pool_ids), k)])
    error_message = "reservation_zones entries must name a pool with a private_pool_ids entry and one of zones."
  }
}

variable "zones" {
  description = "Zone ids, for example [\"cn-beijing-a\", \"cn-beijing-b\"]; one node vSwitch and one pod vSwitch per zone. RDMA pools use the first zone only."
  type        = list(string)

  validation {
    condition     = length(var.zones) >= 1 && length(var.zones) <= 4 && length(distinct(var.zones)) == length(var.zones)
    error_message = "zones must list 1 to 4 distinct zone ids."
  }

  validation {
    condition     = alltrue([for z in var.zones : can(regex("^[a-z]{2}-[a-z0-9-]+-[a-z0-9]+$", z))])
    error_message = "zones must be zone ids such as cn-beijing-a."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version, for example \"1.31\" (the newest ACK release of that minor is used), or a full ACK version such as \"1.31.1-aliyun.1\"."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}(\\.[0-9]+-aliyun\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "kubernetes_version must be \"1.31\" or a full ACK version such as \"1.31.1-aliyun.1\"."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API publicly. Secure default: false (private cluster)."
  type        = bool
  default     = false
}

variable "node_pools" {
  description = "Node pools keyed by pool name; one ACK node pool each. Pools with min_nodes < max_nodes autoscale (scaling_config); fixed pools use desired_size."
  type = map(object({
    instance_type = string
    gpu           = optional(string)
    gpus_per_node = optional(number, 0)
    min_nodes     = number
    desired_nodes = number
    max_nodes     = number
    rdma          = optional(bool, false)
    spot          = optional(bool, false)
    workload      = optional(string, "training")
    labels        = optional(map(string), {})
    taints        = optional(list(object({ key = string, value = string, effect = string })), [])
    standby       = optional(bool, false)
  }))

  validation {
    condition     = length(var.node_pools) > 0
    error_message = "node_pools must define at least one pool."
  }

  validation {
    condition     = alltrue([for k, _ in var.node_pools : can(regex("^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$", k))])
    error_message = "node pool names must match ^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$ (the key is also the node label infra/pool, which must end with a letter or digit)."
  }

  validation {
    condition     = alltrue([for p in var.node_pools : can(regex("^ecs\\.[a-z0-9-]+\\.[a-z0-9-]+$", p.instance_type))])
    error_message = "instance_type must be an ECS instance type such as ecs.gn7i-c32g1.8xlarge."
  }

  validation {
    condition = alltrue([for p in var.node_pools :
      p.min_nodes >= 0 && p.max_nodes >= 1 && p.max_nodes <= 1000 && p.min_nodes <= p.desired_nodes && p.desired_nodes <= p.max_nodes
      && floor(p.min_nodes) == p.min_nodes && floor(p.desired_nodes) == p.desired_nodes && floor(p.max_nodes) == p.max_nodes
    ])
    error_message = "each pool needs whole numbers 0 <= min_nodes <= desired_nodes <= max_nodes, 1 <= max_nodes <= 1000."
  }

  validation {
    condition     = alltrue([for p in var.node_pools : p.gpus_per_node >= 0 && (p.gpu != null || p.gpus_per_node == 0)])
    error_message = "gpus_per_node must be >= 0, and 0 for CPU pools (gpu = null)."
  }

  validation {
    condition     = alltrue([for p in var.node_pools : contains(["training", "inference", "system"], p.workload)])
    error_message = "workload must be one of training, inference, system."
  }

  validation {
    condition = alltrue(flatten([for p in var.node_pools : [
      for t in p.taints : contains(["NoSchedule", "PreferNoSchedule", "NoExecute"], t.effect)
    ]]))
    error_message = "taint effect must be NoSchedule, PreferNoSchedule or NoExecute."
  }
}

variable "checkpoint_bucket_name" {
  description = "Name of the OSS bucket for checkpoints (globally unique, computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.checkpoint_bucket_name))
    error_message = "checkpoint_bucket_name must be 3-63 lowercase letters, digits and '-', not starting or ending with '-'."
  }
}

variable "checkpoint_kms_key_id" {
  description = "KMS key id for checkpoint server-side encryption; null uses the OSS-managed KMS key."
  type        = string
  default     = null
}

variable "checkpoint_redundancy_type" {
  description = "OSS redundancy of the checkpoint bucket; ZRS (default) survives a zone outage."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["LRS", "ZRS"], var.checkpoint_redundancy_type)
    error_message = "checkpoint_redundancy_type must be LRS or ZRS."
  }
}

variable "checkpoint_noncurrent_days" {
  description = "Days a replaced or deleted checkpoint version is kept."
  type        = number
  default     = 30

  validation {
    condition     = var.checkpoint_noncurrent_days >= 1
    error_message = "checkpoint_noncurrent_days must be at least 1."
  }
}

variable "service_cidr" {
  description = "Kubernetes service CIDR; must not overlap the VPC."
  type        = string
  default     = "172.16.0.0/16"

  validation {
    condition     = can(cidrhost(var.service_cidr, 0))
    error_message = "service_cidr must be an IPv4 CIDR."
  }
}

variable "image_type" {
  description = "Node OS image type. AliyunLinux3 ships the NVIDIA driver for ACK GPU nodes."
  type        = string
  default     = "AliyunLinux3"

  validation {
    condition     = contains(["AliyunLinux3", "AliyunLinux3ContainerOptimized", "ContainerOS", "Ubuntu"], var.image_type)
    error_message = "image_type must be AliyunLinux3, AliyunLinux3ContainerOptimized, ContainerOS or Ubuntu."
  }
}

variable "system_disk_size_gib" {
  description = "Encrypted ESSD system disk size of each node, in GiB."
  type        = number
  default     = 200

  validation {
    condition     = var.system_disk_size_gib >= 40 && var.system_disk_size_gib <= 2048
    error_message = "system_disk_size_gib must be between 40 and 2048."
  }
}

variable "secrets_kms_key_id" {
  description = "KMS key id encrypting Kubernetes Secrets at rest (ACK Pro). Null leaves envelope encryption off: KMS keys need a KMS instance this module does not create."
  type        = string
  default     = null
}

variable "control_plane_log_components" {
  description = "Control-plane components whose logs ACK ships to Simple Log Service."
  type        = list(string)
  default     = ["apiserver", "kcm", "scheduler", "ccm"]

  validation {
    condition     = alltrue([for c in var.control_plane_log_components : contains(["apiserver", "kcm", "scheduler", "ccm", "controlplane-events"], c)])
    error_message = "control_plane_log_components may contain apiserver, kcm, scheduler, ccm, controlplane-events."
  }
}

variable "deletion_protection" {
  description = "Protect the ACK cluster from deletion (disable before terraform destroy)."
  type        = bool
  default     = true
}

variable "nat_bandwidth_mbps" {
  description = "Bandwidth of the NAT EIP in Mbit/s (pay by traffic)."
  type        = number
  default     = 200

  validation {
    condition     = var.nat_bandwidth_mbps >= 1 && var.nat_bandwidth_mbps <= 10000
    error_message = "nat_bandwidth_mbps must be between 1 and 10000."
  }
}

variable "access_log_retention_days" {
  description = "Days the checkpoint bucket's OSS access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 1 && floor(var.access_log_retention_days) == var.access_log_retention_days
    error_message = "access_log_retention_days must be a whole number of at least 1."
  }
}

variable "admin_ram_user_ids" {
  description = "RAM user ids given the ACK admin role on the cluster (RBAC, role_type cluster). Each user also needs a RAM policy that lets it read the cluster (for example AliyunCSReadOnlyAccess) to fetch its kubeconfig; the module does not manage RAM identities."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.admin_ram_user_ids : can(regex("^[0-9]{1,32}$", u))])
    error_message = "admin_ram_user_ids must be RAM user ids (digits)."
  }

  validation {
    condition     = length(distinct(var.admin_ram_user_ids)) == length(var.admin_ram_user_ids)
    error_message = "admin_ram_user_ids must not repeat a user."
  }
}

variable "admin_ram_role_ids" {
  description = "RAM role ids given the ACK admin role on the cluster (RBAC, role_type cluster, is_ram_role). Each role also needs a RAM policy that lets it read the cluster (for example AliyunCSReadOnlyAccess) to fetch its kubeconfig."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.admin_ram_role_ids : can(regex("^[0-9]{1,32}$", r))])
    error_message = "admin_ram_role_ids must be RAM role ids (digits)."
  }

  validation {
    condition     = length(distinct(var.admin_ram_role_ids)) == length(var.admin_ram_role_ids)
    error_message = "admin_ram_role_ids must not repeat a role."
  }
}

variable "scaling_notification_target" {
  description = "Where Auto Scaling sends the failed scale-out (AUTOSCALING:SCALE_OUT_ERROR) and rejected scaling (AUTOSCALING:SCALE_REJECT) events of each GPU node pool's scaling group: \"cloudmonitor\" (default: CloudMonitor's event center), or an MNS queue or topic of the cluster's account and region as \"queue/<name>\" or \"topic/<name>\"."
  type        = string
  default     = "cloudmonitor"

  validation {
    condition     = can(regex("^(cloudmonitor|queue/[^/:]+|topic/[^/:]+)$", var.scaling_notification_target))
    error_message = "scaling_notification_target must be cloudmonitor, queue/<name> or topic/<name>."
  }
}
