terraform {
  # optional() object attributes with defaults need 1.3; 1.5 is the oldest release still
  # tested by the infra CI.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100 is the newest 5.x release; every argument used here exists unchanged in
      # 5.100 and 6.x (checked against both schemas), so roots may pin either major.
      version = ">= 5.100, < 7.0"
    }
  }
}
