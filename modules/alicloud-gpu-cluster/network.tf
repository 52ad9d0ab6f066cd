################################################################################
# Network: VPC, vSwitches per zone, NAT gateway + EIP for egress
################################################################################

locals {
  zone_count = length(var.zones)
  # Node vSwitches: /4 slices in the first quarter; pod (Terway) vSwitches: /3 slices in the
  # second half, so pods have many more addresses than nodes.
  node_cidrs = [for i in range(local.zone_count) : cidrsubnet(var.cidr, 4, i)]
  pod_cidrs  = [for i in range(local.zone_count) : cidrsubnet(var.cidr, 3, 4 + i)]
}

resource "alicloud_vpc" "cluster" {
  vpc_name   = var.name
  cidr_block = var.cidr
  tags       = local.tags
}

resource "alicloud_vswitch" "nodes" {
  count = local.zone_count

  vswitch_name = "${var.name}-nodes-${var.zones[count.index]}"
  vpc_id       = alicloud_vpc.cluster.id
  cidr_block   = local.node_cidrs[count.index]
  zone_id      = var.zones[count.index]
  tags         = local.tags
}

resource "alicloud_vswitch" "pods" {
  count = local.zone_count

  vswitch_name = "${var.name}-pods-${var.zones[count.index]}"
  vpc_id       = alicloud_vpc.cluster.id
  cidr_block   = local.pod_cidrs[count.index]
  zone_id      = var.zones[count.index]
  tags         = local.tags
}

resource "alicloud_nat_gateway" "cluster" {
  vpc_id               = alicloud_vpc.cluster.id
  nat_gateway_name     = var.name
  vswitch_id           = alicloud_vswitch.nodes[0].id
  nat_type             = "Enhanced"
  network_type         = "internet"
  payment_type         = "PayAsYouGo"
  internet_charge_type = "PayByLcu"
  tags                 = local.tags
}

resource "alicloud_eip_address" "nat" {
  address_name         = "${var.name}-nat"
  isp                  = "BGP"
  internet_charge_type = "PayByTraffic"
  payment_type         = "PayAsYouGo"
  bandwidth            = tostring(var.nat_bandwidth_mbps)
  tags                 = local.tags
}

resource "alicloud_eip_association" "nat" {
  allocation_id = alicloud_eip_address.nat.id
  instance_id   = alicloud_nat_gateway.cluster.id
  instance_type = "Nat"
}

resource "alicloud_snat_entry" "cluster" {
  for_each = { for i, vsw in concat(alicloud_vswitch.nodes, alicloud_vswitch.pods) : tostring(i) => vsw.id }

  snat_table_id     = alicloud_nat_gateway.cluster.snat_table_ids
  source_vswitch_id = each.value
  snat_ip           = alicloud_eip_address.nat.ip_address

  depends_on = [alicloud_eip_association.nat]
}

# Members may talk to each other (pods, eRDMA); no ingress from outside is opened.
resource "alicloud_security_group" "cluster" {
  security_group_name = "${var.name}-nodes"
  description         = "${var.name}: ACK nodes, intra-group traffic only"
  vpc_id              = alicloud_vpc.cluster.id
  security_group_type = "normal"
  inner_access_policy = "Accept"
  tags                = local.tags
}
