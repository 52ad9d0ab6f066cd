"""``infra:aws:FailoverDns``: the DNS failover of ``infra:aws:DisasterRecovery``.

Route 53 health checks and chained failover records, as the "DNS failover" section of
``modules/dr-aws`` creates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.component import Part, by_key

if TYPE_CHECKING:
    from infra.clouds.aws.disaster_recovery import AwsDisasterRecoveryArgs, FailoverTier

__all__ = ["TYPE", "FailoverDns"]

TYPE = "infra:aws:FailoverDns"


class FailoverDns(Part):
    """Mirrors the module's ``aws_route53_health_check.this`` (one per checked endpoint) and
    its ``aws_route53_record``s ``primary``, ``secondary_endpoint`` and ``secondary_tier``."""

    health_checks: dict[str, aws.route53.HealthCheck]
    primaries: dict[str, aws.route53.Record]
    health_check_ids: pulumi.Output[dict[str, str]]
    fqdns: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        args: AwsDisasterRecoveryArgs,
        tags: Mapping[str, str],
        *,
        parent: pulumi.Resource,
    ) -> None:
        super().__init__(TYPE, name, parent)
        self._args = args
        self.health_checks = {
            endpoint: self._health_check(endpoint, tags) for endpoint in args.checked_endpoints
        }
        tiers = args.tiers
        self.primaries = {tier.key: self._primary(tier) for tier in tiers}
        # The last tier answers with the last target; earlier tiers hand over to the next tier.
        secondary_endpoints = [self._secondary_endpoint(tier) for tier in tiers if tier.last]
        for tier in tiers:
            if not tier.last:
                self._secondary_tier(tier, secondary_endpoints)
        self.health_check_ids = by_key({k: h.id for k, h in self.health_checks.items()})
        self.fqdns = by_key({k: self.primaries[f"{k}/0"].fqdn for k in args.dns_records})
        self.register_outputs({"health_check_ids": self.health_check_ids, "fqdns": self.fqdns})

    def _health_check(self, endpoint: str, tags: Mapping[str, str]) -> aws.route53.HealthCheck:
        a = self._args
        return aws.route53.HealthCheck(
            f"{a.name}-{endpoint}",
            type="HTTPS",
            fqdn=a.endpoints[endpoint],
            port=a.health_check.port,
            resource_path=a.health_check.path,
            failure_threshold=a.health_check.failure_threshold,
            request_interval=a.health_check.request_interval,
            enable_sni=True,
            tags={**tags, "Name": f"{a.name}-{endpoint}"},
            opts=self.child(),
        )

    def _primary(self, tier: FailoverTier) -> aws.route53.Record:
        a = self._args
        return aws.route53.Record(
            f"{a.name}-{tier.record}-{tier.n}-primary",
            zone_id=a.dns_zone_id,
            name=tier.name,
            type="CNAME",
            ttl=tier.ttl,
            records=[a.endpoints[tier.primary]],
            set_identifier=f"{tier.record}-{tier.n}-primary",
            health_check_id=self.health_checks[tier.primary].id,
            failover_routing_policies=[aws.route53.RecordFailoverRoutingPolicyArgs(type="PRIMARY")],
            opts=self.child(),
        )

    def _secondary_endpoint(self, tier: FailoverTier) -> aws.route53.Record:
        """The last tier's SECONDARY record: the last target, behind its health check."""
        a = self._args
        return aws.route53.Record(
            f"{a.name}-{tier.record}-{tier.n}-secondary",
            zone_id=a.dns_zone_id,
            name=tier.name,
            type="CNAME",
            ttl=tier.ttl,
            records=[a.endpoints[tier.secondary]],
            set_identifier=f"{tier.record}-{tier.n}-secondary",
            health_check_id=self.health_checks[tier.secondary].id,
            failover_routing_policies=[
                aws.route53.RecordFailoverRoutingPolicyArgs(type="SECONDARY")
            ],
            opts=self.child(),
        )

    def _secondary_tier(
        self, tier: FailoverTier, secondary_endpoints: list[aws.route53.Record]
    ) -> aws.route53.Record:
        """An earlier tier's SECONDARY record: an alias of the next tier's PRIMARY record."""
        a = self._args
        return aws.route53.Record(
            f"{a.name}-{tier.record}-{tier.n}-secondary",
            zone_id=a.dns_zone_id,
            name=tier.name,
            type="CNAME",
            set_identifier=f"{tier.record}-{tier.n}-secondary",
            aliases=[
                aws.route53.RecordAliasArgs(
                    name=self.primaries[tier.next].fqdn,
                    zone_id=str(a.dns_zone_id),
                    evaluate_target_health=True,
                )
            ],
            failover_routing_policies=[
                aws.route53.RecordFailoverRoutingPolicyArgs(type="SECONDARY")
            ],
            opts=self.child(depends_on=secondary_endpoints),
        )
