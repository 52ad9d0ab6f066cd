variable "name" {
  description = "Cluster name, \"<stack>-<cluster>\"; prefix of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must match ^[a-z][a-z0-9-]{1,38}[a-z0-9]$ (3-40 lowercase letters, digits, '-')."
  }
}

variable "region" {
  description = "Azure region (location) code, for example eastus. Every resource is created there."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+[a-z0-9]*$", var.region))
    error_message = "region must be an Azure location code such as eastus or westeurope."
  }
}

variable "cidr" {
  description = "VNet IPv4 CIDR, a private range with a prefix between /16 and /20 (for example 10.20.0.0/16)."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && can(regex("/(1[6-9]|20)$", var.cidr))
    error_message = "cidr must be an IPv4 CIDR with a prefix length between /16 and /20."
  }
}

variable "capacity_reservation_group_ids" {
  description = "Pool name -> ARM id of the capacity reservation group the pool (or the default pool, when system_pool names it) is associated with (learn.microsoft.com/azure/aks/use-capacity-reservation-groups). AKS needs a user-assigned control-plane identity with Contributor on the group's resource group for this: the module then creates one (identity.tf)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for id in values(var.capacity_reservation_group_ids) : can(regex("^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\\w.()]{1,90}/providers/Microsoft\\.Compute/capacityReservationGroups/[-\\w.]{1,80}$", id))])
    error_message = "capacity_reservation_group_ids values must be ARM ids of capacity reservation groups (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/capacityReservationGroups/<name>)."
  }
}

variable "reservation_zones" {
  description = "Pool name -> the zone of its capacity reservation (one of zones): the pool's nodes are placed in that zone only."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, z in var.reservation_zones : contains(var.zones, z) && contains(keys(var.capacity_reservation_group_ids), k)])
    error_message = "reservation_zones entries must name a pool with a capacity_reservation_group_ids entry and one of zones."
  }
}

variable "zones" {
  description = "Availability zones for the node pools, for example [\"1\", \"2\", \"3\"]; [] in regions without zones. RDMA pools use the first zone only."
  type        = list(string)

  validation {
    condition     = alltrue([for z in var.zones : contains(["1", "2", "3"], z)]) && length(distinct(var.zones)) == length(var.zones)
    error_message = "zones must be distinct values among \"1\", \"2\", \"3\"."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of AKS, for example \"1.31\" (AKS picks the newest patch)."
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
  description = "Expose the Kubernetes API publicly. Secure default: false (private cluster)."
  type        = bool
  default     = false
}

variable "api_authorized_ip_ranges" {
  description = "CIDRs allowed to reach a public API server. Required (and 0.0.0.0/0 refused) when endpoint_public_access is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.api_authorized_ip_ranges : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "api_authorized_ip_ranges must be IPv4 CIDRs and must not contain 0.0.0.0/0."
  }
}

variable "node_pools" {
  description = "Node pools keyed by pool name (1-12 lowercase letters and digits, an AKS rule). The system pool (var.system_pool) becomes the AKS default pool; every other pool is an azurerm_kubernetes_cluster_node_pool."
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
    condition     = alltrue([for k, _ in var.node_pools : can(regex("^[a-z][a-z0-9]{0,11}$", k))])
    error_message = "AKS node pool names must match ^[a-z][a-z0-9]{0,11}$."
  }

  validation {
    condition     = alltrue([for p in var.node_pools : can(regex("^Standard_[A-Za-z0-9_]+$", p.instance_type))])
    error_message = "instance_type must be an Azure VM size such as Standard_ND96isr_H100_v5."
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

variable "system_pool" {
  description = "Key in node_pools of the CPU pool that becomes the AKS default (system-mode) pool, or null: then the module creates a small default pool of default_system_vm_size with 2 to 3 nodes, reserved for critical add-ons."
  type        = string
  default     = null
}

variable "default_system_vm_size" {
  description = "VM size of the module-created system pool (when system_pool is null)."
  type        = string
  default     = "Standard_D4s_v5"

  validation {
    condition     = can(regex("^Standard_[A-Za-z0-9_]+$", var.default_system_vm_size))
    error_message = "default_system_vm_size must be an Azure VM size such as Standard_D4s_v5."
  }
}

variable "gpu_driver" {
  description = "GPU driver handling on GPU pools: \"Install\" (AKS installs the NVIDIA driver) or \"None\" (bring your own, for example the GPU Operator). Changing it RE-CREATES every GPU pool (the provider forces replacement)."
  type        = string
  default     = "Install"

  validation {
    condition     = contains(["Install", "None"], var.gpu_driver)
    error_message = "gpu_driver must be \"Install\" or \"None\"."
  }
}

variable "storage_account_name" {
  description = "Name of the checkpoint storage account (3-24 lowercase letters and digits, globally unique, computed by infra)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3-24 lowercase letters and digits."
  }
}

