locals {
  tags = merge(var.tags, { "infra-cluster" = var.name })

  system            = var.system_pool == null ? null : try(var.node_pools[var.system_pool], null)
  system_from_pools = local.system != null
  # Every pool except the one promoted to the AKS default pool.
  user_pools = { for k, p in var.node_pools : k => p if k != var.system_pool }

  zones = length(var.zones) > 0 ? var.zones : null

  # AKS adds this taint to every spot pool itself; leaving it out of node_taints makes
  # every plan try to remove it.
  spot_taint = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"

  pool_taints = { for k, p in local.user_pools : k => distinct(concat(
    [for t in p.taints : "${t.key}=${t.value}:${t.effect}"],
    p.spot ? [local.spot_taint] : [],
  )) }

  pool_labels = { for k, p in var.node_pools : k => merge(
    p.labels,
    {
      "infra/pool"     = k
      "infra/workload" = p.workload
    },
    p.gpu != null ? { "infra/gpu" = p.gpu } : {},
    p.standby ? { "infra/standby" = "true" } : {},
  ) }

  nodes_cidr     = cidrsubnet(var.cidr, 1, 0)
  endpoints_cidr = cidrsubnet(var.cidr, 8, 255)
}

################################################################################
# Network
################################################################################

resource "azurerm_resource_group" "cluster" {
  name     = "${var.name}-rg"
  location = var.region
  tags     = local.tags
}

resource "azurerm_virtual_network" "cluster" {
  name                = "${var.name}-vnet"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  address_space       = [var.cidr]
  tags                = local.tags
}

resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = azurerm_resource_group.cluster.name
  virtual_network_name = azurerm_virtual_network.cluster.name
  address_prefixes     = [local.nodes_cidr]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "private-endpoints"
  resource_group_name  = azurerm_resource_group.cluster.name
  virtual_network_name = azurerm_virtual_network.cluster.name
  address_prefixes     = [local.endpoints_cidr]
  # Apply the subnet's NSG (and route tables) to the private endpoints in it too.
  private_endpoint_network_policies = "Enabled"
}

# No custom rules: the Azure defaults allow VNet and load-balancer traffic and deny the
# internet inbound.
resource "azurerm_network_security_group" "nodes" {
  name                = "${var.name}-nodes-nsg"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  tags                = local.tags
}

resource "azurerm_subnet_network_security_group_association" "nodes" {
  subnet_id                 = azurerm_subnet.nodes.id
  network_security_group_id = azurerm_network_security_group.nodes.id
}

# Private endpoints take no traffic from the internet; the defaults (VNet in, internet in
# denied) are what they need, and the NSG gives a place for flow logs and tighter rules.
resource "azurerm_network_security_group" "endpoints" {
  name                = "${var.name}-endpoints-nsg"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  tags                = local.tags
}

resource "azurerm_subnet_network_security_group_association" "endpoints" {
  subnet_id                 = azurerm_subnet.endpoints.id
  network_security_group_id = azurerm_network_security_group.endpoints.id
}

################################################################################
# Logs: one Log Analytics workspace for control-plane (audit) logs and checkpoint access logs
################################################################################

resource "azurerm_log_analytics_workspace" "this" {
  name                = "${var.name}-logs"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  # Entra ID only: no workspace keys that could leak.
  local_authentication_enabled = false
  tags                         = local.tags
}

################################################################################
# AKS cluster
################################################################################

