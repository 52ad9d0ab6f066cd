terraform {
  required_version = ">= 1.5.0"

  required_providers {
    alicloud = {
      source = "aliyun/alicloud"
      # 1.266.0 added instance_metadata_options (IMDS hardening) to ACK node pools; the
      # other arguments used here are older (node_pool_name 1.219, image_type 1.236,
      # vswitch_ids on the cluster 1.241). Checked against the 1.289.0 source schema.
      version = ">= 1.266.0, < 2.0.0"
    }
  }
}
