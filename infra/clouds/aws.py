"""Amazon Web Services: EKS, EFA."""

from __future__ import annotations

import re

from infra.clouds.base import Cloud

# EKS node group names: 1-63 characters, start with a letter or digit, then letters, digits,
# hyphens and underscores (EKS CreateNodegroup API; terraform/pulumi aws_eks_node_group docs).
# We keep to the Kubernetes label subset so the same name works as a node label value.
_POOL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# Tag rules: key 1-128 characters, value up to 256, "aws:" prefix reserved
# (AWS "Tag restrictions", e.g. docs.aws.amazon.com/.../tag-restrictions).
_TAG_CHARS = re.compile(r"^[\w .:/=+\-@]*$")


class Aws(Cloud):
    name = "aws"
    title = "AWS"
    kubernetes_service = "EKS"
    rdma_name = "EFA"
    min_zones = 2  # EKS requires subnets in at least two Availability Zones
    network_prefix_range = (16, 28)  # VPC CIDR block netmask: /16 to /28

    def pool_name_problem(self, name: str) -> str | None:
        if not _POOL.match(name):
            return (
                f"invalid pool name {name!r} for EKS "
                "(allowed: 1-63 lowercase letters, digits and '-', starting and ending "
                "with a letter or digit)"
            )
        return None

    def tag_problem(self, key: str, value: str) -> str | None:
        if not 1 <= len(key) <= 128 or len(value) > 256:
            return "tag too long for AWS (allowed: key 1-128, value up to 256 characters)"
        if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
            return "tags may not start with 'aws:' on AWS (reserved prefix)"
        if not (_TAG_CHARS.match(key) and _TAG_CHARS.match(value)):
            return (
                "tag has characters AWS does not allow "
                "(allowed: letters, digits, spaces and _ . : / = + - @)"
            )
        return None