variable "checkpoint_container_name" {
  description = "Blob container for checkpoints."
  type        = string
  default     = "checkpoints"

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$", var.checkpoint_container_name))
    error_message = "checkpoint_container_name must be 3-63 lowercase letters, digits and single hyphens."
  }
}

variable "checkpoint_replication_type" {
  description = "Replication of the checkpoint storage account (ZRS survives a zone outage; cross-region copies are a separate module)."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS"], var.checkpoint_replication_type)
    error_message = "checkpoint_replication_type must be one of LRS, ZRS, GRS, GZRS, RAGRS, RAGZRS."
  }
}

variable "blob_retention_days" {
  description = "Days deleted blobs and containers stay recoverable (soft delete)."
  type        = number
  default     = 30

  validation {
    condition     = var.blob_retention_days >= 1 && var.blob_retention_days <= 365
    error_message = "blob_retention_days must be between 1 and 365."
  }
}

variable "sku_tier" {
  description = "AKS control-plane tier; Standard (default) has an uptime SLA."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Free, Standard or Premium."
  }
}

variable "pod_cidr" {
  description = "Pod CIDR of Azure CNI Overlay; must not overlap the VNet or any peered network."
  type        = string
  default     = "192.168.0.0/16"

  validation {
    condition     = can(cidrhost(var.pod_cidr, 0))
    error_message = "pod_cidr must be an IPv4 CIDR."
  }
}

variable "service_cidr" {
  description = "Kubernetes service CIDR; must not overlap the VNet."
  type        = string
  default     = "172.16.0.0/16"

  validation {
    condition     = can(cidrhost(var.service_cidr, 10))
    error_message = "service_cidr must be an IPv4 CIDR with room for the DNS service address (.10)."
  }
}

variable "os_sku" {
  description = "Node OS image. Ubuntu has the broadest NVIDIA driver support on AKS."
  type        = string
  default     = "Ubuntu"

  validation {
    condition     = contains(["Ubuntu", "AzureLinux"], var.os_sku)
    error_message = "os_sku must be Ubuntu or AzureLinux."
  }
}

variable "host_encryption_enabled" {
  description = "Encrypt node temp disks and caches at the host. Needs the EncryptionAtHost feature registered on the subscription."
  type        = bool
  default     = false
}

variable "admin_group_object_ids" {
  description = "Entra ID group object ids given cluster-admin (local accounts are disabled, Azure RBAC is on), each also given Azure Kubernetes Service Cluster User Role on the cluster so its members can run az aks get-credentials."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for g in var.admin_group_object_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", g))])
    error_message = "admin_group_object_ids must be object ids (GUIDs such as 00000000-0000-0000-0000-000000000000)."
  }

  validation {
    condition     = length(distinct([for g in var.admin_group_object_ids : lower(g)])) == length(var.admin_group_object_ids)
    error_message = "admin_group_object_ids must not repeat a group."
  }
}

variable "max_pods" {
  description = "Maximum pods per node on every pool. 250 is the Azure CNI Overlay default and maximum (each node gets a /24 of pod_cidr whatever the value). ForceNew: changing it re-creates the pools."
  type        = number
  default     = 250

  validation {
    condition     = var.max_pods >= 50 && var.max_pods <= 250 && floor(var.max_pods) == var.max_pods
    error_message = "max_pods must be a whole number between 50 and 250."
  }
}

variable "log_retention_days" {
  description = "Retention of the Log Analytics workspace holding control-plane (audit) logs and checkpoint access logs, in days."
  type        = number
  default     = 365

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730 && floor(var.log_retention_days) == var.log_retention_days
    error_message = "log_retention_days must be a whole number between 30 and 730."
  }
}

variable "control_plane_log_categories" {
  description = "AKS resource-log categories sent to the Log Analytics workspace. kube-audit-admin is the audit log without get/list requests; add kube-audit for all of them (much larger)."
  type        = list(string)
  default     = ["kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "guard"]

  validation {
    condition = alltrue([for c in var.control_plane_log_categories : contains([
      "kube-apiserver", "kube-audit", "kube-audit-admin", "kube-controller-manager", "kube-scheduler",
      "cluster-autoscaler", "cloud-controller-manager", "guard", "csi-azuredisk-controller",
      "csi-azurefile-controller", "csi-snapshot-controller",
    ], c)]) && length(var.control_plane_log_categories) > 0
    error_message = "control_plane_log_categories must be non-empty AKS log categories: kube-apiserver, kube-audit, kube-audit-admin, kube-controller-manager, kube-scheduler, cluster-autoscaler, cloud-controller-manager, guard, csi-azuredisk-controller, csi-azurefile-controller, csi-snapshot-controller."
  }
}

variable "action_group_id" {
  description = "Azure Monitor action group notified by the node health alerts; null (default): the alerts fire in Azure Monitor but notify no one."
  type        = string
  default     = null

  validation {
    condition     = var.action_group_id == null || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/microsoft.insights/actionGroups/[^/]+$", var.action_group_id))
    error_message = "action_group_id must be an action group resource id."
  }
}
