variable "name" {
  description = "Cluster name, \"<stack>-<cluster>\"; prefix of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{1,38}[a-z0-9]$ (3-40 lowercase letters, digits, '-')."
  }
}

variable "region" {
  description = "AWS region code (for example us-east-1). The provider is configured by the root module; this is used for names, the KMS key policy and checks."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region code such as us-east-1."
  }
}

variable "cidr" {
  description = "VPC IPv4 CIDR, a private range with a prefix between /16 and /20 (for example 10.10.0.0/16)."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && can(regex("/(1[6-9]|20)$", var.cidr))
    error_message = "cidr must be an IPv4 CIDR with a prefix length between /16 and /20."
  }
}

variable "zones" {
  description = "Availability zones (for example [\"us-east-1a\", \"us-east-1b\"]); one private and one public subnet per zone. EKS needs at least two."
  type        = list(string)

  validation {
    condition     = length(var.zones) >= 2 && length(var.zones) <= 6 && length(distinct(var.zones)) == length(var.zones)
    error_message = "zones must list 2 to 6 distinct availability zones."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the EKS control plane, for example \"1.31\"."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as \"1.31\"."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API endpoint publicly. Secure default: false (private endpoint only)."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach a public API endpoint. Required (and 0.0.0.0/0 refused) when endpoint_public_access is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "public_access_cidrs must be IPv4 CIDRs and must not contain 0.0.0.0/0."
  }
}

variable "node_pools" {
  description = "Node pools keyed by pool name. One launch template and one EKS managed node group per pool."
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
    error_message = "node pool names must match ^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$ (the EKS node group name is \"<name>-<pool>\", at most 63 characters, and the key is the node label infra/pool)."
  }

  validation {
    condition     = alltrue([for p in var.node_pools : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9-]+$", p.instance_type))])
    error_message = "instance_type must be an EC2 instance type such as p5.48xlarge."
  }

  validation {
    condition = alltrue([for p in var.node_pools :
      p.min_nodes >= 0 && p.max_nodes >= 1 && p.min_nodes <= p.desired_nodes && p.desired_nodes <= p.max_nodes
      && floor(p.min_nodes) == p.min_nodes && floor(p.desired_nodes) == p.desired_nodes && floor(p.max_nodes) == p.max_nodes
    ])
    error_message = "each pool needs whole numbers 0 <= min_nodes <= desired_nodes <= max_nodes and max_nodes >= 1."
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
    error_message = "taint effect must be NoSchedule, PreferNoSchedule or NoExecute (Kubernetes spelling)."
  }
}

variable "checkpoint_bucket_name" {
  description = "Name of the S3 bucket for training checkpoints (globally unique, computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.checkpoint_bucket_name)) && !can(regex("\\.\\.|^xn--|-s3alias$", var.checkpoint_bucket_name))
    error_message = "checkpoint_bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')."
  }
}

variable "capacity_reservation_ids" {
  description = "Pool name -> EC2 capacity reservation id (On-Demand Capacity Reservation or Capacity Block, \"cr-...\") the pool launches into."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for id in values(var.capacity_reservation_ids) : can(regex("^cr-[0-9a-f]{8,17}$", id))])
    error_message = "capacity_reservation_ids values must be capacity reservation ids (cr-...)."
  }
}

variable "capacity_block_pools" {
  description = "Pools whose capacity_reservation_ids entry is an EC2 Capacity Block for ML: those get capacity type CAPACITY_BLOCK and market type capacity-block. Other reserved pools are treated as On-Demand Capacity Reservations (capacity type ON_DEMAND)."
  type        = set(string)
  default     = []
}

variable "reservation_zones" {
  description = "Pool name -> the availability zone of its capacity_reservation_ids entry (one of zones). A capacity reservation is zonal: the pool's node group uses only that zone's private subnet (docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, z in var.reservation_zones : contains(var.zones, z) && contains(keys(var.capacity_reservation_ids), k)])
    error_message = "reservation_zones entries must name a pool with a capacity_reservation_ids entry and one of zones."
  }
}

variable "create_placement_groups" {
  description = "Create a cluster placement group for every RDMA (EFA) training pool without a capacity reservation (EC2 refuses a cluster placement group with a reservation made outside it; Capacity Blocks are in UltraClusters already)."
  type        = bool
  default     = true
}

