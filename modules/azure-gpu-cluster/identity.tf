################################################################################
# Control-plane identity
################################################################################

# AKS associates a node pool with a capacity reservation group only when the cluster runs a
# user-assigned managed identity with the Contributor role on the resource group that holds
# the group; system-assigned identities don't work for this feature
# (learn.microsoft.com/azure/aks/use-capacity-reservation-groups, Prerequisites). So the
# module creates one, but only when a pool is reserved: a cluster without reservations keeps
# its system-assigned identity and the exact resources it had before.

locals {
  user_assigned_identity = length(var.capacity_reservation_group_ids) > 0

  # "/subscriptions/<id>/resourceGroups/<group>" of every reservation group's ARM id, once each
  # (the variable's validation guarantees the shape).
  reservation_resource_groups = toset([
    for id in values(var.capacity_reservation_group_ids) :
    regex("^(/subscriptions/[^/]+/resourceGroups/[^/]+)/", id)[0]
  ])

  # The principal AKS acts as on Azure resources (the subnet role in main.tf).
  control_plane_principal_id = local.user_assigned_identity ? azurerm_user_assigned_identity.control_plane[0].principal_id : azurerm_kubernetes_cluster.this.identity[0].principal_id
}

resource "azurerm_user_assigned_identity" "control_plane" {
  count               = local.user_assigned_identity ? 1 : 0
  name                = "${var.name}-control-plane"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  tags                = local.tags
}

# The cluster depends on these (depends_on in main.tf): the role must exist before AKS
# associates the first pool, and it "can take up to 60 minutes for the role assignment to
# propagate" (same page), which no dependency can wait out: a pool created right after a new
# assignment may still be refused, and applying again once it has propagated succeeds.
resource "azurerm_role_assignment" "reservation_groups" {
  for_each             = local.user_assigned_identity ? local.reservation_resource_groups : toset([])
  scope                = each.value
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.control_plane[0].principal_id
  # As the page's own az role assignment create does (--assignee-principal-type): with the
  # type given, ARM does not look the new identity up in Entra ID, which may not have it yet
  # (github.com/Azure/AgentBaker/pull/8251: PrincipalNotFound otherwise).
  principal_type = "ServicePrincipal"
}
