"""``infra:alicloud:Network``: the network of ``modules/alicloud-gpu-cluster``."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pulumi
from pulumi_alicloud import ecs, vpc

from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs

__all__ = ["Network"]


class Network(Part):
    """The module's "Network" section (``network.tf``): VPC, vSwitches per zone, NAT gateway +
    EIP for egress, and the nodes' security group."""

    def __init__(
        self,
        name: str,
        args: AlicloudGpuClusterArgs,
        tags: Mapping[str, str],
        parent: pulumi.Resource,
    ) -> None:
        super().__init__("infra:alicloud:Network", name, parent)
        a = args
        network = ipaddress.ip_network(a.cidr)
        # Node vSwitches: /4 slices in the first quarter; pod (Terway) vSwitches: /3 slices in
        # the second half, so pods have many more addresses than nodes.
        node_cidrs = list(network.subnets(prefixlen_diff=4))[: len(a.zones)]
        pod_cidrs = list(network.subnets(prefixlen_diff=3))[4 : 4 + len(a.zones)]

        self.vpc = vpc.Network(
            a.name, vpc_name=a.name, cidr_block=a.cidr, tags=tags, opts=self.child()
        )
        self.node_switches = self._switches(a, "nodes", [str(c) for c in node_cidrs], tags)
        self.pod_switches = self._switches(a, "pods", [str(c) for c in pod_cidrs], tags)
        self.eip, self.snat_entries = self._egress(a, tags)
        # Members may talk to each other (pods, eRDMA); no ingress from outside is opened.
        self.security_group = ecs.SecurityGroup(
            f"{a.name}-nodes",
            security_group_name=f"{a.name}-nodes",
            description=f"{a.name}: ACK nodes, intra-group traffic only",
            vpc_id=self.vpc.id,
            security_group_type="normal",
            inner_access_policy="Accept",
            tags=tags,
            opts=self.child(),
        )
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "node_vswitch_ids": [s.id for s in self.node_switches],
                "pod_vswitch_ids": [s.id for s in self.pod_switches],
                "security_group_id": self.security_group.id,
                "nat_ip": self.eip.ip_address,
            }
        )

    def _switches(
        self,
        a: AlicloudGpuClusterArgs,
        kind: str,
        cidrs: Sequence[str],
        tags: Mapping[str, str],
    ) -> list[vpc.Switch]:
        """One vSwitch of ``kind`` ("nodes" or "pods") per zone."""
        return [
            vpc.Switch(
                f"{a.name}-{kind}-{i}",
                vswitch_name=f"{a.name}-{kind}-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=cidrs[i],
                zone_id=zone,
                tags=tags,
                opts=self.child(),
            )
            for i, zone in enumerate(a.zones)
        ]

    def _egress(
        self, a: AlicloudGpuClusterArgs, tags: Mapping[str, str]
    ) -> tuple[ecs.EipAddress, list[vpc.SnatEntry]]:
        """The NAT gateway, its EIP and one SNAT entry per vSwitch (nodes and pods)."""
        nat = vpc.NatGateway(
            a.name,
            vpc_id=self.vpc.id,
            nat_gateway_name=a.name,
            vswitch_id=self.node_switches[0].id,
            nat_type="Enhanced",
            network_type="internet",
            payment_type="PayAsYouGo",
            internet_charge_type="PayByLcu",
            tags=tags,
            opts=self.child(),
        )
        eip = ecs.EipAddress(
            f"{a.name}-nat",
            address_name=f"{a.name}-nat",
            isp="BGP",
            internet_charge_type="PayByTraffic",
            payment_type="PayAsYouGo",
            bandwidth=str(a.nat_bandwidth_mbps),
            tags=tags,
            opts=self.child(),
        )
        association = ecs.EipAssociation(
            f"{a.name}-nat",
            allocation_id=eip.id,
            instance_id=nat.id,
            instance_type="Nat",
            opts=self.child(),
        )
        snat_entries = [
            vpc.SnatEntry(
                f"{a.name}-snat-{i}",
                snat_table_id=nat.snat_table_ids,
                source_vswitch_id=switch.id,
                snat_ip=eip.ip_address,
                opts=self.child(depends_on=[association]),
            )
            for i, switch in enumerate([*self.node_switches, *self.pod_switches])
        ]
        return eip, snat_entries