variable "efa_layout" {
  description = "Pool name -> the network interfaces of an RDMA pool's launch template, in order: the first is the primary (network card 0, device 0; \"interface\" = ENA or \"efa\" = EFA with ENA), then \"efa-only\" interfaces, one EFA per network card. infra lays them out per instance type as the EC2 guide documents (docs/efa.md), for example p5.48xlarge: ENA on card 0 device 0, EFA-only on card 0 device 1 and on cards 1-31 device 0. An RDMA pool without an entry gets one EFA as its primary interface; only RDMA pools may have one."
  type = map(list(object({
    network_card_index = number
    device_index       = number
    interface_type     = string
  })))
  default = {}

  validation {
    condition = alltrue(flatten([for k, l in var.efa_layout : [
      for i in l : contains(["interface", "efa", "efa-only"], i.interface_type)
      && i.network_card_index >= 0 && i.device_index >= 0
      && floor(i.network_card_index) == i.network_card_index && floor(i.device_index) == i.device_index
    ]]))
    error_message = "efa_layout interface_type must be interface, efa or efa-only, and the card and device indexes whole numbers >= 0."
  }

  validation {
    condition = alltrue([for k, l in var.efa_layout :
      length(l) > 0 && try(l[0].network_card_index == 0 && l[0].device_index == 0 && l[0].interface_type != "efa-only", false)
    ])
    error_message = "efa_layout: each pool's first interface must be the primary one (card 0, device 0) and cannot be efa-only."
  }

  validation {
    condition = alltrue([for k, l in var.efa_layout :
      length(distinct([for i in l : "${i.network_card_index}/${i.device_index}"])) == length(l)
    ])
    error_message = "efa_layout: a network card and device index pair may appear only once per pool."
  }
}

variable "root_volume_size_gib" {
  description = "Size of each node's encrypted gp3 root volume in GiB (GPU AMIs and images are large)."
  type        = number
  default     = 200

  validation {
    condition     = var.root_volume_size_gib >= 50 && var.root_volume_size_gib <= 16384
    error_message = "root_volume_size_gib must be between 50 and 16384."
  }
}

variable "ebs_kms_key_arn" {
  description = "Customer KMS key for node root volumes. Null (default) uses the account's EBS key: a customer key needs a key policy granting the EC2 Auto Scaling service-linked role, which this module does not manage."
  type        = string
  default     = null

  validation {
    condition     = var.ebs_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.ebs_kms_key_arn))
    error_message = "ebs_kms_key_arn must be a KMS key ARN or null."
  }
}

variable "metadata_hop_limit" {
  description = "IMDSv2 PUT response hop limit. Secure default 1 keeps pods (one extra hop) away from the node role's credentials; use 2 only if pods must reach IMDS."
  type        = number
  default     = 1

  validation {
    condition     = var.metadata_hop_limit >= 1 && var.metadata_hop_limit <= 64
    error_message = "metadata_hop_limit must be between 1 and 64."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper) instead of one per zone (default, survives a zone outage)."
  type        = bool
  default     = false
}

variable "cluster_log_types" {
  description = "EKS control-plane log types sent to CloudWatch."
  type        = list(string)
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  validation {
    condition     = alltrue([for t in var.cluster_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "cluster_log_types may contain api, audit, authenticator, controllerManager, scheduler."
  }
}

variable "log_retention_days" {
  description = "Retention of the control-plane and VPC flow log groups and of the checkpoint bucket's S3 access logs, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the module's KMS keys are deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "checkpoint_noncurrent_days" {
  description = "Days a replaced or deleted checkpoint version is kept before it expires."
  type        = number
  default     = 30

  validation {
    condition     = var.checkpoint_noncurrent_days >= 1
    error_message = "checkpoint_noncurrent_days must be at least 1."
  }
}

variable "cluster_creator_admin" {
  description = "Give the identity that creates the cluster (the CI role) cluster-admin through an EKS access entry. ForceNew in the provider: changing it after creation replaces the cluster."
  type        = bool
  default     = true
}

variable "admin_principal_arns" {
  description = "IAM role or user ARNs given cluster-admin (AmazonEKSClusterAdminPolicy at cluster scope) through EKS access entries (API authentication mode); a role ARN may include a path, an assumed-role (STS) ARN may not. Leave out the identity that creates the cluster while cluster_creator_admin is true: EKS gives it its own access entry, and a principal can be in only one."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.admin_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/([!-~]*/)?[A-Za-z0-9_+=,.@-]{1,64}$", a))])
    error_message = "admin_principal_arns must be IAM role or user ARNs such as arn:aws:iam::111122223333:role/oncall."
  }

  validation {
    condition     = length(distinct(var.admin_principal_arns)) == length(var.admin_principal_arns)
    error_message = "admin_principal_arns must not repeat an ARN (a principal can be in only one access entry)."
  }
}

variable "access_log_force_destroy" {
  description = "Let a destroy delete the access-log bucket with every log version in it. Leave false: infra destroy keeps the bucket (see Teardown in the README); infra destroy --delete-logs sets this through a generated override of the module call just before it destroys."
  type        = bool
  default     = false
}

variable "alarm_topic_arns" {
  description = "SNS topics notified when a GPU node group is unhealthy (ALARM) and when it recovers (OK). Empty (default): the node health alarms still exist and change state in CloudWatch but notify no one."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_topic_arns : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\\.fifo)?$", a))])
    error_message = "alarm_topic_arns must be SNS topic ARNs."
  }
}

variable "status_check_evaluation_periods" {
  description = "Consecutive five-minute periods in which an instance of a GPU node group must fail an EC2 status check before its alarm fires."
  type        = number
  default     = 2

  validation {
    condition     = var.status_check_evaluation_periods >= 1 && var.status_check_evaluation_periods <= 12 && floor(var.status_check_evaluation_periods) == var.status_check_evaluation_periods
    error_message = "status_check_evaluation_periods must be a whole number 1-12."
  }
}
