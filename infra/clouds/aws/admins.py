"""AWS cluster admins: IAM role or user ARNs, each given an EKS access entry with
AmazonEKSClusterAdminPolicy at cluster scope (modules/aws-gpu-cluster/access.tf; the module's
``access_config`` is API mode).

An IAM role ARN may include a path; an assumed-role (STS) ARN may not be used, and a principal
can be in only one access entry of a cluster (docs.aws.amazon.com/eks/latest/userguide/
creating-access-entries.html; the policy: docs.aws.amazon.com/eks/latest/userguide/
access-policy-permissions.html).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from infra.clouds.admins import AdminAccess
from infra.values import Value

__all__ = ["ADMIN_ACCESS"]

# IAM names are 1-64 of [A-Za-z0-9_+=,.@-] and paths "/" or "/.../" of printable ASCII
# (docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html, RoleName and Path); the
# catalog holds commercial regions only, so the partition is "aws".
_IAM_ARN = re.compile(r"arn:aws:iam::[0-9]{12}:(role|user)/([!-~]*/)?[A-Za-z0-9_+=,.@-]{1,64}")


def _inputs(admins: Sequence[str]) -> dict[str, Value]:
    return {"admin_principal_arns": list(admins)} if admins else {}


def _credentials(resource: str, region: str) -> tuple[str, ...]:
    # --alias names the context (default: the cluster ARN), so `kubectl --context <resource>`
    # works; an admin role is assumed with --role-arn (docs.aws.amazon.com/cli/latest/
    # reference/eks/update-kubeconfig.html).
    return (
        f"aws eks update-kubeconfig --region {region} --name {resource} --alias {resource}"
        "  # as an admin principal; for an admin role add --role-arn <its ARN>",
    )


ADMIN_ACCESS = AdminAccess(
    rule="IAM role or user ARNs arn:aws:iam::<12-digit account>:role/<name> or :user/<name>, "
    "e.g. arn:aws:iam::111122223333:role/oncall",
    pattern=_IAM_ARN,
    inputs=_inputs,
    credentials=_credentials,
)
