"""Alibaba Cloud cluster admins: RAM users or roles by id, written "user:<id>" or "role:<id>",
each given the predefined ACK ``admin`` role at cluster scope (modules/alicloud-gpu-cluster/
access.tf). The provider's ``alicloud_cs_kubernetes_permissions`` takes a uid that is a RAM user
id or, with ``is_ram_role``, a RAM role id, and both are numeric (website/docs/r/
cs_kubernetes_permissions.html.markdown in aliyun/terraform-provider-alicloud; the
UpdateUserPermissions API, alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/
developer-reference/api-cs-2015-12-15-updateuserpermissions), so the kind must be written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from infra.clouds.admins import AdminAccess
from infra.values import Value

__all__ = ["ADMIN_ACCESS", "ram_principal"]

# RAM user and role ids are digits (the API examples: "2367****", "26562443851650****").
_RAM = re.compile(r"(user|role):([0-9]{1,32})")


def ram_principal(admin: str) -> tuple[str, bool]:
    """``(uid, is_ram_role)`` of an admin written "user:<id>" or "role:<id>"."""
    kind, _, uid = admin.partition(":")
    return uid, kind == "role"


def _inputs(admins: Sequence[str]) -> dict[str, Value]:
    parsed = [ram_principal(a) for a in admins]
    users: list[Value] = [uid for uid, role in parsed if not role]
    roles: list[Value] = [uid for uid, role in parsed if role]
    inputs: dict[str, Value] = {}
    if users:
        inputs["admin_ram_user_ids"] = users
    if roles:
        inputs["admin_ram_role_ids"] = roles
    return inputs


def _credentials(resource: str, region: str) -> tuple[str, ...]:
    # DescribeClusterUserKubeconfig (GET /k8s/{ClusterId}/user_config) returns the caller's own
    # kubeconfig in "config"; PrivateIpAddress=true for the intranet endpoint the module keeps
    # by default (alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/developer-reference/
    # api-query-the-kubeconfig-file-of-a-cluster). The cluster id is looked up by name, as in
    # the runbook's scale steps (cloud.py).
    cluster_id = f"<cluster-id-of-{resource}>"
    kubeconfig = f"$HOME/.kube/{resource}.yaml"
    return (
        f"aliyun cs GET /api/v1/clusters --name {resource} --region_id {region}"
        f"  # {cluster_id}: cluster_id of the cluster named {resource}",
        f"aliyun cs GET /k8s/{cluster_id}/user_config --PrivateIpAddress true "
        f"--region {region} | jq -r .config > {kubeconfig}",
        f'kubectl --kubeconfig {kubeconfig} config rename-context "$(kubectl --kubeconfig '
        f'{kubeconfig} config current-context)" {resource} && export KUBECONFIG='
        f'"${{KUBECONFIG:-$HOME/.kube/config}}:{kubeconfig}"',
    )


ADMIN_ACCESS = AdminAccess(
    rule="RAM users or roles by id, user:<RAM user id> or role:<RAM role id> (digits)",
    pattern=_RAM,
    inputs=_inputs,
    credentials=_credentials,
)
