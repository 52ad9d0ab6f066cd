"""The clouds infra knows: one package each (``infra/clouds/<cloud>/``) behind
:class:`~infra.clouds.base.Cloud`, listed once in :data:`CLOUDS`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from infra.clouds.alicloud import Alicloud
from infra.clouds.aws import Aws
from infra.clouds.azure import Azure
from infra.clouds.base import Cloud

__all__ = ["CLOUDS", "Cloud"]

# The registry: the one place that names every cloud.
CLOUDS: Mapping[str, Cloud] = MappingProxyType(
    {cloud.name: cloud for cloud in (Aws(), Azure(), Alicloud())}
)
