terraform {
  required_version = ">= 1.5.0"

  required_providers {
    alicloud = {
      source = "aliyun/alicloud"
      # Same range as alicloud-gpu-cluster (alicloud_oss_bucket_acl and
      # alicloud_oss_bucket_public_access_block are in every release of it).
      version = ">= 1.266.0, < 2.0.0"
    }
  }
}
