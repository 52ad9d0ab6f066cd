################################################################################
# GPU node pools: placement groups, EFA security group, launch templates, node groups
################################################################################

locals {
  taint_effects = {
    NoSchedule       = "NO_SCHEDULE"
    PreferNoSchedule = "PREFER_NO_SCHEDULE"
    NoExecute        = "NO_EXECUTE"
  }

  # Graviton families carry a "g" after the generation digit (m7g, c7gn, g5g, x2gd).
  arm_pools = { for k, p in var.node_pools : k => can(regex("^[a-z]+[0-9]+[a-z]*g[a-z]*\\.", p.instance_type)) }
  ami_types = { for k, p in var.node_pools : k => format("AL2023_%s_%s",
    local.arm_pools[k] ? "ARM_64" : "x86_64", p.gpu != null ? "NVIDIA" : "STANDARD")
  }

  # SPOT for spot pools, CAPACITY_BLOCK for pools reserved with an EC2 Capacity Block for
  # ML, ON_DEMAND otherwise (an On-Demand Capacity Reservation is still ON_DEMAND).
  capacity_types = { for k, p in var.node_pools : k => (
    p.spot ? "SPOT" : contains(var.capacity_block_pools, k) ? "CAPACITY_BLOCK" : "ON_DEMAND"
  ) }

  rdma_pools = { for k, p in var.node_pools : k => p if p.rdma }
  # The launch template interfaces of each pool: an RDMA pool's efa_layout (infra lays it out
  # from the instance type's network cards, infra/clouds/aws/efa.py and docs/efa.md), else one
  # EFA as the primary interface; none for other pools.
  efa_fallback = [{ network_card_index = 0, device_index = 0, interface_type = "efa" }]
  pool_interfaces = { for k, p in var.node_pools : k => (
    p.rdma ? lookup(var.efa_layout, k, local.efa_fallback) : []
  ) }
  # Reserved pools get none: EC2 rejects a cluster placement group combined with a targeted
  # capacity reservation made outside that group, and Capacity Blocks are co-located anyway.
  placement_pools = var.create_placement_groups ? {
    for k, p in var.node_pools : k => p
    if p.rdma && p.workload == "training" && !contains(keys(var.capacity_reservation_ids), k)
  } : {}

  # The private subnets of each pool: a reserved pool's zone only (a reservation is zonal),
  # EFA pools the first zone (EFA and placement groups need one zone), others every zone.
  pool_subnet_ids = { for k, p in var.node_pools : k => (
    contains(keys(var.reservation_zones), k) ? [aws_subnet.private[index(var.zones, var.reservation_zones[k])].id] :
    p.rdma ? [aws_subnet.private[0].id] : aws_subnet.private[*].id
  ) }

  pool_labels = { for k, p in var.node_pools : k => merge(
    p.labels,
    {
      "infra/pool"     = k
      "infra/workload" = p.workload
    },
    p.gpu != null ? { "infra/gpu" = p.gpu } : {},
    p.standby ? { "infra/standby" = "true" } : {},
  ) }
}

resource "aws_placement_group" "this" {
  for_each = local.placement_pools

  name     = "${var.name}-${each.key}"
  strategy = "cluster"
  tags     = local.tags

}

