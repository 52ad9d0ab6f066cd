################################################################################
# Replication of the stack-wide roots' state (var.replication): object replication copies the
# state blobs under the given name prefixes to a container of another region's state account,
# so a failover can apply the _dr root against that copy while this region is down
# (docs/state.md).
#
# Object replication needs blob versioning on both accounts (the state module turns it on)
# and the change feed on the source (main.tf, when replication is set). Its destination
# container is read-only while the policy exists ("write operations to the destination
# container aren't permitted", learn.microsoft.com/azure/storage/blobs/
# object-replication-overview), so the replica gets a container of its own, beside the
# destination account's own state: switching to it starts with removing the policy there.
# Blob leases (the azurerm backend's locks) are not replicated.
################################################################################

locals {
  replication = var.replication == null ? {} : { state = var.replication }
}

resource "azurerm_storage_container" "replica" {
  #checkov:skip=CKV2_AZURE_21:blob requests in the destination account are logged by that account's own diagnostic setting (its state module's azurerm_monitor_diagnostic_setting.blob)
  for_each = local.replication

  name                  = each.value.destination_container_name
  storage_account_id    = each.value.destination_storage_account_id
  container_access_type = "private"
}

resource "azurerm_storage_object_replication" "state" {
  for_each = local.replication

  source_storage_account_id      = azurerm_storage_account.this.id
  destination_storage_account_id = each.value.destination_storage_account_id

  rules {
    source_container_name      = azurerm_storage_container.this.name
    destination_container_name = azurerm_storage_container.replica[each.key].name
    # Existing state too: the replica must hold the current state from the start.
    copy_blobs_created_after = "Everything"
    # Despite its name, the blobs whose names begin with one of these are the ones replicated
    # (registry.terraform.io/providers/hashicorp/azurerm, storage_object_replication).
    filter_out_blobs_with_prefix = each.value.prefixes
  }

  lifecycle {
    precondition {
      condition     = lower(each.value.destination_storage_account_id) != lower(azurerm_storage_account.this.id)
      error_message = "replication: the destination is this state account; the replica must be in another region's account to survive its outage."
    }
  }
}