resource "azurerm_kubernetes_cluster" "this" {
  #checkov:skip=CKV_AZURE_4:control-plane and audit logs go to Log Analytics through azurerm_monitor_diagnostic_setting.cluster; the check only sees the Container Insights agent (oms_agent), which ships every container's stdout (training logs) and is left to the platform team
  #checkov:skip=CKV_AZURE_117:OS disks are encrypted at rest with platform-managed keys; customer-managed keys need a Key Vault and disk encryption set that this module does not own
  #checkov:skip=CKV_AZURE_226:OS disk type is Managed: Ephemeral needs a VM size with a cache or temp disk at least as large as the OS disk, which the default system size Standard_D4s_v5 (no temp disk) lacks
  #checkov:skip=CKV_AZURE_227:encryption at host is opt-in (host_encryption_enabled): it needs the EncryptionAtHost feature registered on the subscription and a VM size that supports it; disks are encrypted at rest regardless
  #checkov:skip=CKV_AZURE_232:the module-created system pool is CriticalAddonsOnly; a stack-chosen system_pool is the cluster's only untainted CPU pool and must also take ordinary pods (monitoring, ingress)
  name                = var.name
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  dns_prefix          = var.name
  kubernetes_version  = var.kubernetes_version
  sku_tier            = var.sku_tier
  # A conditional rather than !var.endpoint_public_access: checkov evaluates this form per
  # caller, so a stack that opts into a public API server is reported, not waved through.
  private_cluster_enabled           = var.endpoint_public_access ? false : true
  local_account_disabled            = true
  role_based_access_control_enabled = true
  oidc_issuer_enabled               = true
  workload_identity_enabled         = true
  azure_policy_enabled              = true
  automatic_upgrade_channel         = "patch"
  node_os_upgrade_channel           = "NodeImage"
  tags                              = local.tags

  default_node_pool {
    name                         = local.system_from_pools ? var.system_pool : "system"
    vm_size                      = local.system_from_pools ? local.system.instance_type : var.default_system_vm_size
    auto_scaling_enabled         = true
    min_count                    = local.system_from_pools ? local.system.min_nodes : 2
    node_count                   = local.system_from_pools ? local.system.desired_nodes : 2
    max_count                    = local.system_from_pools ? local.system.max_nodes : 3
    only_critical_addons_enabled = !local.system_from_pools
    vnet_subnet_id               = azurerm_subnet.nodes.id
    zones                        = local.zones
    os_sku                       = var.os_sku
    host_encryption_enabled      = var.host_encryption_enabled
    max_pods                     = var.max_pods
    node_labels                  = local.system_from_pools ? local.pool_labels[var.system_pool] : { "infra/pool" = "system", "infra/workload" = "system" }
    temporary_name_for_rotation  = "rotation"
    tags                         = local.tags

    upgrade_settings {
      max_surge = "10%"
    }
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    load_balancer_sku   = "standard"
    pod_cidr            = var.pod_cidr
    service_cidr        = var.service_cidr
    dns_service_ip      = cidrhost(var.service_cidr, 10)
  }

  # Secrets Store CSI driver for Key Vault: workloads mount secrets from Key Vault instead of
  # Kubernetes secrets, re-read every 2 minutes so a rotated secret reaches the pods.
  key_vault_secrets_provider {
    secret_rotation_enabled  = true
    secret_rotation_interval = "2m"
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    admin_group_object_ids = var.admin_group_object_ids
  }

  dynamic "api_server_access_profile" {
    for_each = var.endpoint_public_access ? [var.api_authorized_ip_ranges] : []
    content {
      authorized_ip_ranges = api_server_access_profile.value
    }
  }

  lifecycle {
    # The cluster autoscaler owns the running size.
    ignore_changes = [default_node_pool[0].node_count]

    precondition {
      condition     = var.system_pool == null || local.system_from_pools
      error_message = "system_pool ${coalesce(var.system_pool, "null")} is not a key of node_pools."
    }

    precondition {
      condition     = !local.system_from_pools || try(local.system.gpu == null && !local.system.spot && local.system.min_nodes >= 1 && length(local.system.taints) == 0, false)
      error_message = "the system pool must be a CPU, non-spot pool with min_nodes >= 1 and no taints (the AKS default pool takes none)."
    }

    precondition {
      condition     = !var.endpoint_public_access || length(var.api_authorized_ip_ranges) > 0
      error_message = "endpoint_public_access = true needs explicit api_authorized_ip_ranges."
    }
  }
}

resource "azurerm_monitor_diagnostic_setting" "cluster" {
  name                           = "${var.name}-control-plane"
  target_resource_id             = azurerm_kubernetes_cluster.this.id
  log_analytics_workspace_id     = azurerm_log_analytics_workspace.this.id
  log_analytics_destination_type = "Dedicated"

  dynamic "enabled_log" {
    for_each = toset(var.control_plane_log_categories)
    content {
      category = enabled_log.value
    }
  }
}

# With a system-assigned identity and a bring-your-own subnet, AKS needs to manage the
# subnet (load balancers, node NICs).
resource "azurerm_role_assignment" "cluster_network" {
  scope                = azurerm_subnet.nodes.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_kubernetes_cluster.this.identity[0].principal_id
}

resource "azurerm_kubernetes_cluster_node_pool" "pool" {
  #checkov:skip=CKV_AZURE_227:encryption at host is opt-in (host_encryption_enabled): it needs the EncryptionAtHost feature registered on the subscription and a VM size that supports it; disks are encrypted at rest regardless
  for_each = local.user_pools

  name                  = each.key
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  vm_size               = each.value.instance_type
  mode                  = "User"
  os_sku                = var.os_sku
  vnet_subnet_id        = azurerm_subnet.nodes.id
  # InfiniBand works within one VM scale set placement; keep RDMA pools in one zone.
  zones                   = each.value.rdma && local.zones != null ? [var.zones[0]] : local.zones
  auto_scaling_enabled    = true
  min_count               = each.value.min_nodes
  node_count              = each.value.desired_nodes
  max_count               = each.value.max_nodes
  priority                = each.value.spot ? "Spot" : "Regular"
  eviction_policy         = each.value.spot ? "Delete" : null
  spot_max_price          = each.value.spot ? -1 : null
  node_labels             = local.pool_labels[each.key]
  node_taints             = local.pool_taints[each.key]
  host_encryption_enabled = var.host_encryption_enabled
  max_pods                = var.max_pods
  # gpu_driver is ForceNew: changing var.gpu_driver re-creates every GPU pool. It must be
  # set explicitly on GPU pools (left unset, provider >= 4.40 plans a replacement of pools
  # created before) and must stay null on CPU sizes, which the API rejects.
  gpu_driver = each.value.gpu != null ? var.gpu_driver : null
  tags       = merge(local.tags, { "infra-pool" = each.key, "infra-standby" = tostring(each.value.standby) })

  # Spot pools cannot have surge upgrades.
  dynamic "upgrade_settings" {
    for_each = each.value.spot ? [] : ["10%"]
    content {
      max_surge = upgrade_settings.value
    }
  }

  lifecycle {
    ignore_changes = [node_count]

    precondition {
      condition     = each.value.gpu == null || can(regex("^Standard_N", each.value.instance_type))
      error_message = "pool ${each.key}: gpu ${coalesce(each.value.gpu, "-")} needs an N-series GPU VM size, not ${each.value.instance_type}."
    }

    precondition {
      # RDMA-capable (InfiniBand) sizes carry an "r" in their feature letters: ND96isr_H100_v5.
      condition     = !each.value.rdma || can(regex("^Standard_[A-Z]+[0-9]+[a-z]*r[a-z]*(_|$)", each.value.instance_type))
      error_message = "pool ${each.key}: rdma needs an InfiniBand VM size (for example Standard_ND96isr_H100_v5), not ${each.value.instance_type}."
    }
  }
}

