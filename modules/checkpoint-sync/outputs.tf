output "namespace" {
  description = "Namespace of the sync jobs."
  value       = kubernetes_namespace_v1.this.metadata[0].name
}

output "service_account_name" {
  description = "Service account the jobs run as (annotate it for workload identity)."
  value       = kubernetes_service_account_v1.this.metadata[0].name
}

output "cron_jobs" {
  description = "Job name -> its source cluster and schedule."
  value       = { for name, job in kubernetes_cron_job_v1.sync : name => { source_cluster = var.jobs[name].source_cluster, schedule = job.spec[0].schedule } }
}

output "credentials_secret_name" {
  description = "The Secret every job reads its credentials from (created by you)."
  value       = var.credentials_secret_name
}
