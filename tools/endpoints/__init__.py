"""Local cloud API endpoints for tests and `make demo`: moto for AWS, small servers for Azure and Alibaba Cloud."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any


@contextmanager
def local_endpoints(seed: Mapping[str, Any], time_factor: float) -> Iterator[dict[str, Any]]:
    """The three local endpoints, seeded with ``seed`` and started on loopback, by cloud name;
    stopped on exit. (moto is process-wide: one AWS endpoint per process.)"""
    from tools.endpoints.alicloud import AlicloudEndpoint  # noqa: PLC0415
    from tools.endpoints.aws import AwsEndpoint  # noqa: PLC0415
    from tools.endpoints.azure import AzureEndpoint  # noqa: PLC0415

    with ExitStack() as stack:
        yield {
            "aws": stack.enter_context(AwsEndpoint(seed, time_factor=time_factor)),
            "azure": stack.enter_context(AzureEndpoint(seed, time_factor=time_factor)),
            "alicloud": stack.enter_context(AlicloudEndpoint(seed, time_factor=time_factor)),
        }
