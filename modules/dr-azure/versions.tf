terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # Same range as the cluster modules (4.40 is their floor). The resources here
      # (object replication, Traffic Manager, metric alerts) are older; checked against the
      # 4.73.0 schema snapshot.
      version = ">= 4.40.0, < 5.0.0"
    }
  }
}
