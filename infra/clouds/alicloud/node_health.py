"""``infra:alicloud:NodeHealth``: Auto Scaling notifications on the GPU node pools of
``infra:alicloud:GpuCluster``.

The Pulumi twin of ``modules/alicloud-gpu-cluster/health.tf``: same resources, same arguments.
Sources (also in health.tf and docs/node-health.md):

- The scaling group of a node pool: terraform-provider-alicloud
  ``website/docs/r/cs_kubernetes_node_pool.html.markdown`` (``scaling_group_id``), pulumi-alicloud
  ``cs.NodePool.scaling_group_id``.
- The notification configuration of a scaling group, its ARN
  ``acs:ess:{region}:{account-id}:{cloudmonitor|queue/{name}|topic/{name}}`` and its types:
  terraform-provider-alicloud ``website/docs/r/ess_notification.html.markdown``; the meaning of
  ``AUTOSCALING:SCALE_OUT_ERROR`` and ``AUTOSCALING:SCALE_REJECT``: ESS API
  ``DescribeNotificationTypes`` (Ess 2022-02-22 SDK ``DescribeNotificationTypesResponseBody``).
- The account id: ``alicloud_account`` data source (pulumi-alicloud ``get_account``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
import pulumi_alicloud as alicloud
from pulumi_alicloud import cs, ess

from infra.clouds.args import ComponentInputError
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs

__all__ = ["NOTIFICATION_TYPES", "TYPE", "NodeHealth", "check_node_health_inputs"]

TYPE = "infra:alicloud:NodeHealth"
# health.tf, resource "alicloud_ess_notification" "gpu_scaling_failed".
NOTIFICATION_TYPES = ("AUTOSCALING:SCALE_OUT_ERROR", "AUTOSCALING:SCALE_REJECT")
# health.tf, variable "scaling_notification_target".
_TARGET = re.compile(r"^(cloudmonitor|queue/[^/:]+|topic/[^/:]+)$")


def check_node_health_inputs(scaling_notification_target: str) -> None:
    """The validation block of health.tf's ``scaling_notification_target``."""
    if not _TARGET.match(scaling_notification_target):
        raise ComponentInputError(
            "scaling_notification_target must be cloudmonitor, queue/<name> or topic/<name>"
        )


class NodeHealth(Part):
    """Mirrors health.tf's ``alicloud_ess_notification.gpu_scaling_failed``: one notification
    configuration per GPU pool on its scaling group's failed and rejected scaling activities.

    Per pool, not per cluster, because ESS notifications belong to one scaling group; a
    CloudMonitor event rule could not be narrowed to a pool (see health.tf).
    A new part: its resources never existed elsewhere, so they carry no alias.
    """

    notifications: dict[str, ess.Notification]

    def __init__(
        self,
        name: str,
        args: AlicloudGpuClusterArgs,
        pools: Mapping[str, cs.NodePool],
        *,
        scaling_notification_target: str = "cloudmonitor",
        parent: pulumi.Resource,
    ) -> None:
        check_node_health_inputs(scaling_notification_target)
        super().__init__(TYPE, name, parent)
        a = args
        gpu_pools = sorted(k for k, p in a.node_pools.items() if p.gpu is not None)
        account = alicloud.get_account_output(opts=pulumi.InvokeOutputOptions(parent=self))
        arn = account.id.apply(
            lambda account_id: f"acs:ess:{a.region}:{account_id}:{scaling_notification_target}"
        )
        self.notifications = {
            key: ess.Notification(
                f"{a.name}-{key}-scaling-failed",
                scaling_group_id=pools[key].scaling_group_id,
                notification_arn=arn,
                notification_types=list(NOTIFICATION_TYPES),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for key in gpu_pools
        }
        # health.tf's output "node_health_notification_ids".
        self.node_health_notification_ids = {k: n.id for k, n in self.notifications.items()}
        self.register_outputs({"node_health_notification_ids": self.node_health_notification_ids})
