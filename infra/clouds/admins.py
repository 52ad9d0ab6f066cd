"""What each cloud says about cluster admins (``Cluster.admins``): the shape of an admin, the
module variables that grant them, and how an admin gets credentials. Each cloud's package holds
its own in ``infra/clouds/<cloud>/admins.py`` (``ADMIN_ACCESS``); :mod:`infra.access` asks them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from infra.values import Value

__all__ = ["AdminAccess", "admin_access"]


@dataclass(frozen=True, slots=True)
class AdminAccess:
    """How one cloud names an admin and what its module and runbook make of the names."""

    rule: str  # what an admin is written as, for "(allowed: ...)"
    pattern: re.Pattern[str]  # used with fullmatch
    # The module variables (and Pulumi component args) that grant the admins; only what is
    # set, so a cluster without admins keeps the module's defaults and its root is unchanged.
    inputs: Callable[[Sequence[str]], dict[str, Value]]
    # (resource name, region) -> commands writing a kubeconfig context named after the resource
    credentials: Callable[[str, str], tuple[str, ...]]


def admin_access(cloud: str) -> AdminAccess:
    """The ``ADMIN_ACCESS`` of ``infra/clouds/<cloud>/admins.py``."""
    access: AdminAccess = importlib.import_module(f"infra.clouds.{cloud}.admins").ADMIN_ACCESS
    return access
