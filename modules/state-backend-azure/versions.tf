terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # Same range as azure-gpu-cluster (4.x names: https_traffic_only_enabled,
      # storage_account_id on containers). Checked against the 4.73.0 schema.
      version = ">= 4.40.0, < 5.0.0"
    }
  }
}
