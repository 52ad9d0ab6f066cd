terraform {
  required_version = ">= 1.5.0"

  required_providers {
    alicloud = {
      source = "aliyun/alicloud"
      # Same range as the cluster modules. Newest arguments used here: rtc on
      # alicloud_oss_bucket_replication (1.262.0) and role_name /
      # assume_role_policy_document on alicloud_ram_role (1.252.0). Checked against the
      # 1.289.0 source schema.
      version = ">= 1.266.0, < 2.0.0"
    }
  }
}
