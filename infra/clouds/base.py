"""The interface every cloud implements.

A cloud answers questions about itself (naming rules, tag rules, what it supports, with a reason
when it does not) so that nothing outside ``infra/clouds/`` needs ``if cloud == "aws"``.
Renderers of later layers extend this interface with their own per-cloud pieces.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import ClassVar

from infra.catalog import Offer

# Kubernetes object-name rules, shared by every managed service (RFC 1123 label).
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class Cloud(ABC):
    """One cloud provider: its rules, capabilities and defaults."""

    name: ClassVar[str]
    title: ClassVar[str]
    kubernetes_service: ClassVar[str]
    rdma_name: ClassVar[str]  # what RDMA networking is called on this cloud (EFA, InfiniBand...)
    min_zones: ClassVar[int] = 1
    default_zone_count: ClassVar[int] = 3
    network_prefix_range: ClassVar[tuple[int, int]]  # allowed VPC/VNet CIDR prefix lengths

    @abstractmethod
    def pool_name_problem(self, name: str) -> str | None:
        """Why ``name`` cannot name a node pool here, or None."""

    @abstractmethod
    def tag_problem(self, key: str, value: str) -> str | None:
        """Why a tag cannot be set on this cloud's resources, or None."""

    def rdma_problem(self, offer: Offer) -> str | None:
        """Why a pool on ``offer`` cannot get RDMA networking, or None."""
        if offer.rdma == "none":
            return (
                f"instance type {offer.instance_type!r} has no {self.rdma_name} in {offer.region}"
            )
        return None

    def __repr__(self) -> str:
        return f"<cloud {self.name}>"
