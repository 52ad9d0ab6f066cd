################################################################################
# Admin access: admin_group_object_ids are the cluster's Entra ID admin groups (main.tf,
# azure_active_directory_role_based_access_control). Fetching a kubeconfig is an Azure action
# of its own (listClusterUserCredential), granted by Azure Kubernetes Service Cluster User
# Role (learn.microsoft.com/azure/aks/concepts-identity, learn.microsoft.com/azure/
# role-based-access-control/built-in-roles): each admin group gets it on the cluster, so its
# members can run az aks get-credentials and then kubectl through kubelogin.
################################################################################

resource "azurerm_role_assignment" "admin_cluster_user" {
  for_each = toset(var.admin_group_object_ids)

  scope                = azurerm_kubernetes_cluster.this.id
  role_definition_name = "Azure Kubernetes Service Cluster User Role"
  principal_id         = each.key
  principal_type       = "Group"
}
