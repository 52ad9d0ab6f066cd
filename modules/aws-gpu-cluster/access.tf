################################################################################
# Admin access: each admin principal gets cluster-admin through an EKS access entry
# (access_config is API mode in main.tf), so the on-call engineer's kubectl works, not only
# the identity that created the cluster. AmazonEKSClusterAdminPolicy at cluster scope is
# cluster-admin (docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html).
################################################################################

resource "aws_eks_access_entry" "admin" {
  for_each = toset(var.admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.key
  type          = "STANDARD"
  tags          = local.tags
}

resource "aws_eks_access_policy_association" "admin" {
  for_each = toset(var.admin_principal_arns)

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.admin[each.key].principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}
