################################################################################
# Network
################################################################################

locals {
  nodes_cidr     = cidrsubnet(var.cidr, 1, 0)
  endpoints_cidr = cidrsubnet(var.cidr, 8, 255)
}

resource "azurerm_resource_group" "cluster" {
  name     = "${var.name}-rg"
  location = var.region
  tags     = local.tags
}

resource "azurerm_virtual_network" "cluster" {
  name                = "${var.name}-vnet"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  address_space       = [var.cidr]
  tags                = local.tags
}

resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = azurerm_resource_group.cluster.name
  virtual_network_name = azurerm_virtual_network.cluster.name
  address_prefixes     = [local.nodes_cidr]
}

resource "azurerm_subnet" "endpoints" {
  name                 = "private-endpoints"
  resource_group_name  = azurerm_resource_group.cluster.name
  virtual_network_name = azurerm_virtual_network.cluster.name
  address_prefixes     = [local.endpoints_cidr]
  # Apply the subnet's NSG (and route tables) to the private endpoints in it too.
  private_endpoint_network_policies = "Enabled"
}

# No custom rules: the Azure defaults allow VNet and load-balancer traffic and deny the
# internet inbound.
resource "azurerm_network_security_group" "nodes" {
  name                = "${var.name}-nodes-nsg"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  tags                = local.tags
}

resource "azurerm_subnet_network_security_group_association" "nodes" {
  subnet_id                 = azurerm_subnet.nodes.id
  network_security_group_id = azurerm_network_security_group.nodes.id
}

# Private endpoints take no traffic from the internet; the defaults (VNet in, internet in
# denied) are what they need, and the NSG gives a place for flow logs and tighter rules.
resource "azurerm_network_security_group" "endpoints" {
  name                = "${var.name}-endpoints-nsg"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  tags                = local.tags
}

resource "azurerm_subnet_network_security_group_association" "endpoints" {
  subnet_id                 = azurerm_subnet.endpoints.id
  network_security_group_id = azurerm_network_security_group.endpoints.id
}
