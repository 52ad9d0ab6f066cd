################################################################################
# KMS: one key for the control plane (secrets, logs), one for checkpoints
################################################################################

# In a key policy, Resource "*" means "this key", and kms:* for the account root is the AWS
# default key policy: it lets IAM policies in the account grant use of the key (the node role's
# policy in iam.tf does); without it the key could become unmanageable.
data "aws_iam_policy_document" "cluster_key" {
  #checkov:skip=CKV_AWS_109:key policy: kms:* for the account root is the AWS default key policy (delegates to IAM); Resource "*" is this key only
  #checkov:skip=CKV_AWS_111:key policy: kms:* for the account root is the AWS default key policy (delegates to IAM); Resource "*" is this key only
  #checkov:skip=CKV_AWS_356:key policy: Resource "*" in a key policy is this key only; the CloudWatch Logs statement is bound to this account's log groups by the encryption-context condition
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "cluster" {
  description             = "${var.name}: EKS secrets and control-plane logs"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.cluster_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "cluster" {
  name          = "alias/${var.name}-cluster"
  target_key_id = aws_kms_key.cluster.key_id
}

data "aws_iam_policy_document" "checkpoint_key" {
  #checkov:skip=CKV_AWS_109:key policy: kms:* for the account root is the AWS default key policy (delegates to IAM); Resource "*" is this key only
  #checkov:skip=CKV_AWS_111:key policy: kms:* for the account root is the AWS default key policy (delegates to IAM); Resource "*" is this key only
  #checkov:skip=CKV_AWS_356:key policy: Resource "*" in a key policy is this key only
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "checkpoint" {
  description             = "${var.name}: checkpoint bucket"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.checkpoint_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "checkpoint" {
  name          = "alias/${var.name}-checkpoint"
  target_key_id = aws_kms_key.checkpoint.key_id
}
