"""IAM policy documents, shared by the AWS cluster and DR components."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi


def policy(*statements: Mapping[str, object]) -> pulumi.Output[str]:
    """An IAM policy JSON document.

    Differs: the modules render policies with ``data.aws_iam_policy_document``; here the same
    statements are serialized directly, which needs no provider call.
    """
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})
