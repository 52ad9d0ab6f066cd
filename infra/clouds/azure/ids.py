"""Azure resource ids infra builds itself."""

from __future__ import annotations

import pulumi

__all__ = ["role_definition_id"]


def role_definition_id(subscription: pulumi.Input[str], definition: str) -> pulumi.Output[str]:
    """The id of a built-in role definition under the subscription the provider runs in."""
    return pulumi.Output.concat(
        "/subscriptions/",
        subscription,
        "/providers/Microsoft.Authorization/roleDefinitions/",
        definition,
    )
