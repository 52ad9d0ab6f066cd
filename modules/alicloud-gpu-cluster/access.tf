################################################################################
# Admin access: each admin RAM user or role gets the predefined ACK "admin" role on this
# cluster (RBAC, role_type cluster). The provider grants with UpdateUserPermissions in patch
# mode and revokes with delete mode, so permissions the same user holds on other clusters
# (other roots) are kept (alicloud/resource_alicloud_cs_kubernetes_permissions.go in
# aliyun/terraform-provider-alicloud; the resource's uid is a RAM user id, or a RAM role id
# with is_ram_role).
################################################################################

resource "alicloud_cs_kubernetes_permissions" "admin_user" {
  for_each = toset(var.admin_ram_user_ids)

  uid = each.key

  permissions {
    cluster     = alicloud_cs_managed_kubernetes.this.id
    role_type   = "cluster"
    role_name   = "admin"
    is_custom   = false
    is_ram_role = false
  }
}

resource "alicloud_cs_kubernetes_permissions" "admin_role" {
  for_each = toset(var.admin_ram_role_ids)

  uid = each.key

  permissions {
    cluster     = alicloud_cs_managed_kubernetes.this.id
    role_type   = "cluster"
    role_name   = "admin"
    is_custom   = false
    is_ram_role = true
  }
}
