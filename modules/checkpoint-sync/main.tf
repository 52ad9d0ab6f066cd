locals {
  labels = {
    "app.kubernetes.io/name"       = "checkpoint-sync"
    "app.kubernetes.io/managed-by" = "infra"
  }

  # rclone v1.75.0 (rclone.org/docs, rclone.org/commands/rclone_copy): `copy`, never `sync`, so a
  # deletion or corruption at the source never deletes the target's last good checkpoints.
  # --config /dev/null: the remotes come from the environment only, the config stays in memory
  # (the root filesystem is read-only). --max-duration with --cutoff-mode soft: no transfer
  # starts after the time budget, those under way finish (a large checkpoint is not cut and
  # restarted from zero by every run). Stats once a minute on one line at NOTICE, the default
  # log level, so `kubectl logs` shows progress.
  args = { for name, job in var.jobs : name => [
    "copy",
    job.source,
    job.destination,
    "--config=/dev/null",
    "--cache-dir=/tmp/rclone",
    "--max-duration=${job.max_duration_seconds}s",
    "--cutoff-mode=soft",
    "--stats=1m",
    "--stats-one-line",
    "--stats-log-level=NOTICE",
  ] }
}

################################################################################
# Namespace and service account
################################################################################

resource "kubernetes_namespace_v1" "this" {
  metadata {
    name = var.namespace
    # Pod Security admission: the jobs' pods meet the restricted profile, so the namespace
    # enforces it (kubernetes.io/docs/concepts/security/pod-security-admission).
    labels = merge(local.labels, {
      "pod-security.kubernetes.io/enforce" = "restricted"
      "pod-security.kubernetes.io/warn"    = "restricted"
      "pod-security.kubernetes.io/audit"   = "restricted"
    })
  }
}

resource "kubernetes_service_account_v1" "this" {
  metadata {
    name        = var.service_account_name
    namespace   = kubernetes_namespace_v1.this.metadata[0].name
    labels      = local.labels
    annotations = var.service_account_annotations
  }

  automount_service_account_token = false
}

################################################################################
# One CronJob per source cluster, with the rclone settings of its two remotes
################################################################################

# Non-secret settings only (the variable's validation refuses credentials). The pods read this
# ConfigMap first and the Secret after it: "When a key exists in multiple sources, the value
# associated with the last source will take precedence" (Kubernetes API, EnvFromSource), so
# the Secret may override a setting, such as an OSS custom domain as the endpoint.
resource "kubernetes_config_map_v1" "remotes" {
  for_each = var.jobs

  metadata {
    name      = each.key
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = merge(local.labels, { "infra/source" = each.value.source_cluster })
  }

  data = each.value.remotes
}

resource "kubernetes_cron_job_v1" "sync" {
  for_each = var.jobs

  metadata {
    name      = each.key
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = merge(local.labels, { "infra/source" = each.value.source_cluster })
  }

  spec {
    schedule                      = each.value.schedule
    concurrency_policy            = "Forbid"
    starting_deadline_seconds     = var.starting_deadline_seconds
    successful_jobs_history_limit = 3
    failed_jobs_history_limit     = 3

    job_template {
      metadata {
        labels = merge(local.labels, { "infra/source" = each.value.source_cluster })
      }

      spec {
        # The next scheduled run is the retry.
        backoff_limit           = 0
        active_deadline_seconds = var.run_deadline_seconds

        template {
          metadata {
            labels = merge(var.pod_labels, local.labels, { "infra/source" = each.value.source_cluster })
          }

          spec {
            # No node selector and no tolerations: the pods land on the untainted system pool,
            # never on a GPU pool.
            service_account_name            = kubernetes_service_account_v1.this.metadata[0].name
            automount_service_account_token = var.automount_service_account_token
            restart_policy                  = "Never"

            security_context {
              run_as_non_root = true
              run_as_user     = var.run_as_user
              run_as_group    = var.run_as_user

              seccomp_profile {
                type = "RuntimeDefault"
              }
            }

            container {
              name              = "rclone"
              image             = var.image
              image_pull_policy = "Always"
              command           = ["rclone"]
              args              = local.args[each.key]

              env_from {
                config_map_ref {
                  name = kubernetes_config_map_v1.remotes[each.key].metadata[0].name
                }
              }

              env_from {
                secret_ref {
                  name = var.credentials_secret_name
                }
              }

              resources {
                requests = {
                  cpu    = var.resources.cpu_request
                  memory = var.resources.memory_request
                }
                limits = {
                  cpu    = var.resources.cpu_limit
                  memory = var.resources.memory_limit
                }
              }

              security_context {
                allow_privilege_escalation = false
                privileged                 = false
                read_only_root_filesystem  = true
                run_as_non_root            = true
                run_as_user                = var.run_as_user
                run_as_group               = var.run_as_user

                capabilities {
                  drop = ["ALL"]
                }
              }

              volume_mount {
                name       = "tmp"
                mount_path = "/tmp"
              }
            }

            volume {
              name = "tmp"
              empty_dir {
                size_limit = "1Gi"
              }
            }
          }
        }
      }
    }
  }
}
