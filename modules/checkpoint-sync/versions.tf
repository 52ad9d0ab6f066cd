terraform {
  # optional() object attributes with defaults need 1.3; 1.5 is the oldest release still
  # tested by the infra CI.
  required_version = ">= 1.5.0"

  required_providers {
    kubernetes = {
      source = "hashicorp/kubernetes"
      # 3.x is the current major (hashicorp/terraform-provider-kubernetes CHANGELOG: 3.0.0 of
      # 2025-12-03 deprecated the unversioned resources for the *_v1 ones used here; 3.2.1 of
      # 2026-06-30). Every argument used here is checked against the 3.4.0 schema snapshot
      # (tests/schemas/kubernetes.json).
      version = ">= 3.0.0, < 4.0.0"
    }
  }
}
