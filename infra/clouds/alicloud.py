"""Alibaba Cloud: ACK, eRDMA."""

from __future__ import annotations

import re

from infra.clouds.base import Cloud

# ACK node pool names: 1-63 characters of letters, digits, '_' and '-', starting with a letter
# or digit; we keep to the Kubernetes label subset like the other clouds.
_POOL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class Alicloud(Cloud):
    name = "alicloud"
    title = "Alibaba Cloud"
    kubernetes_service = "ACK"
    rdma_name = "eRDMA"
    network_prefix_range = (8, 28)

    def pool_name_problem(self, name: str) -> str | None:
        if not _POOL.match(name):
            return (
                f"invalid pool name {name!r} for ACK "
                "(allowed: 1-63 lowercase letters, digits and '-', starting and ending "
                "with a letter or digit)"
            )
        return None

    def tag_problem(self, key: str, value: str) -> str | None:
        # Tag key up to 128 characters (ECS/ACK), but the OSS checkpoint bucket allows 64 bytes;
        # keys may not start with "aliyun" or "acs:", values not with "acs:", neither may contain
        # http:// or https:// (Alibaba Cloud Tag API docs; OSS PutBucketTags errors).
        if not 1 <= len(key.encode()) <= 64 or len(value) > 128:
            return (
                "tag too long for Alibaba Cloud (allowed: key 1-64 bytes, as OSS buckets "
                "require, value up to 128 characters)"
            )
        lowered = key.lower()
        if lowered.startswith(("aliyun", "acs:")) or value.lower().startswith("acs:"):
            return "tags may not start with 'aliyun' or 'acs:' on Alibaba Cloud (reserved)"
        if any(s in text.lower() for s in ("http://", "https://") for text in (key, value)):
            return "tags may not contain 'http://' or 'https://' on Alibaba Cloud"
        return None
