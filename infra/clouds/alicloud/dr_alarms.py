"""``infra:alicloud:DrAlarms``: the CloudMonitor alarms of ``modules/dr-alicloud``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pulumi
from pulumi_alicloud import cms

from infra.clouds.component import Part, json_encode

if TYPE_CHECKING:
    from infra.clouds.alicloud.disaster_recovery import AlicloudDisasterRecoveryArgs

__all__ = ["DrAlarms"]


class DrAlarms(Part):
    """The module's "Alarms" (``alarms.tf``): standby pools that cannot scale, replication lag
    (when a metric is given)."""

    def __init__(
        self,
        name: str,
        args: AlicloudDisasterRecoveryArgs,
        tags: Mapping[str, str],
        contact_groups: Sequence[str],
        parent: pulumi.Resource,
    ) -> None:
        super().__init__("infra:alicloud:DrAlarms", name, parent)
        a = args
        self.standby_rule = self._standby_rule(a, contact_groups) if a.standby_node_pools else None
        if a.replication_lag_metric is not None:
            for key, pair in a.replication_pairs.items():
                cms.Alarm(
                    f"{a.name}-{key}-replication-lag",
                    name=f"{a.name}-{key}-replication-lag",
                    project="acs_oss_dashboard",
                    metric=a.replication_lag_metric,
                    period=60,
                    contact_groups=list(contact_groups),
                    enabled=True,
                    tags=tags,
                    metric_dimensions=json_encode([{"BucketName": pair.source_bucket}]),
                    escalations_critical=cms.AlarmEscalationsCriticalArgs(
                        statistics="Maximum",
                        comparison_operator=">",
                        threshold=str(a.rpo_minutes * 60),
                        times=3,
                    ),
                    opts=self.child(),
                )
        self.register_outputs(
            {
                "standby_event_rule_name": self.standby_rule.rule_name
                if self.standby_rule is not None
                else None
            }
        )

    def _standby_rule(
        self, a: AlicloudDisasterRecoveryArgs, contact_groups: Sequence[str]
    ) -> cms.EventRule:
        return cms.EventRule(
            f"{a.name}-standby-cannot-scale",
            rule_name=f"{a.name}-standby-cannot-scale",
            description=(
                "DR at risk: an Auto Scaling group failed to scale out; standby pools here: "
                f"{', '.join(a.standby_node_pools)}."
            ),
            status="ENABLED",
            event_pattern=cms.EventRuleEventPatternArgs(
                product="ESS", name_lists=list(a.standby_event_names)
            ),
            contact_parameters=[
                cms.EventRuleContactParameterArgs(
                    contact_parameters_id="1", contact_group_name=group, level="3"
                )
                for group in contact_groups
            ],
            opts=self.child(),
        )
