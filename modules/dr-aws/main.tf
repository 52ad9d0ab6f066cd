data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  tags       = merge(var.tags, { "infra/dr" = var.name })

  pairs = { for k, p in var.replication_pairs : k => merge(p, {
    rule_id            = "checkpoints-${k}"
    source_arn         = "arn:${local.partition}:s3:::${p.source_bucket}"
    destination_arn    = "arn:${local.partition}:s3:::${p.destination_bucket}"
    destination_owner  = coalesce(p.destination_account_id, local.account_id)
    cross_account      = p.destination_account_id != null && p.destination_account_id != local.account_id
    destination_kms_id = startswith(p.destination_kms_key, "arn:") ? p.destination_kms_key : "arn:${local.partition}:kms:${p.destination_region}:${coalesce(p.destination_account_id, local.account_id)}:${p.destination_kms_key}"
  }) }
}