# EFA requires a security group that allows all traffic to and from itself.
resource "aws_security_group" "efa" {
  count = length(local.rdma_pools) > 0 ? 1 : 0

  name_prefix = "${var.name}-efa-"
  description = "EFA: all traffic between members of this group only"
  vpc_id      = aws_vpc.this.id
  tags        = merge(local.tags, { Name = "${var.name}-efa" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "efa_self" {
  count = length(aws_security_group.efa)

  security_group_id            = aws_security_group.efa[0].id
  referenced_security_group_id = aws_security_group.efa[0].id
  ip_protocol                  = "-1"
  description                  = "EFA traffic from group members"
}

resource "aws_vpc_security_group_egress_rule" "efa_self" {
  count = length(aws_security_group.efa)

  security_group_id            = aws_security_group.efa[0].id
  referenced_security_group_id = aws_security_group.efa[0].id
  ip_protocol                  = "-1"
  description                  = "EFA traffic to group members"
}

resource "aws_launch_template" "pool" {
  for_each = var.node_pools

  name_prefix            = "${var.name}-${each.key}-"
  description            = "${var.name} node pool ${each.key}"
  update_default_version = true
  tags                   = local.tags

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = var.metadata_hop_limit
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_type           = "gp3"
      volume_size           = var.root_volume_size_gib
      encrypted             = true
      kms_key_id            = var.ebs_kms_key_arn
      delete_on_termination = true
    }
  }

  # RDMA pools: the primary interface and an EFA on every network card (local.pool_interfaces).
  dynamic "network_interfaces" {
    for_each = local.pool_interfaces[each.key]
    content {
      network_card_index    = network_interfaces.value.network_card_index
      device_index          = network_interfaces.value.device_index
      interface_type        = network_interfaces.value.interface_type
      delete_on_termination = true
      security_groups = [
        aws_eks_cluster.this.vpc_config[0].cluster_security_group_id,
        aws_security_group.efa[0].id,
      ]
    }
  }

  dynamic "placement" {
    for_each = [for k, pg in aws_placement_group.this : pg.name if k == each.key]
    content {
      group_name = placement.value
    }
  }

  dynamic "capacity_reservation_specification" {
    for_each = contains(keys(var.capacity_reservation_ids), each.key) ? [var.capacity_reservation_ids[each.key]] : []
    content {
      capacity_reservation_target {
        capacity_reservation_id = capacity_reservation_specification.value
      }
    }
  }

  dynamic "instance_market_options" {
    for_each = local.capacity_types[each.key] == "CAPACITY_BLOCK" ? ["capacity-block"] : []
    content {
      market_type = instance_market_options.value
    }
  }

  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume", "network-interface"])
    content {
      resource_type = tag_specifications.value
      tags          = merge(local.tags, { Name = "${var.name}-${each.key}", "infra/pool" = each.key })
    }
  }

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = !(each.value.spot && contains(keys(var.capacity_reservation_ids), each.key))
      error_message = "pool ${each.key}: a spot pool cannot use a capacity reservation."
    }

    precondition {
      condition     = each.value.rdma || !contains(keys(var.efa_layout), each.key)
      error_message = "pool ${each.key}: has an efa_layout entry but rdma = false."
    }

    precondition {
      condition     = !contains(var.capacity_block_pools, each.key) || contains(keys(var.capacity_reservation_ids), each.key)
      error_message = "pool ${each.key}: listed in capacity_block_pools but has no capacity_reservation_ids entry."
    }
  }
}

resource "aws_eks_node_group" "pool" {
  for_each = var.node_pools

  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${var.name}-${each.key}"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = local.pool_subnet_ids[each.key]
  ami_type        = local.ami_types[each.key]
  capacity_type   = local.capacity_types[each.key]
  instance_types  = [each.value.instance_type]
  labels          = local.pool_labels[each.key]
  tags            = merge(local.tags, { "infra/pool" = each.key, "infra/standby" = tostring(each.value.standby) })

  scaling_config {
    min_size     = each.value.min_nodes
    desired_size = each.value.desired_nodes
    max_size     = each.value.max_nodes
  }

  update_config {
    max_unavailable = 1
  }

  launch_template {
    id      = aws_launch_template.pool[each.key].id
    version = aws_launch_template.pool[each.key].latest_version
  }

  dynamic "taint" {
    for_each = each.value.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = local.taint_effects[taint.value.effect]
    }
  }

  lifecycle {
    # The cluster autoscaler owns the running size once the pool exists.
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [
    aws_iam_role_policy_attachment.node,
    aws_route_table_association.private,
    aws_route.private_nat,
  ]
}
