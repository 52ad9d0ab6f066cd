locals {
  tags = merge(var.tags, { "infra-cluster" = var.name })

  # ACK wants a full release ("1.31.1-aliyun.1"); a minor version picks its newest release.
  full_version_given = can(regex("-aliyun\\.", var.kubernetes_version))
  ack_releases = local.full_version_given ? [] : [
    for m in data.alicloud_cs_kubernetes_version.this[0].metadata : m.version
    if startswith(m.version, "${var.kubernetes_version}.")
  ]
  ack_patches = [for v in local.ack_releases : tonumber(split(".", split("-", v)[0])[2])]
  ack_version = local.full_version_given ? var.kubernetes_version : (
    length(local.ack_patches) > 0 ? local.ack_releases[index(local.ack_patches, max(local.ack_patches...))] : null
  )

  # eRDMA's controller (ack-erdma-controller) is not installed here: the cluster's add-ons root
  # owns it, with its configuration (alicloud_cs_kubernetes_addon), so one root manages it.
  addons = [
    { name = "terway-eniip", config = "" },
    { name = "csi-plugin", config = "" },
    { name = "managed-csiprovisioner", config = "" },
  ]
}

data "alicloud_cs_kubernetes_version" "this" {
  count = local.full_version_given ? 0 : 1

  cluster_type = "ManagedKubernetes"
  profile      = "Default"
}

################################################################################
# ACK managed cluster (Pro)
################################################################################

resource "alicloud_cs_managed_kubernetes" "this" {
  name                         = var.name
  cluster_spec                 = "ack.pro.small"
  version                      = local.ack_version
  vswitch_ids                  = alicloud_vswitch.nodes[*].id
  pod_vswitch_ids              = alicloud_vswitch.pods[*].id
  service_cidr                 = var.service_cidr
  new_nat_gateway              = false
  slb_internet_enabled         = var.endpoint_public_access
  security_group_id            = alicloud_security_group.cluster.id
  proxy_mode                   = "ipvs"
  enable_rrsa                  = true
  deletion_protection          = var.deletion_protection
  encryption_provider_key      = var.secrets_kms_key_id
  control_plane_log_components = var.control_plane_log_components
  tags                         = local.tags

  dynamic "addons" {
    for_each = local.addons
    content {
      name   = addons.value.name
      config = addons.value.config
    }
  }

  lifecycle {
    # Add-ons are create-only in the provider; later changes go through
    # alicloud_cs_kubernetes_addon, not this block.
    ignore_changes = [addons]

    precondition {
      condition     = local.ack_version != null
      error_message = "no ACK release of Kubernetes ${var.kubernetes_version} is offered in ${var.region}."
    }
  }

  depends_on = [alicloud_snat_entry.cluster]
}
