"""``infra:alicloud:FailoverDns``: the DNS failover of ``modules/dr-alicloud``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pulumi
from pulumi_alicloud import dns

from infra.clouds.component import Part, json_encode

if TYPE_CHECKING:
    from infra.clouds.alicloud.disaster_recovery import (
        AlicloudDisasterRecoveryArgs,
        AlicloudDnsRecord,
    )

__all__ = ["FailoverDns"]


class FailoverDns(Part):
    """The module's "DNS failover" (``dns.tf``): GTM instances (for records without one), one
    DOMAIN address pool and health check per target, an access strategy, the service CNAME."""

    def __init__(
        self,
        name: str,
        args: AlicloudDisasterRecoveryArgs,
        contact_groups: Sequence[str],
        parent: pulumi.Resource,
    ) -> None:
        super().__init__("infra:alicloud:FailoverDns", name, parent)
        a = args
        instances = {
            key: self._instance(a, key, record, contact_groups)
            for key, record in a.created_gtm.items()
        }
        self.gtm_ids: dict[str, pulumi.Input[str]] = {
            key: record.gtm_instance_id if record.gtm_instance_id is not None else instances[key].id
            for key, record in a.dns_records.items()
        }
        self.strategies: dict[str, dns.AccessStrategy] = {}
        for key, record in a.dns_records.items():
            pools = self._pools(a, key, record)
            self.strategies[key] = self._strategy(a, key, record, pools)
        # The service name users resolve, pointed at the GTM access name.
        if a.dns_zone_name is not None:
            for key, record in a.created_gtm.items():
                dns.AlidnsRecord(
                    f"{a.name}-{key}",
                    domain_name=a.dns_zone_name,
                    rr=record.name,
                    type="CNAME",
                    value=f"{record.name}-gtm.{a.dns_zone_name}",
                    ttl=record.ttl,
                    opts=self.child(),
                )
        self.register_outputs(
            {
                "gtm_instance_ids": self.gtm_ids,
                "access_strategy_ids": {k: s.id for k, s in self.strategies.items()},
            }
        )

    def _instance(
        self,
        a: AlicloudDisasterRecoveryArgs,
        key: str,
        record: AlicloudDnsRecord,
        contact_groups: Sequence[str],
    ) -> dns.GtmInstance:
        sub = a.gtm_subscription
        return dns.GtmInstance(
            f"{a.name}-{key}",
            instance_name=f"{a.name}-{key}",
            payment_type="Subscription",
            period=sub.period_months,
            renewal_status="AutoRenewal",
            renew_period=sub.period_months,
            package_edition=sub.package_edition,
            health_check_task_count=sub.health_check_task_count,
            sms_notification_count=sub.sms_notification_count,
            cname_type="PUBLIC",
            public_cname_mode="CUSTOM",
            public_zone_name=a.dns_zone_name,
            public_rr=f"{record.name}-gtm",
            public_user_domain_name=f"{record.name}.{a.dns_zone_name}",
            strategy_mode="GEO",
            ttl=record.ttl,
            alert_groups=list(contact_groups),
            alert_configs=[
                dns.GtmInstanceAlertConfigArgs(
                    notice_type=notice,
                    email_notice=True,
                    sms_notice=sub.sms_notification_count > 0,
                    dingtalk_notice=False,
                )
                for notice in (
                    "ACCESS_STRATEGY_POOL_GROUP_SWITCH",
                    "ADDR_POOL_GROUP_UNAVAILABLE",
                )
            ]
            if contact_groups
            else [],
            opts=self.child(),
        )

    def _pools(
        self, a: AlicloudDisasterRecoveryArgs, key: str, record: AlicloudDnsRecord
    ) -> dict[str, dns.AddressPool]:
        """One DOMAIN address pool per target of the record, each with its health check."""
        monitor_info = {
            "path": a.health_check.path,
            "port": a.health_check.port,
            "code": a.health_check.failure_status_code,
            "failureRate": 50,
            "sni": True,
        }
        pools: dict[str, dns.AddressPool] = {}
        for target in record.targets:
            host = a.endpoints[target]
            pools[target] = dns.AddressPool(
                f"{a.name}-{key}-{target}",
                address_pool_name=f"{key}-{target}",
                instance_id=self.gtm_ids[key],
                lba_strategy="ALL_RR",
                type="DOMAIN",
                addresses=[
                    dns.AddressPoolAddressArgs(
                        address=host,
                        attribute_info=a.gtm_address_attribute_info,
                        mode="SMART",
                        lba_weight=1,
                        remark=f"cluster {target}",
                    )
                ],
                opts=self.child(),
            )
            dns.MonitorConfig(
                f"{a.name}-{key}-{target}",
                addr_pool_id=pools[target].id,
                protocol_type="HTTPS",
                interval=60,
                evaluation_count=a.health_check.evaluation_count,
                timeout=a.health_check.timeout_ms,
                monitor_extend_info=json_encode({**monitor_info, "host": host}),
                isp_city_nodes=[
                    dns.MonitorConfigIspCityNodeArgs(city_code=n.city_code, isp_code=n.isp_code)
                    for n in a.gtm_monitor_nodes
                ],
                opts=self.child(),
            )
        return pools

    def _strategy(
        self,
        a: AlicloudDisasterRecoveryArgs,
        key: str,
        record: AlicloudDnsRecord,
        pools: dict[str, dns.AddressPool],
    ) -> dns.AccessStrategy:
        # AUTO: GTM answers from the default pool (the primary) while it is healthy and
        # switches to the failover pools (every other target) when it is not.
        return dns.AccessStrategy(
            f"{a.name}-{key}",
            strategy_name=f"{key}-failover",
            instance_id=self.gtm_ids[key],
            strategy_mode="GEO",
            access_mode="AUTO",
            default_addr_pool_type="DOMAIN",
            default_min_available_addr_num=1,
            failover_addr_pool_type="DOMAIN",
            failover_min_available_addr_num=1,
            failover_lba_strategy="RATIO",
            default_addr_pools=[
                dns.AccessStrategyDefaultAddrPoolArgs(
                    addr_pool_id=pools[record.targets[0]].id, lba_weight=1
                )
            ],
            failover_addr_pools=[
                dns.AccessStrategyFailoverAddrPoolArgs(addr_pool_id=pools[t].id, lba_weight=1)
                for t in record.targets[1:]
            ],
            lines=[dns.AccessStrategyLineArgs(line_code="default")],
            opts=self.child(),
        )
