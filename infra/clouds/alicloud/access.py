"""``infra:alicloud:Access``: the admin access section of ``modules/alicloud-gpu-cluster``
(access.tf): the ACK "admin" role at cluster scope for each admin RAM user and role."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
from pulumi_alicloud import cs

from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs

__all__ = ["TYPE", "Access"]

TYPE = "infra:alicloud:Access"


class Access(Part):
    """``alicloud_cs_kubernetes_permissions.admin_user`` / ``.admin_role``: one per RAM user id
    and per RAM role id (``is_ram_role``), the predefined ``admin`` role on this cluster."""

    def __init__(
        self,
        name: str,
        args: AlicloudGpuClusterArgs,
        cluster: cs.ManagedKubernetes,
        parent: pulumi.Resource,
    ) -> None:
        super().__init__(TYPE, name, parent)
        a = args
        for kind, ids, ram_role in (
            ("user", a.admin_ram_user_ids, False),
            ("role", a.admin_ram_role_ids, True),
        ):
            for uid in ids:
                cs.KubernetesPermission(
                    f"{a.name}-admin-{kind}-{uid}",
                    uid=uid,
                    permissions=[
                        cs.KubernetesPermissionPermissionArgs(
                            cluster=cluster.id,
                            role_type="cluster",
                            role_name="admin",
                            is_custom=False,
                            is_ram_role=ram_role,
                        )
                    ],
                    opts=self.child(),
                )
        self.register_outputs({})
