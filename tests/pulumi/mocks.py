"""Running a Pulumi program under Pulumi's own mocks and recording what it registers.

``pulumi.runtime.set_mocks`` replaces the engine: every resource registration reaches
``Mocks.new_resource``, every provider function ``Mocks.call``. The mocks here answer like the
providers would for the few computed values the components read (ARNs, ids, endpoints) and keep
every registration for the assertions. Import only after ``pytest.importorskip("pulumi")``.
"""

from __future__ import annotations

import base64
import json
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

ACCOUNT_ID = "123456789012"
SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000001"
ACK_RELEASES = ("1.34.3-aliyun.1", "1.35.1-aliyun.1", "1.35.4-aliyun.1", "1.36.1-aliyun.1")

# Provider functions the components call, answered as the clouds would.
# What the clouds answer to the functions the sync jobs' kubernetes providers call
# (infra/clouds/<cloud>/sync.py, pulumi_kubeconfig).
_AKS_KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [
        {
            "name": "aks",
            "cluster": {
                "server": "https://aks.privatelink.azmk8s.io:443",
                "certificate-authority-data": "LS0tQUtT",
            },
        }
    ],
}
_SYNC_CALLS: dict[str, Mapping[str, Any]] = {
    "aws:eks/getCluster:getCluster": {
        "id": "eks",
        "endpoint": "https://eks.gr7.eks.amazonaws.com",
        "certificateAuthorities": [{"data": "LS0tRUtT"}],
    },
    "azure-native:containerservice:listManagedClusterUserCredentials": {
        "kubeconfigs": [
            {
                "name": "clusterUser",
                "value": base64.b64encode(json.dumps(_AKS_KUBECONFIG).encode()).decode(),
            }
        ]
    },
    "alicloud:cs/getClusterCredential:getClusterCredential": {
        "id": "ack",
        "certificateAuthorities": [
            {"clusterCert": "LS0tQUNL", "clientCert": "Y2VydA==", "clientKey": "a2V5"}
        ],
    },
}

CALLS: Mapping[str, Mapping[str, Any]] = {
    **_SYNC_CALLS,
    "aws:index/getPartition:getPartition": {
        "id": "aws",
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
    },
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "id": ACCOUNT_ID,
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/ci",
        "userId": "AROAEXAMPLE",
    },
    "azure-native:authorization:getClientConfig": {
        "clientId": "00000000-0000-0000-0000-0000000000c1",
        "objectId": "00000000-0000-0000-0000-0000000000b1",
        "subscriptionId": SUBSCRIPTION_ID,
        "tenantId": "00000000-0000-0000-0000-0000000000a1",
    },
    "alicloud:index/getAccount:getAccount": {"id": "5123456789012345"},
    "alicloud:cs/getKubernetesVersion:getKubernetesVersion": {
        "id": "ManagedKubernetes",
        "clusterType": "ManagedKubernetes",
        "profile": "Default",
        "metadatas": [{"version": v, "runtimes": []} for v in ACK_RELEASES],
    },
}


@dataclass(frozen=True, slots=True)
class Registered:
    """One resource registration as the engine saw it."""

    type: str
    name: str
    inputs: Mapping[str, Any]
    provider: str | None  # "<provider urn>::<provider id>", None for components
    custom: bool
    id: str | None


@dataclass
class Recorder(pulumi.runtime.Mocks):
    """Mocks that answer like the providers and remember every registration and call."""

    resources: list[Registered] = field(default_factory=list)
    calls: list[tuple[str, Mapping[str, Any], str | None]] = field(default_factory=list)
    outputs: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # urn -> outputs
    urns: list[str] = field(default_factory=list)  # of every resource, in registration order
    # urn -> the URNs its aliases name (what it was called before a refactoring)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    # urn -> the URNs it waits for: ``depends_on`` and the resources its inputs come from
    dependencies: dict[str, list[str]] = field(default_factory=dict)

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        state = {**inputs, **_computed(args.typ, args.name, inputs)}
        resource_id = (
            None if not args.custom else _id(args.typ, args.name, inputs, len(self.resources))
        )
        self.resources.append(
            Registered(
                args.typ, args.name, inputs, args.provider or None, bool(args.custom), resource_id
            )
        )
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.calls.append((args.token, dict(args.args), args.provider or None))
        if args.token not in CALLS:
            raise KeyError(f"unexpected provider function {args.token}")
        return dict(CALLS[args.token])

    # -- queries ---------------------------------------------------------------------------

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]

    def by_id(self, resource_id: str) -> Registered:
        return next(r for r in self.resources if r.id == resource_id)

    def by_id_or_none(self, resource_id: object) -> Registered | None:
        return next((r for r in self.resources if r.id == resource_id), None)

    def provider_of(self, resource: Registered) -> Registered:
        """The provider resource a registration names (``<urn>::<id>``)."""
        assert resource.provider, f"{resource.type} {resource.name} has no explicit provider"
        return self.by_id(resource.provider.rsplit("::", 1)[1])


