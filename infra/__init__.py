"""infra: GPU clusters on AWS, Azure and Alibaba Cloud from one Python definition."""

from infra.errors import InfraError, Problem, StackError
from infra.model import Cluster, DisasterRecovery, NodePool, Reservation, Stack

__all__ = [
    "Cluster",
    "DisasterRecovery",
    "InfraError",
    "NodePool",
    "Problem",
    "Reservation",
    "Stack",
    "StackError",
]
__version__ = "0.1.0"
