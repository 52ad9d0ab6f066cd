"""``infra:azure:Network``: the network of ``infra:azure:GpuCluster``."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import network, resources

from infra.clouds.azure.naming import resource_group
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.cluster import AzureGpuClusterArgs

__all__ = ["TYPE", "Network"]

TYPE = "infra:azure:Network"


class Network(Part):
    """The module's "Network" section: the resource group, the VNet, and the nodes and
    private-endpoint subnets with their NSGs."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureGpuClusterArgs,
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(TYPE, name, top)
        vnet_cidr = ipaddress.ip_network(a.cidr)
        nodes_cidr = next(vnet_cidr.subnets(prefixlen_diff=1))
        endpoints_cidr = list(vnet_cidr.subnets(prefixlen_diff=8))[255]
        self.group = group = resources.ResourceGroup(
            resource_group(a.name),
            resource_group_name=resource_group(a.name),
            location=a.region,
            tags=tags,
            opts=self.child(),
        )
        self.vnet = vnet = network.VirtualNetwork(
            f"{a.name}-vnet",
            virtual_network_name=f"{a.name}-vnet",
            location=group.location,
            resource_group_name=group.name,
            address_space=network.AddressSpaceArgs(address_prefixes=[a.cidr]),
            tags=tags,
            # Differs: subnets are their own resources below, as in the module; the VNet must
            # not claim them, or each update of the VNet would try to delete them.
            opts=self.child(ignore_changes=["subnets"]),
        )
        # No custom rules: the Azure defaults allow VNet and load-balancer traffic and deny the
        # internet inbound.
        nsg = network.NetworkSecurityGroup(
            f"{a.name}-nodes-nsg",
            network_security_group_name=f"{a.name}-nodes-nsg",
            location=group.location,
            resource_group_name=group.name,
            tags=tags,
            opts=self.child(),
        )
        # Differs: azurerm_subnet_network_security_group_association is a property of the
        # subnet in the ARM API (and in azure-native), not a resource of its own.
        self.nodes = nodes = network.Subnet(
            f"{a.name}-nodes",
            subnet_name="nodes",
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefixes=[str(nodes_cidr)],
            network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
            opts=self.child(),
        )
        # Private endpoints take no traffic from the internet; the defaults (VNet in, internet
        # in denied) are what they need, and the NSG gives a place for flow logs and rules.
        endpoints_nsg = network.NetworkSecurityGroup(
            f"{a.name}-endpoints-nsg",
            network_security_group_name=f"{a.name}-endpoints-nsg",
            location=group.location,
            resource_group_name=group.name,
            tags=tags,
            opts=self.child(),
        )
        self.endpoints = network.Subnet(
            f"{a.name}-private-endpoints",
            subnet_name="private-endpoints",
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefixes=[str(endpoints_cidr)],
            network_security_group=network.NetworkSecurityGroupArgs(id=endpoints_nsg.id),
            # Apply the subnet's NSG (and route tables) to the private endpoints in it too.
            private_endpoint_network_policies="Enabled",
            # ARM serializes writes to one VNet's subnets; one after the other avoids a conflict.
            opts=self.child(depends_on=[nodes]),
        )
        self.register_outputs(
            {
                "resource_group_name": group.name,
                "vnet_id": vnet.id,
                "nodes_subnet_id": nodes.id,
                "endpoints_subnet_id": self.endpoints.id,
            }
        )