class _OutputsMonitor(MockMonitor):
    """The mock monitor, also keeping what each component passes to ``register_outputs``."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder)
        self._recorder = recorder

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self._recorder.outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self._recorder.dependencies[response.urn] = list(request.dependencies)
        named: list[str] = []
        for alias in request.aliases:
            if alias.urn:
                named.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            named.append(
                self.make_urn(parent, spec.type or request.type, spec.name or request.name)
            )
        if named:
            self._recorder.aliases[response.urn] = named
        return response


def run_under_mocks(
    program: Callable[[], object],
    project: str,
    stack: str,
    config: Mapping[str, object] | None = None,
) -> Recorder:
    """Run ``program`` against mocks as ``pulumi up`` would (not a preview); return the record.

    ``config`` is the project's config by key without the project prefix, as ``pulumi config
    set`` would store it: strings as is, anything else as JSON.
    """
    recorder = Recorder()
    monitor = _OutputsMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(
        {
            f"{project}:{key}": value if isinstance(value, str) else json.dumps(value)
            for key, value in (config or {}).items()
        },
        [],
    )

    @pulumi.runtime.test
    def run() -> None:
        program()

    try:
        run()
    finally:
        pulumi.runtime.set_all_config({}, [])
    recorder.urns.extend(monitor.resources)
    return recorder


def run_rendered_project(
    project_dir: Path, stack: str, config: Mapping[str, object] | None = None
) -> Recorder:
    """Run a rendered project's ``__main__.py`` (it reads its own ``stack.json``)."""
    main = project_dir / "__main__.py"
    return run_under_mocks(
        lambda: runpy.run_path(str(main), run_name="__main__"), project_dir.name, stack, config
    )


# -- what the providers would compute --------------------------------------------------------

# azure-native resources are named by one of their inputs; their ``name`` output echoes it.
_AZURE_NAME_INPUT = {
    "azure-native:resources:ResourceGroup": "resourceGroupName",
    "azure-native:network:VirtualNetwork": "virtualNetworkName",
    "azure-native:network:Subnet": "subnetName",
    "azure-native:network:NetworkSecurityGroup": "networkSecurityGroupName",
    "azure-native:network:PrivateEndpoint": "privateEndpointName",
    "azure-native:containerservice:ManagedCluster": "resourceName",
    "azure-native:containerservice:AgentPool": "agentPoolName",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:storage:BlobContainer": "containerName",
    "azure-native:privatedns:PrivateZone": "privateZoneName",
    "azure-native:trafficmanager:Profile": "profileName",
    "azure-native:trafficmanager:Endpoint": "endpointName",
    "azure-native:dns:RecordSet": "relativeRecordSetName",
    "azure-native:monitor:MetricAlert": "ruleName",
}


def _id(type_: str, name: str, inputs: Mapping[str, Any], index: int) -> str:
    if type_ == "aws:s3/bucket:Bucket":
        return str(inputs["bucket"])  # an S3 bucket's id is its name
    if type_.startswith("azure-native:") and type_ in _AZURE_NAME_INPUT:
        return f"/subscriptions/{SUBSCRIPTION_ID}/mock/{inputs[_AZURE_NAME_INPUT[type_]]}"
    return f"{name}-id-{index}"