################################################################################
# Checkpoint storage: private storage account reached through a private endpoint
################################################################################

resource "azurerm_storage_account" "checkpoint" {
  #checkov:skip=CKV_AZURE_206:ZRS by default; cross-region copies of checkpoints are made by modules/dr-<cloud> when the stack has DR
  #checkov:skip=CKV_AZURE_33:no queues are used: the account holds checkpoint blobs only (their access is logged by azurerm_monitor_diagnostic_setting.checkpoint_blob)
  #checkov:skip=CKV2_AZURE_1:encrypted at rest with Microsoft-managed keys plus infrastructure (double) encryption; customer-managed keys need a Key Vault and identity this module does not own
  name                              = var.storage_account_name
  resource_group_name               = azurerm_resource_group.cluster.name
  location                          = azurerm_resource_group.cluster.location
  account_kind                      = "StorageV2"
  account_tier                      = "Standard"
  account_replication_type          = var.checkpoint_replication_type
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  public_network_access_enabled     = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  cross_tenant_replication_enabled  = false
  infrastructure_encryption_enabled = true
  tags                              = local.tags

  blob_properties {
    versioning_enabled = true
    # Object replication (modules/dr-azure) needs the change feed on the source account.
    change_feed_enabled = true

    delete_retention_policy {
      days = var.blob_retention_days
    }

    container_delete_retention_policy {
      days = var.blob_retention_days
    }
  }

  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}

# storage_account_id (not storage_account_name) makes the provider use the management
# plane, which works while the account's public network access is off.
resource "azurerm_storage_container" "checkpoint" {
  #checkov:skip=CKV2_AZURE_21:blob read, write and delete requests are logged to Log Analytics by azurerm_monitor_diagnostic_setting.checkpoint_blob; the check only recognizes storage insights, which needs the account key (shared keys are disabled)
  name                  = var.checkpoint_container_name
  storage_account_id    = azurerm_storage_account.checkpoint.id
  container_access_type = "private"
}

# Who read, wrote or deleted which checkpoint (resource logs of the blob service).
resource "azurerm_monitor_diagnostic_setting" "checkpoint_blob" {
  name                       = "${var.name}-checkpoint-blob"
  target_resource_id         = "${azurerm_storage_account.checkpoint.id}/blobServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  dynamic "enabled_log" {
    for_each = toset(["StorageRead", "StorageWrite", "StorageDelete"])
    content {
      category = enabled_log.value
    }
  }
}

resource "azurerm_private_dns_zone" "blob" {
  name                = "privatelink.blob.core.windows.net"
  resource_group_name = azurerm_resource_group.cluster.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "blob" {
  name                  = "${var.name}-blob"
  resource_group_name   = azurerm_resource_group.cluster.name
  private_dns_zone_name = azurerm_private_dns_zone.blob.name
  virtual_network_id    = azurerm_virtual_network.cluster.id
  tags                  = local.tags
}

resource "azurerm_private_endpoint" "checkpoint" {
  name                = "${var.name}-checkpoint-blob"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  subnet_id           = azurerm_subnet.endpoints.id
  tags                = local.tags

  private_service_connection {
    name                           = "${var.name}-checkpoint-blob"
    private_connection_resource_id = azurerm_storage_account.checkpoint.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "blob"
    private_dns_zone_ids = [azurerm_private_dns_zone.blob.id]
  }
}

# Nodes (kubelet identity) may read and write checkpoints in this container only.
resource "azurerm_role_assignment" "kubelet_checkpoint" {
  scope                = "${azurerm_storage_account.checkpoint.id}/blobServices/default/containers/${azurerm_storage_container.checkpoint.name}"
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
}
