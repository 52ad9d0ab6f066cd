locals {
  tags = merge(var.tags, { "infra-cluster" = var.name })

  system            = var.system_pool == null ? null : try(var.node_pools[var.system_pool], null)
  system_from_pools = local.system != null

  zones = length(var.zones) > 0 ? var.zones : null

  pool_labels = { for k, p in var.node_pools : k => merge(
    p.labels,
    {
      "infra/pool"     = k
      "infra/workload" = p.workload
    },
    p.gpu != null ? { "infra/gpu" = p.gpu } : {},
    p.standby ? { "infra/standby" = "true" } : {},
  ) }
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
    zones                        = local.system_from_pools ? local.pool_zones[var.system_pool] : local.zones
    # A reserved system pool is associated with its capacity reservation group too.
    capacity_reservation_group_id = local.system_from_pools ? lookup(var.capacity_reservation_group_ids, var.system_pool, null) : null
    os_sku                        = var.os_sku
    host_encryption_enabled       = var.host_encryption_enabled
    max_pods                      = var.max_pods
    node_labels                   = local.system_from_pools ? local.pool_labels[var.system_pool] : { "infra/pool" = "system", "infra/workload" = "system" }
    temporary_name_for_rotation   = "rotation"
    tags                          = local.tags

    upgrade_settings {
      max_surge = "10%"
    }
  }

  # identity.tf: user-assigned when a pool uses a capacity reservation group.
  identity {
    type         = local.user_assigned_identity ? "UserAssigned" : "SystemAssigned"
    identity_ids = local.user_assigned_identity ? [azurerm_user_assigned_identity.control_plane[0].id] : null
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

  # AKS checks the identity's Contributor role when it associates a pool with its capacity
  # reservation group (identity.tf).
  depends_on = [azurerm_role_assignment.reservation_groups]

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

# With a bring-your-own subnet, AKS's control-plane identity (system- or user-assigned,
# identity.tf) needs to manage the subnet (load balancers, node NICs).
resource "azurerm_role_assignment" "cluster_network" {
  scope                = azurerm_subnet.nodes.id
  role_definition_name = "Network Contributor"
  principal_id         = local.control_plane_principal_id
}
