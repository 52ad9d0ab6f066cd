output "cluster_name" {
  description = "EKS cluster name."
  value       = aws_eks_cluster.this.name
}

output "cluster_id" {
  description = "EKS cluster ARN (unique across accounts and regions)."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint (private unless endpoint_public_access)."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA certificate of the Kubernetes API."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_security_group_id" {
  description = "Security group EKS created for the control plane and nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster (for IRSA providers)."
  value       = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "network_id" {
  description = "VPC id."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "Private subnet ids, in zone order."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "Public subnet ids, in zone order."
  value       = aws_subnet.public[*].id
}

output "node_pool_names" {
  description = "Pool name -> EKS managed node group name."
  value       = { for k, ng in aws_eks_node_group.pool : k => ng.node_group_name }
}

output "node_role_arn" {
  description = "IAM role ARN of the nodes."
  value       = aws_iam_role.node.arn
}

output "placement_group_names" {
  description = "Pool name -> cluster placement group name (RDMA training pools)."
  value       = { for k, pg in aws_placement_group.this : k => pg.name }
}

output "checkpoint_bucket" {
  description = "Name of the checkpoint S3 bucket."
  value       = aws_s3_bucket.checkpoint.id
}

output "checkpoint_bucket_arn" {
  description = "ARN of the checkpoint S3 bucket."
  value       = aws_s3_bucket.checkpoint.arn
}

output "checkpoint_kms_key_arn" {
  description = "KMS key ARN encrypting the checkpoint bucket."
  value       = aws_kms_key.checkpoint.arn
}

output "cluster_kms_key_arn" {
  description = "KMS key ARN encrypting Kubernetes secrets and control-plane logs."
  value       = aws_kms_key.cluster.arn
}

output "access_log_bucket" {
  description = "Bucket holding the checkpoint bucket's S3 server access logs (prefix s3-access/)."
  value       = aws_s3_bucket.access_logs.id
}

output "node_health_alarm_arns" {
  description = "CloudWatch alarms on GPU node group health: status_check_failed by pool, and launch_failed (one for all GPU pools, null without GPU pools)."
  value = {
    status_check_failed = { for k, a in aws_cloudwatch_metric_alarm.gpu_status_check_failed : k => a.arn }
    launch_failed       = one(aws_cloudwatch_metric_alarm.gpu_launch_failed[*].arn)
  }
}
