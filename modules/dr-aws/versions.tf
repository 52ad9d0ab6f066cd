terraform {
  # optional() object attributes with defaults need 1.3; 1.5 is the oldest release still
  # tested by the infra CI.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Same range as the cluster modules: every argument used here exists unchanged in
      # 5.100 (validated with terraform validate) and 6.x (checked against the 6.x schema
      # snapshot). data.aws_region is avoided (its name attribute is deprecated in 6.x).
      version = ">= 5.100, < 7.0"
    }
  }
}
