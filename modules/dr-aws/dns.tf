################################################################################
# DNS failover: Route 53 health checks and chained failover records
################################################################################

locals {
  # Route 53 failover records have two tiers (PRIMARY, SECONDARY). An ordered list of N
  # targets becomes N-1 tiers: tier n answers targets[n] while healthy, else the next tier.
  tiers = merge({}, [for k, r in var.dns_records : {
    for n in range(length(r.targets) - 1) : "${k}/${n}" => {
      record    = k
      n         = n
      name      = n == 0 ? r.name : "${r.name}-failover-${n}"
      ttl       = r.ttl
      primary   = r.targets[n]
      secondary = r.targets[n + 1]
      last      = n == length(r.targets) - 2
      next      = "${k}/${n + 1}"
    }
  }]...)
  checked_endpoints = toset(flatten([for r in var.dns_records : r.targets]))
}

resource "aws_route53_health_check" "this" {
  for_each = local.checked_endpoints

  type              = "HTTPS"
  fqdn              = lookup(var.endpoints, each.key, "")
  port              = var.health_check.port
  resource_path     = var.health_check.path
  failure_threshold = var.health_check.failure_threshold
  request_interval  = var.health_check.request_interval
  enable_sni        = true
  tags              = merge(local.tags, { Name = "${var.name}-${each.key}" })

  lifecycle {
    precondition {
      condition     = contains(keys(var.endpoints), each.key)
      error_message = "DNS target ${each.key} has no hostname in endpoints."
    }
  }
}

resource "aws_route53_record" "primary" {
  for_each = local.tiers

  zone_id         = var.dns_zone_id
  name            = each.value.name
  type            = "CNAME"
  ttl             = each.value.ttl
  records         = [var.endpoints[each.value.primary]]
  set_identifier  = "${each.value.record}-${each.value.n}-primary"
  health_check_id = aws_route53_health_check.this[each.value.primary].id

  failover_routing_policy {
    type = "PRIMARY"
  }

  lifecycle {
    precondition {
      condition     = var.dns_zone_id != null
      error_message = "dns_records needs dns_zone_id (the Route 53 hosted zone, a variable of the root module)."
    }
  }
}

# The last tier answers with the last target; earlier tiers hand over to the next tier.
resource "aws_route53_record" "secondary_endpoint" {
  for_each = { for k, t in local.tiers : k => t if t.last }

  zone_id         = var.dns_zone_id
  name            = each.value.name
  type            = "CNAME"
  ttl             = each.value.ttl
  records         = [var.endpoints[each.value.secondary]]
  set_identifier  = "${each.value.record}-${each.value.n}-secondary"
  health_check_id = aws_route53_health_check.this[each.value.secondary].id

  failover_routing_policy {
    type = "SECONDARY"
  }
}

resource "aws_route53_record" "secondary_tier" {
  for_each = { for k, t in local.tiers : k => t if !t.last }

  zone_id        = var.dns_zone_id
  name           = each.value.name
  type           = "CNAME"
  set_identifier = "${each.value.record}-${each.value.n}-secondary"

  alias {
    name                   = aws_route53_record.primary[each.value.next].fqdn
    zone_id                = var.dns_zone_id
    evaluate_target_health = true
  }

  failover_routing_policy {
    type = "SECONDARY"
  }

  depends_on = [aws_route53_record.secondary_endpoint]
}
