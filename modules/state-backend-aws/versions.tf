terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Same range as aws-gpu-cluster: valid on 5.100 and 6.x.
      version = ">= 5.100, < 7.0"
    }
  }
}