def _computed(type_: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    computed: dict[str, Any] = {}
    if type_.startswith("aws:"):
        computed["arn"] = f"arn:aws:{type_.split(':')[1].split('/', maxsplit=1)[0]}:::{name}"
        computed["tagsAll"] = inputs.get("tags", {})
    if type_ == "aws:kms/key:Key":
        computed["keyId"] = f"key-{name}"
    elif type_ == "aws:s3/bucket:Bucket":
        computed["arn"] = f"arn:aws:s3:::{inputs['bucket']}"
    elif type_ == "aws:iam/role:Role":
        computed["name"] = f"{inputs['namePrefix']}0001"
    elif type_ == "aws:ec2/launchTemplate:LaunchTemplate":
        computed["latestVersion"] = 1
    elif type_ == "aws:eks/nodeGroup:NodeGroup":
        # EKS names each node group's Auto Scaling group eks-<node group>-<uuid>.
        group = f"eks-{inputs['nodeGroupName']}-mock"
        computed["resources"] = [{"autoscalingGroups": [{"name": group}]}]
    elif type_ == "aws:eks/cluster:Cluster":
        computed["endpoint"] = f"https://{inputs['name']}.gr7.eks.amazonaws.com"
        computed["certificateAuthority"] = {"data": "LS0tLS1CRUdJTi=="}
        computed["identities"] = [{"oidcs": [{"issuer": f"https://oidc.eks/{inputs['name']}"}]}]
        computed["vpcConfig"] = {**inputs["vpcConfig"], "clusterSecurityGroupId": "sg-eks"}
    elif type_ in _AZURE_NAME_INPUT:
        computed["name"] = inputs[_AZURE_NAME_INPUT[type_]]
    if type_ == "azure-native:containerservice:ManagedCluster":
        computed["identity"] = {**inputs["identity"], "principalId": "principal-of-cluster"}
        computed["identityProfile"] = {"kubeletidentity": {"objectId": "kubelet-object-id"}}
        computed["privateFQDN"] = f"{inputs['resourceName']}.privatelink.azmk8s.io"
        computed["fqdn"] = f"{inputs['resourceName']}.hcp.azmk8s.io"
        computed["oidcIssuerProfile"] = {"enabled": True, "issuerURL": "https://oidc.aks/"}
        computed["nodeResourceGroup"] = f"MC_{inputs['resourceName']}"
    elif type_ == "azure-native:storage:StorageAccount":
        account = inputs["accountName"]
        computed["primaryEndpoints"] = {"blob": f"https://{account}.blob.core.windows.net/"}
    elif type_ == "azure-native:trafficmanager:Profile":
        relative = inputs["dnsConfig"]["relativeName"]
        computed["dnsConfig"] = {**inputs["dnsConfig"], "fqdn": f"{relative}.trafficmanager.net"}
    elif type_ == "azure-native:storage:ObjectReplicationPolicy":
        policy = inputs.get("objectReplicationPolicyId")
        computed["policyId"] = f"policy-{name}" if policy in (None, "default") else policy
        computed["rules"] = [{**r, "ruleId": f"rule-{name}"} for r in inputs.get("rules") or []]
    elif type_ == "aws:route53/record:Record":
        computed["fqdn"] = f"{inputs['name']}.zone-{inputs['zoneId']}.example"  # see inventory
    elif type_ == "alicloud:oss/bucketReplication:BucketReplication":
        computed["ruleId"] = f"rule-{name}"
    elif type_ == "alicloud:vpc/natGateway:NatGateway":
        computed["snatTableIds"] = f"stb-{name}"
    elif type_ == "alicloud:ecs/eipAddress:EipAddress":
        computed["ipAddress"] = "203.0.113.10"
    elif type_ == "alicloud:cs/managedKubernetes:ManagedKubernetes":
        computed["connections"] = [
            {
                "apiServerIntranet": f"https://{inputs['name']}.intranet:6443",
                "apiServerInternet": f"https://{inputs['name']}.internet:6443",
            }
        ]
        computed["rrsaMetadata"] = {"rrsaOidcIssuerUrl": "https://oidc.ack/"}
    elif type_ == "alicloud:cs/nodePool:NodePool":
        computed["nodePoolId"] = f"np-{inputs['nodePoolName']}"
    elif type_ == "alicloud:oss/bucket:Bucket":
        computed["intranetEndpoint"] = "oss-cn-internal.aliyuncs.com"
    return computed
