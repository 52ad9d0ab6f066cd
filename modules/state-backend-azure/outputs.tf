output "resource_group_name" {
  description = "Resource group of the state account (backend \"azurerm\" resource_group_name)."
  value       = azurerm_resource_group.this.name
}

output "storage_account_name" {
  description = "State storage account (backend \"azurerm\" storage_account_name)."
  value       = azurerm_storage_account.this.name
}

output "container_name" {
  description = "State container (backend \"azurerm\" container_name)."
  value       = azurerm_storage_container.this.name
}

output "backend_config" {
  description = "Settings for a backend \"azurerm\" block, apart from key. Locking uses blob leases."
  value = {
    resource_group_name  = azurerm_resource_group.this.name
    storage_account_name = azurerm_storage_account.this.name
    container_name       = azurerm_storage_container.this.name
    use_azuread_auth     = true
  }
}

output "log_analytics_workspace_id" {
  description = "Log Analytics workspace holding the state account's blob access logs."
  value       = azurerm_log_analytics_workspace.this.id
}

output "storage_account_id" {
  description = "Resource ID of the state account (the replication destination of another region's state module)."
  value       = azurerm_storage_account.this.id
}
