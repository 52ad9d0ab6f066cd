variable "namespace" {
  description = "Namespace of the sync jobs (created by this module, Pod Security restricted)."
  type        = string
  default     = "infra-dr"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS label: 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit."
  }
}

variable "jobs" {
  description = "CronJob name -> what it copies: the source cluster (a label), the cron schedule, rclone's --max-duration in seconds, the source and destination as rclone paths (\"<remote>:<bucket>/<prefix>/\"), and the non-secret RCLONE_CONFIG_<REMOTE>_<OPTION> settings of both remotes. Credentials never go here: they come from the Secret credentials_secret_name."
  type = map(object({
    source_cluster       = string
    schedule             = string
    max_duration_seconds = number
    source               = string
    destination          = string
    remotes              = map(string)
  }))

  validation {
    # A CronJob's Jobs append an 11-character suffix to its name within a 63-character label.
    condition     = alltrue([for name in keys(var.jobs) : can(regex("^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$", name))])
    error_message = "job names must be 1-52 lowercase letters, digits and '-', starting and ending with a letter or digit."
  }

  validation {
    condition     = alltrue([for job in values(var.jobs) : can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", job.source_cluster))])
    error_message = "source_cluster must be a cluster name (a DNS label)."
  }

  validation {
    # Every N minutes with N dividing an hour, or hourly: the schedules infra renders.
    condition     = alltrue([for job in values(var.jobs) : can(regex("^(0|\\*/(1|2|3|4|5|6|10|12|15|20|30)) \\* \\* \\* \\*$", job.schedule))])
    error_message = "schedule must be \"*/N * * * *\" with N dividing 60 (1-30), or \"0 * * * *\" (hourly)."
  }

  validation {
    # rclone stops starting transfers at --max-duration: before the next run is due, which
    # concurrencyPolicy Forbid would otherwise skip.
    condition = alltrue([for job in values(var.jobs) : job.max_duration_seconds >= 30 && job.max_duration_seconds < 60 * (
      startswith(job.schedule, "*/") ? tonumber(split(" ", trimprefix(job.schedule, "*/"))[0]) : 60
    )])
    error_message = "max_duration_seconds must be at least 30 and shorter than the schedule's interval."
  }

  validation {
    condition     = alltrue([for job in values(var.jobs) : can(regex("^[a-z0-9_]+:[^/\\s]+/(\\S+/)?$", job.source)) && can(regex("^[a-z0-9_]+:[^/\\s]+/(\\S+/)?$", job.destination)) && job.source != job.destination])
    error_message = "source and destination must be different rclone paths \"<remote>:<bucket>/<prefix>/\" (remote: lowercase letters, digits and '_'; ending in '/')."
  }

  validation {
    # rclone creates a remote from the environment only with its RCLONE_CONFIG_<REMOTE>_TYPE.
    condition = alltrue([for job in values(var.jobs) : alltrue([
      for path in [job.source, job.destination] : contains(keys(job.remotes), "RCLONE_CONFIG_${upper(split(":", path)[0])}_TYPE")
    ])])
    error_message = "remotes must set RCLONE_CONFIG_<REMOTE>_TYPE for the remote of source and of destination."
  }

  validation {
    condition     = alltrue([for job in values(var.jobs) : alltrue([for key in keys(job.remotes) : can(regex("^RCLONE_CONFIG_[A-Z0-9_]+$", key))])])
    error_message = "remotes keys must be RCLONE_CONFIG_<REMOTE>_<OPTION> (uppercase letters, digits and '_')."
  }

  validation {
    # Credentials belong in the Secret: a rendered value would sit in plans, state and Git.
    condition     = alltrue([for job in values(var.jobs) : alltrue([for key in keys(job.remotes) : !can(regex("_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|KEY|SAS_URL|CONNECTION_STRING|CLIENT_SECRET|PASSWORD|TOKEN)$", key))])])
    error_message = "remotes must not hold credentials (keys, secrets, tokens, passwords, SAS URLs): put them in the Secret credentials_secret_name."
  }
}

variable "credentials_secret_name" {
  description = "Secret in namespace that you create (see README) with the stores' credentials as environment variables; every job reads all of it, after its remotes, so it may also override a remote's setting (an endpoint)."
  type        = string
  default     = "infra-checkpoint-sync"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.credentials_secret_name))
    error_message = "credentials_secret_name must be a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253."
  }
}

variable "image" {
  description = "The rclone image, pinned by tag or digest (rclone/rclone is the rclone developers' image; tags name releases, e.g. 1.75.0)."
  type        = string
  default     = "rclone/rclone:1.75.0"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9./_:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$", var.image)) && !endswith(var.image, ":latest") && !endswith(var.image, ":beta")
    error_message = "image must be pinned: <repository>:<release tag> or <repository>@sha256:<digest> (not latest or beta)."
  }
}

variable "service_account_name" {
  description = "Service account of the jobs (created by this module)."
  type        = string
  default     = "checkpoint-sync"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.service_account_name))
    error_message = "service_account_name must be a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253."
  }
}

variable "service_account_annotations" {
  description = "Annotations of the service account, for workload identity instead of keys in the Secret: eks.amazonaws.com/role-arn (EKS IRSA) or azure.workload.identity/client-id (AKS)."
  type        = map(string)
  default     = {}
}

variable "pod_labels" {
  description = "Extra labels of the job pods, e.g. azure.workload.identity/use = \"true\" for AKS workload identity."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for value in values(var.pod_labels) : can(regex("^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$", value))])
    error_message = "pod_labels values must be Kubernetes label values: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit."
  }
}

variable "automount_service_account_token" {
  description = "Mount the service account's API token in the pods. rclone never calls the Kubernetes API; turn it on only if your identity webhook needs it."
  type        = bool
  default     = false
}

variable "run_as_user" {
  description = "UID (and GID) the rclone container runs as: never root."
  type        = number
  default     = 65532

  validation {
    condition     = var.run_as_user >= 1 && var.run_as_user == floor(var.run_as_user)
    error_message = "run_as_user must be a whole number of at least 1 (not root)."
  }
}

variable "resources" {
  description = "CPU and memory requests and limits of the rclone container."
  type = object({
    cpu_request    = optional(string, "250m")
    memory_request = optional(string, "256Mi")
    cpu_limit      = optional(string, "1")
    memory_limit   = optional(string, "1Gi")
  })
  default = {}

  validation {
    condition     = alltrue([for q in [var.resources.cpu_request, var.resources.cpu_limit] : can(regex("^([0-9]+m|[0-9]+(\\.[0-9]+)?)$", q))])
    error_message = "cpu_request and cpu_limit must be CPU quantities such as 250m or 1."
  }

  validation {
    condition     = alltrue([for q in [var.resources.memory_request, var.resources.memory_limit] : can(regex("^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$", q))])
    error_message = "memory_request and memory_limit must be memory quantities such as 256Mi or 1Gi."
  }
}

variable "starting_deadline_seconds" {
  description = "How late a missed run may still start; later runs are skipped until the next schedule."
  type        = number
  default     = 120

  validation {
    condition     = var.starting_deadline_seconds >= 10
    error_message = "starting_deadline_seconds must be at least 10 (the CronJob controller checks every 10 s)."
  }
}

variable "run_deadline_seconds" {
  description = "Hard stop of one run (the Job's activeDeadlineSeconds): --max-duration stops new transfers, this ends a run whose last transfers hang."
  type        = number
  default     = 21600

  validation {
    condition     = var.run_deadline_seconds >= 60
    error_message = "run_deadline_seconds must be at least 60."
  }
}
