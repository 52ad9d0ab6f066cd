"""``infra:aws:Network``: the VPC of an ``infra:aws:GpuCluster``."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.aws.iam import policy
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.aws.cluster import AwsGpuClusterArgs

__all__ = ["Network"]


class Network(Part):
    """The module's network section: VPC, private + public subnets per zone, internet and NAT
    gateways, route tables, and VPC flow logs to a KMS-encrypted log group."""

    def __init__(
        self,
        name: str,
        args: AwsGpuClusterArgs,
        cluster_key: aws.kms.Key,
        account_id: pulumi.Output[str],
        parent: pulumi.ComponentResource,
    ) -> None:
        super().__init__("infra:aws:Network", name, parent)
        a = self._args = args
        tags = a.cluster_tags
        self.vpc = aws.ec2.Vpc(
            a.name,
            cidr_block=a.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={**tags, "Name": a.name},
            opts=self.child(),
        )
        # Lock down the default security group: nothing uses it, and it allows all by default.
        aws.ec2.DefaultSecurityGroup(
            a.name,
            vpc_id=self.vpc.id,
            tags={**tags, "Name": f"{a.name}-default-deny"},
            opts=self.child(),
        )
        self.private, self.public = self._subnets()
        gateway, nats = self._gateways()
        # The node groups wait for these: their nodes reach the internet through the NAT.
        self.private_routes = self._routes(gateway, nats)
        self._flow_logs(cluster_key, account_id)
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "private_subnet_ids": [s.id for s in self.private],
                "public_subnet_ids": [s.id for s in self.public],
            }
        )

    def _subnets(self) -> tuple[list[aws.ec2.Subnet], list[aws.ec2.Subnet]]:
        """One private and one public subnet per zone."""
        a = self._args
        tags = a.cluster_tags
        # Private subnets take the first /4 slices of the VPC, public ones /8 slices at the top.
        network = ipaddress.ip_network(a.cidr)
        private_cidrs = [str(s) for s in _cidr_subnets(network, 4, range(len(a.zones)))]
        public_cidrs = [str(s) for s in _cidr_subnets(network, 8, range(240, 240 + len(a.zones)))]
        private = [
            aws.ec2.Subnet(
                f"{a.name}-private-{i}",
                vpc_id=self.vpc.id,
                cidr_block=private_cidrs[i],
                availability_zone=zone,
                tags={
                    **tags,
                    "Name": f"{a.name}-private-{zone}",
                    "kubernetes.io/role/internal-elb": "1",
                },
                opts=self.child(),
            )
            for i, zone in enumerate(a.zones)
        ]
        public = [
            aws.ec2.Subnet(
                f"{a.name}-public-{i}",
                vpc_id=self.vpc.id,
                cidr_block=public_cidrs[i],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={**tags, "Name": f"{a.name}-public-{zone}", "kubernetes.io/role/elb": "1"},
                opts=self.child(),
            )
            for i, zone in enumerate(a.zones)
        ]
        return private, public

    def _gateways(self) -> tuple[aws.ec2.InternetGateway, list[aws.ec2.NatGateway]]:
        """The internet gateway, and a NAT gateway per zone (one in all if single_nat_gateway)."""
        a = self._args
        tags = a.cluster_tags
        gateway = aws.ec2.InternetGateway(
            a.name, vpc_id=self.vpc.id, tags={**tags, "Name": a.name}, opts=self.child()
        )
        nat_count = 1 if a.single_nat_gateway else len(a.zones)
        eips = [
            aws.ec2.Eip(
                f"{a.name}-nat-{i}",
                domain="vpc",
                tags={**tags, "Name": f"{a.name}-nat-{i}"},
                opts=self.child(depends_on=[gateway]),
            )
            for i in range(nat_count)
        ]
        nats = [
            aws.ec2.NatGateway(
                f"{a.name}-nat-{i}",
                allocation_id=eips[i].id,
                subnet_id=self.public[i].id,
                tags={**tags, "Name": f"{a.name}-{a.zones[i]}"},
                opts=self.child(),
            )
            for i in range(nat_count)
        ]
        return gateway, nats

    def _routes(
        self, gateway: aws.ec2.InternetGateway, nats: list[aws.ec2.NatGateway]
    ) -> list[pulumi.Resource]:
        """Public subnets route to the internet gateway, each private subnet to its NAT gateway;
        returns the private routes and route table associations."""
        a = self._args
        tags = a.cluster_tags
        public_table = aws.ec2.RouteTable(
            f"{a.name}-public",
            vpc_id=self.vpc.id,
            tags={**tags, "Name": f"{a.name}-public"},
            opts=self.child(),
        )
        aws.ec2.Route(
            f"{a.name}-public-internet",
            route_table_id=public_table.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=gateway.id,
            opts=self.child(),
        )
        for i, subnet in enumerate(self.public):
            aws.ec2.RouteTableAssociation(
                f"{a.name}-public-{i}",
                subnet_id=subnet.id,
                route_table_id=public_table.id,
                opts=self.child(),
            )
        private_routes: list[pulumi.Resource] = []
        for i, zone in enumerate(a.zones):
            table = aws.ec2.RouteTable(
                f"{a.name}-private-{i}",
                vpc_id=self.vpc.id,
                tags={**tags, "Name": f"{a.name}-private-{zone}"},
                opts=self.child(),
            )
            private_routes.append(
                aws.ec2.Route(
                    f"{a.name}-private-nat-{i}",
                    route_table_id=table.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nats[0 if a.single_nat_gateway else i].id,
                    opts=self.child(),
                )
            )
            private_routes.append(
                aws.ec2.RouteTableAssociation(
                    f"{a.name}-private-{i}",
                    subnet_id=self.private[i].id,
                    route_table_id=table.id,
                    opts=self.child(),
                )
            )
        return private_routes

    def _flow_logs(self, cluster_key: aws.kms.Key, account_id: pulumi.Output[str]) -> None:
        """Flow logs of all VPC traffic, to a log group encrypted with the cluster key."""
        a = self._args
        tags = a.cluster_tags
        flow_group = aws.cloudwatch.LogGroup(
            f"{a.name}-flow-logs",
            name=f"/aws/vpc/{a.name}/flow-logs",
            retention_in_days=a.log_retention_days,
            kms_key_id=cluster_key.arn,
            tags=tags,
            opts=self.child(),
        )
        flow_role = aws.iam.Role(
            f"{a.name}-flow-logs",
            name_prefix=f"{a.name[:26]}-flowlogs-",
            assume_role_policy=policy(
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ),
            tags=tags,
            opts=self.child(),
        )
        aws.iam.RolePolicy(
            f"{a.name}-flow-logs",
            name="flow-logs",
            role=flow_role.id,
            policy=policy(
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": pulumi.Output.concat(flow_group.arn, ":*"),
                }
            ),
            opts=self.child(),
        )
        aws.ec2.FlowLog(
            a.name,
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=flow_group.arn,
            iam_role_arn=flow_role.arn,
            tags=tags,
            opts=self.child(),
        )


def _cidr_subnets(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network, newbits: int, indexes: range
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Terraform's ``cidrsubnet(network, newbits, i)`` for each i."""
    size = network.num_addresses >> newbits
    base = int(network.network_address)
    prefix = network.prefixlen + newbits
    return [ipaddress.ip_network((base + i * size, prefix)) for i in indexes]
