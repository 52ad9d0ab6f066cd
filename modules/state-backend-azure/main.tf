# Locking: the azurerm backend takes a blob lease on the state blob; nothing else is needed.
# Authentication: shared keys are off, so the backend must set use_azuread_auth = true.

resource "azurerm_resource_group" "this" {
  name     = "${var.name}-tfstate-rg"
  location = var.region
  tags     = var.tags
}

resource "azurerm_storage_account" "this" {
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
    versioning_enabled = true

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
  name                  = var.container_name
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}
