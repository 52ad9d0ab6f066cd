terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # 4.40.0 added gpu_driver to AKS node pools (used here); 4.x names such as
      # auto_scaling_enabled, https_traffic_only_enabled and storage_account_id on
      # containers do not exist in 3.x. Checked against the 4.73.0 schema.
      version = ">= 4.40.0, < 5.0.0"
    }
  }
}
