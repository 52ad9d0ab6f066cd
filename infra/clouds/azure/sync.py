"""Checkpoint sync jobs and Azure: the checkpoint container as an rclone Azure Blob remote, and
the AKS API as Terraform's and Pulumi's kubernetes providers reach it.

Sources:
- rclone v1.75.0 docs/content/azureblob.md (rclone.org/azureblob): ``account``; the container
  is the first element of the path; ``env_auth`` tries "1. Environment Variables" (a service
  principal from AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, or "4. Workload
  Identity" from AZURE_FEDERATED_TOKEN_FILE), "2. Managed Service Identity", "3. Azure CLI", and
  is tried before every other method; ``no_check_container`` "don't attempt to check the
  container exists or create it".
- The checkpoint accounts take Entra ID only (modules/azure-gpu-cluster/storage.tf:
  ``shared_access_key_enabled = false``), so account keys and key-signed SAS URLs cannot work.
- Azure/kubelogin docs/book/src/concepts/aks.md: the AKS AAD server application id
  6dae42f8-4368-4678-94ff-3960e28e3630 ("The access token accessing AKS clusters need to be
  issued for this app", ``--server-id``); docs/book/src/cli/get-token.md: ``--login`` azurecli
  (the Azure CLI's logged-in context, as the azurerm provider uses it).
- The cluster has local accounts disabled and Azure RBAC (modules/azure-gpu-cluster/main.tf), so
  the credentials are the user ones (``kube_config`` of data "azurerm_kubernetes_cluster";
  pulumi-azure-native ``containerservice.list_managed_cluster_user_credentials``, whose
  kubeconfig holds the server and its CA).
"""

from __future__ import annotations

import base64
import importlib

from infra.clouds.azure.naming import resource_group
from infra.clouds.base import CheckpointSync
from infra.clouds.dr_inputs import DrCluster
from infra.values import Block, Raw

__all__ = ["AKS_SERVER_ID", "SYNC", "AzureSync"]

AKS_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
# modules/azure-gpu-cluster/variables.tf: checkpoint_container_name's default, which no root sets.
_CONTAINER = "checkpoints"
_DATA = "azurerm_kubernetes_cluster"
_LABEL = "cluster"
_EXEC_API = "client.authentication.k8s.io/v1"
_TOKEN_ARGS = ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_ID]


class AzureSync(CheckpointSync):
    """The checkpoint container of the cluster's storage account (``storage_account_name``)."""

    def remote(self, store: DrCluster, *, in_region: bool) -> dict[str, str]:
        # The blob endpoint is the account's; inside the cluster's VNet it resolves to the
        # private endpoint (privatelink.blob.core.windows.net), outside to the public one.
        del in_region
        return {
            "type": "azureblob",
            "account": store.store("storage_account_name"),
            "env_auth": "true",
            "no_check_container": "true",
        }

    def bucket(self, store: DrCluster) -> str:
        value = store.inputs.get("checkpoint_container_name", _CONTAINER)
        return value if isinstance(value, str) else _CONTAINER

    def store_name(self, store: DrCluster) -> str:
        return f"{store.store('storage_account_name')}/{self.bucket(store)}"

    def credential_keys(self, remote: str) -> dict[str, str]:
        return {
            "AZURE_TENANT_ID": "Entra ID tenant of the service principal (env_auth)",
            "AZURE_CLIENT_ID": "its application (client) id (env_auth; omit with workload identity)",
            "AZURE_CLIENT_SECRET": "its client secret (env_auth; omit with workload identity)",
        }

    def kubernetes_provider(self, cluster: DrCluster) -> tuple[Block, ...]:
        data = Block(
            "data",
            (_DATA, _LABEL),
            (
                ("name", cluster.resource),
                ("resource_group_name", resource_group(cluster.resource)),
            ),
        )
        ref = f"data.{_DATA}.{_LABEL}.kube_config[0]"
        exec_block = Block(
            "exec",
            (),
            (("api_version", _EXEC_API), ("command", "kubelogin"), ("args", list(_TOKEN_ARGS))),
        )
        provider = Block(
            "provider",
            ("kubernetes",),
            (
                ("host", Raw(f"{ref}.host")),
                ("cluster_ca_certificate", Raw(f"base64decode({ref}.cluster_ca_certificate)")),
                exec_block,
            ),
        )
        return (data, provider)

    def pulumi_kubeconfig(self, cluster: object, target: DrCluster) -> object:
        # Imported here: only a Pulumi program with a sync job into Azure needs these packages.
        import pulumi  # noqa: PLC0415
        import pulumi_azure_native as azure  # noqa: PLC0415

        from infra.clouds.component import GpuClusterComponent  # noqa: PLC0415

        assert isinstance(cluster, GpuClusterComponent)
        # As a child of the cluster component, the invoke uses its azure-native provider.
        found = azure.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=resource_group(target.resource),
            resource_name=cluster.cluster_name,
            format="exec",
            opts=pulumi.InvokeOutputOptions(parent=cluster),
        )

        def entries(kubeconfigs: list[object]) -> dict[str, object]:
            # value: the kubeconfig, base64 (the API's CredentialResult); its first cluster.
            value = getattr(kubeconfigs[0], "value")  # noqa: B009  (typed as object)
            # PyYAML comes with pulumi (which requires it) and has no type information here.
            yaml = importlib.import_module("yaml")
            document = yaml.safe_load(base64.b64decode(str(value)))
            server = document["clusters"][0]["cluster"]
            return {
                "cluster": {
                    "server": server["server"],
                    "certificate-authority-data": server["certificate-authority-data"],
                },
                "user": {
                    "exec": {
                        "apiVersion": _EXEC_API,
                        "command": "kubelogin",
                        "args": list(_TOKEN_ARGS),
                        "interactiveMode": "Never",
                    }
                },
            }

        return found.kubeconfigs.apply(entries)


SYNC = AzureSync()
