"""``infra:aws:NodeHealth``: cloud-side alarms on the GPU node groups of ``infra:aws:GpuCluster``.

The Pulumi twin of ``modules/aws-gpu-cluster/health.tf``: same resources, same physical names,
same arguments. Sources (also in health.tf and docs/node-health.md):

- EventBridge event "EC2 Instance Launch Unsuccessful" (source ``aws.autoscaling``,
  ``detail.AutoScalingGroupName``): Amazon EC2 Auto Scaling User Guide, "Amazon EventBridge
  events for Amazon EC2 Auto Scaling".
- ``StatusCheckFailed`` in ``AWS/EC2`` with the dimension ``AutoScalingGroupName`` (basic
  monitoring included): Amazon EC2 User Guide, "CloudWatch metrics that are available for your
  instances".
- The Auto Scaling group of a managed node group: EKS API reference, ``Nodegroup.resources``
  / ``AutoScalingGroup`` (pulumi-aws ``eks.NodeGroup.resources[].autoscaling_groups[].name``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.args import ComponentInputError
from infra.clouds.component import Part, json_encode

if TYPE_CHECKING:
    from infra.clouds.aws.cluster import AwsGpuClusterArgs

__all__ = ["TYPE", "NodeHealth", "check_node_health_inputs"]

TYPE = "infra:aws:NodeHealth"
# health.tf, variable "alarm_topic_arns" (the same rule as modules/dr-aws).
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\.fifo)?$")


def check_node_health_inputs(alarm_topic_arns: Sequence[str], evaluation_periods: int) -> None:
    """The validation blocks of health.tf's variables, checked before anything is created."""
    if not all(_TOPIC_ARN.match(arn) for arn in alarm_topic_arns):
        raise ComponentInputError("alarm_topic_arns must be SNS topic ARNs")
    if not 1 <= evaluation_periods <= 12:
        raise ComponentInputError("status_check_evaluation_periods must be a whole number 1-12")


def _asg_name(node_group: aws.eks.NodeGroup) -> pulumi.Output[str]:
    """``resources[0].autoscaling_groups[0].name``: the one Auto Scaling group of the group."""

    def first(resources: Sequence[aws.eks.outputs.NodeGroupResource] | None) -> str:
        names = [g.name for r in resources or [] for g in r.autoscaling_groups or [] if g.name]
        if not names:
            raise ComponentInputError("node group has no Auto Scaling group in its resources")
        return names[0]

    return node_group.resources.apply(first)


class NodeHealth(Part):
    """Mirrors health.tf: ``aws_cloudwatch_event_rule.gpu_launch_failed`` and
    ``aws_cloudwatch_metric_alarm.gpu_launch_failed`` (one for all GPU pools, none without
    GPU pools) and ``aws_cloudwatch_metric_alarm.gpu_status_check_failed`` (one per GPU pool).

    A new part: its resources never existed elsewhere, so they carry no alias.
    """

    status_check_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    launch_failed_alarm: aws.cloudwatch.MetricAlarm | None

    def __init__(
        self,
        name: str,
        args: AwsGpuClusterArgs,
        node_groups: Mapping[str, aws.eks.NodeGroup],
        *,
        alarm_topic_arns: Sequence[str] = (),
        status_check_evaluation_periods: int = 2,
        parent: pulumi.Resource,
    ) -> None:
        check_node_health_inputs(alarm_topic_arns, status_check_evaluation_periods)
        super().__init__(TYPE, name, parent)
        self._args = args
        self._actions = list(alarm_topic_arns)
        self._periods = status_check_evaluation_periods
        gpu_pools = sorted(k for k, p in args.node_pools.items() if p.gpu is not None)
        asg_names = {k: _asg_name(node_groups[k]) for k in gpu_pools}
        self.status_check_alarms = {k: self._status_check_alarm(k, asg_names[k]) for k in gpu_pools}
        self.launch_failed_alarm = self._launch_failed(gpu_pools, asg_names) if gpu_pools else None
        launch = self.launch_failed_alarm
        # health.tf's output "node_health_alarm_arns".
        self.node_health_alarm_arns: dict[str, object] = {
            "status_check_failed": {k: x.arn for k, x in self.status_check_alarms.items()},
            "launch_failed": launch.arn if launch is not None else None,
        }
        self.register_outputs({"node_health_alarm_arns": self.node_health_alarm_arns})

    def _opts(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _launch_failed(
        self, pools: Sequence[str], asg_names: Mapping[str, pulumi.Output[str]]
    ) -> aws.cloudwatch.MetricAlarm:
        """One rule and alarm for all GPU node groups (rule names are at most 64 characters)."""
        a = self._args
        pattern = pulumi.Output.all(*(asg_names[k] for k in pools)).apply(
            lambda names: json_encode(
                {
                    "source": ["aws.autoscaling"],
                    "detail-type": ["EC2 Instance Launch Unsuccessful"],
                    "detail": {"AutoScalingGroupName": list(names)},
                }
            )
        )
        rule = aws.cloudwatch.EventRule(
            f"{a.name}-gpu-launch-failed",
            name=f"{a.name}-gpu-launch-failed",
            description=f"Failed EC2 launches in the GPU node groups of {a.name}.",
            tags=a.cluster_tags,
            event_pattern=pattern,
            opts=self._opts(),
        )
        groups = ", ".join(f"{a.name}-{k}" for k in pools)
        return aws.cloudwatch.MetricAlarm(
            f"{a.name}-gpu-launch-failed",
            name=f"{a.name}-gpu-launch-failed",
            alarm_description=(
                "GPU capacity at risk: EC2 could not launch nodes for a GPU node group of "
                f"{a.name} ({groups}); the event and the Auto Scaling activity of the group "
                "name the cause (capacity, quota, reservation)."
            ),
            namespace="AWS/Events",
            metric_name="MatchedEvents",
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=self._actions,
            ok_actions=self._actions,
            tags=a.cluster_tags,
            dimensions={"RuleName": rule.name},
            opts=self._opts(),
        )

    def _status_check_alarm(
        self, key: str, asg_name: pulumi.Output[str]
    ) -> aws.cloudwatch.MetricAlarm:
        """A GPU pool's instances failing EC2 status checks (any instance of its group)."""
        a = self._args
        return aws.cloudwatch.MetricAlarm(
            f"{a.name}-{key}-status-check-failed",
            name=f"{a.name}-{key}-status-check-failed",
            alarm_description=(
                f"GPU node unhealthy: an instance of node group {a.name}-{key} failed an EC2 "
                f"status check (instance, system or attached EBS) for {self._periods * 5} min; "
                "drain the node and let the node group replace it."
            ),
            namespace="AWS/EC2",
            metric_name="StatusCheckFailed",
            statistic="Maximum",
            period=300,
            evaluation_periods=self._periods,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            # A pool scaled to zero publishes nothing: not a failure.
            treat_missing_data="notBreaching",
            alarm_actions=self._actions,
            ok_actions=self._actions,
            tags=a.cluster_tags,
            dimensions={"AutoScalingGroupName": asg_name},
            opts=self._opts(),
        )
