output "cluster_name" {
  description = "ACK cluster name."
  value       = alicloud_cs_managed_kubernetes.this.name
}

output "cluster_id" {
  description = "ACK cluster id."
  value       = alicloud_cs_managed_kubernetes.this.id
}

output "cluster_endpoint" {
  description = "Kubernetes API server endpoint: the intranet endpoint, or the public one when endpoint_public_access."
  value       = var.endpoint_public_access ? alicloud_cs_managed_kubernetes.this.connections.api_server_internet : alicloud_cs_managed_kubernetes.this.connections.api_server_intranet
}

output "kubernetes_version" {
  description = "ACK release the cluster runs."
  value       = local.ack_version
}

output "network_id" {
  description = "VPC id."
  value       = alicloud_vpc.cluster.id
}

output "node_vswitch_ids" {
  description = "Node vSwitch ids, in zone order."
  value       = alicloud_vswitch.nodes[*].id
}

output "pod_vswitch_ids" {
  description = "Pod (Terway) vSwitch ids, in zone order."
  value       = alicloud_vswitch.pods[*].id
}

output "security_group_id" {
  description = "Security group of the nodes."
  value       = alicloud_security_group.cluster.id
}

output "node_pool_names" {
  description = "Pool name -> ACK node pool id."
  value       = { for k, p in alicloud_cs_kubernetes_node_pool.pool : k => p.node_pool_id }
}

output "nat_ip" {
  description = "Egress IP address of the cluster."
  value       = alicloud_eip_address.nat.ip_address
}

output "rrsa_oidc_issuer_url" {
  description = "RRSA OIDC issuer URL (RAM roles for service accounts)."
  value       = try(alicloud_cs_managed_kubernetes.this.rrsa_metadata[0].rrsa_oidc_issuer_url, null)
}

output "checkpoint_bucket" {
  description = "Name of the checkpoint OSS bucket."
  value       = alicloud_oss_bucket.checkpoint.bucket
}

output "checkpoint_bucket_intranet_endpoint" {
  description = "Intranet endpoint of the checkpoint bucket's region."
  value       = alicloud_oss_bucket.checkpoint.intranet_endpoint
}

output "access_log_bucket" {
  description = "Bucket holding the checkpoint bucket's OSS access logs (prefix oss-access/)."
  value       = alicloud_oss_bucket.access_logs.bucket
}

output "node_health_notification_ids" {
  description = "Auto Scaling notification configurations on GPU node pool scaling failures, by pool (<scaling_group_id>:<notification_arn>)."
  value       = { for k, n in alicloud_ess_notification.gpu_scaling_failed : k => n.id }
}
