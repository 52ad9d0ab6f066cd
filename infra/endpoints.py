"""``--endpoint CLOUD=URL``: the override that sends a cloud's API calls to another URL (a local
endpoint in tests and demos), shared by the Terraform runner, the drills and the catalog
refresh."""

from __future__ import annotations

import re
from collections.abc import Sequence

from infra.errors import UsageError

__all__ = ["parse_endpoints"]


def parse_endpoints(values: Sequence[str], clouds: Sequence[str]) -> dict[str, str]:
    """``["aws=http://127.0.0.1:5000"]`` -> ``{"aws": "http://127.0.0.1:5000"}``; ``clouds``
    are the clouds that take an override here."""
    endpoints: dict[str, str] = {}
    for value in values:
        cloud, sep, url = value.partition("=")
        if not sep or not re.fullmatch(r"https?://[^\s\"\\]+", url):
            raise UsageError(f"--endpoint {value!r}: expected CLOUD=URL (http or https)")
        if cloud not in clouds:
            raise UsageError(
                f"--endpoint {value!r}: no endpoint override for {cloud!r} "
                f"(allowed: {', '.join(clouds)})"
            )
        endpoints[cloud] = url.rstrip("/")
    return endpoints
