# Locking: the azurerm backend takes a blob lease on the state blob; nothing else is needed.
# Authentication: shared keys are off, so the backend must set use_azuread_auth = true.

resource "azurerm_resource_group" "this" {
  name     = "${var.name}-tfstate-rg"
  location = var.region
  tags     = var.tags
}

resource "azurerm_storage_account" "this" {
  #checkov:skip=CKV_AZURE_59:state must be reachable by CI runners and operators outside any VNet (it exists before any network); shared keys are off, so only Entra ID callers with a data role get in, and allowed_ip_ranges closes the firewall to all others
  #checkov:skip=CKV2_AZURE_33:no private endpoint: the state account is created before, and independently of, any VNet; see CKV_AZURE_59
  #checkov:skip=CKV_AZURE_33:no queues are used: the account holds state blobs only (their access is logged by azurerm_monitor_diagnostic_setting.blob)
  #checkov:skip=CKV2_AZURE_1:encrypted at rest with Microsoft-managed keys plus infrastructure (double) encryption; customer-managed keys need a Key Vault and identity this module does not own
  name                              = var.storage_account_name
  resource_group_name               = azurerm_resource_group.this.name
  location                          = azurerm_resource_group.this.location
  account_kind                      = "StorageV2"
  account_tier                      = "Standard"
  account_replication_type          = var.replication_type
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  cross_tenant_replication_enabled  = false
  infrastructure_encryption_enabled = true
  tags                              = var.tags

  blob_properties {
    # Object replication (replication.tf) needs versioning on both accounts and the change feed
    # on the source (learn.microsoft.com/azure/storage/blobs/object-replication-overview).
    versioning_enabled  = true
    change_feed_enabled = var.replication != null

    delete_retention_policy {
      days = var.retention_days
    }

    container_delete_retention_policy {
      days = var.retention_days
    }
  }

  dynamic "network_rules" {
    for_each = length(var.allowed_ip_ranges) > 0 ? [var.allowed_ip_ranges] : []
    content {
      default_action = "Deny"
      bypass         = ["AzureServices"]
      ip_rules       = network_rules.value
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "azurerm_storage_container" "this" {
  #checkov:skip=CKV2_AZURE_21:blob read, write and delete requests are logged to Log Analytics by azurerm_monitor_diagnostic_setting.blob; the check only recognizes storage insights, which needs the account key (shared keys are disabled)
  name                  = var.container_name
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

# Who read, wrote or deleted which state (resource logs of the blob service), kept for
# log_retention_days.
resource "azurerm_log_analytics_workspace" "this" {
  name                = "${var.name}-tfstate-logs"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  # Entra ID only: no workspace keys that could leak.
  local_authentication_enabled = false
  tags                         = var.tags
}

resource "azurerm_monitor_diagnostic_setting" "blob" {
  name                       = "${var.name}-tfstate-blob"
  target_resource_id         = "${azurerm_storage_account.this.id}/blobServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  dynamic "enabled_log" {
    for_each = toset(["StorageRead", "StorageWrite", "StorageDelete"])
    content {
      category = enabled_log.value
    }
  }
}
