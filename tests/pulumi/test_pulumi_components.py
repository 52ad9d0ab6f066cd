"""The cluster components under Pulumi's mocks, with the real provider packages.

Every example stack's rendered project runs once (``programs`` fixture); the tests check the
resource types and counts each Terraform module would create, the inputs that matter (scaling
from the resolved counts, instance types, IMDSv2, encryption, private endpoints, labels and
taints), explicit providers, parenting and outputs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.conftest import ROOT
from tests.pulumi.conftest import EXAMPLE_STACKS, require_pulumi, stack_json

require_pulumi()

import dataclasses  # noqa: E402  (after the skip: the modules below import the Pulumi packages)

from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs, newest_release  # noqa: E402
from infra.clouds.args import ComponentInputError  # noqa: E402
from infra.clouds.aws.cluster import AwsGpuClusterArgs  # noqa: E402
from infra.clouds.azure.cluster import SPOT_TAINT, AzureGpuClusterArgs  # noqa: E402
from tests.pulumi.mocks import Recorder, Registered  # noqa: E402

ARGS = {"aws": AwsGpuClusterArgs, "azure": AzureGpuClusterArgs, "alicloud": AlicloudGpuClusterArgs}
MODULES = {
    "aws": "aws-gpu-cluster",
    "azure": "azure-gpu-cluster",
    "alicloud": "alicloud-gpu-cluster",
}


def _expected_aws(inputs: Mapping[str, Any]) -> Counter[str]:
    zones = len(inputs["zones"])
    pools = inputs["node_pools"]
    rdma = [k for k, p in pools.items() if p["rdma"]]
    reserved = inputs.get("capacity_reservation_ids", {})
    # A reserved pool launches into its reservation, never into a cluster placement group.
    placement = [k for k in rdma if pools[k]["workload"] == "training" and k not in reserved]
    efa = 1 if rdma else 0
    gpu = len([k for k, p in pools.items() if p["gpu"]])
    return Counter(
        {
            "aws:kms/key:Key": 2,
            "aws:kms/alias:Alias": 2,
            "aws:ec2/vpc:Vpc": 1,
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1,
            "aws:ec2/subnet:Subnet": 2 * zones,
            "aws:ec2/internetGateway:InternetGateway": 1,
            "aws:ec2/eip:Eip": zones,  # one NAT gateway per zone (single_nat_gateway = false)
            "aws:ec2/natGateway:NatGateway": zones,
            "aws:ec2/routeTable:RouteTable": 1 + zones,
            "aws:ec2/route:Route": 1 + zones,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": 2 * zones,
            "aws:cloudwatch/logGroup:LogGroup": 2,
            "aws:ec2/flowLog:FlowLog": 1,
            "aws:iam/role:Role": 3,
            "aws:iam/rolePolicy:RolePolicy": 2,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,
            "aws:eks/cluster:Cluster": 1,
            "aws:ec2/placementGroup:PlacementGroup": len(placement),
            "aws:ec2/securityGroup:SecurityGroup": efa,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": efa,
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": efa,
            "aws:ec2/launchTemplate:LaunchTemplate": len(pools),
            "aws:eks/nodeGroup:NodeGroup": len(pools),
            # The checkpoint bucket and its access-log bucket, each with these settings.
            "aws:s3/bucket:Bucket": 2,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 2,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 2,
            "aws:s3/bucketVersioning:BucketVersioning": 2,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 2,
            "aws:s3/bucketPolicy:BucketPolicy": 2,
            "aws:s3/bucketLogging:BucketLogging": 1,
            # health.tf: a status-check alarm per GPU pool, one launch-failed rule and alarm.
            "aws:cloudwatch/metricAlarm:MetricAlarm": gpu + (1 if gpu else 0),
            "aws:cloudwatch/eventRule:EventRule": 1 if gpu else 0,
        }
    )


def _expected_azure(inputs: Mapping[str, Any]) -> Counter[str]:
    user_pools = [k for k in inputs["node_pools"] if k != inputs.get("system_pool")]
    gpu = len([k for k, p in inputs["node_pools"].items() if p["gpu"]])
    return Counter(
        {
            "azure-native:resources:ResourceGroup": 1,
            "azure-native:network:VirtualNetwork": 1,
            "azure-native:network:Subnet": 2,
            "azure-native:network:NetworkSecurityGroup": 2,  # nodes and private endpoints
            "azure-native:operationalinsights:Workspace": 1,
            "azure-native:monitor:DiagnosticSetting": 2,  # control plane and blob access
            "azure-native:containerservice:ManagedCluster": 1,
            "azure-native:containerservice:AgentPool": len(user_pools),
            "azure-native:authorization:RoleAssignment": 2,
            "azure-native:storage:StorageAccount": 1,
            "azure-native:storage:BlobServiceProperties": 1,
            "azure-native:storage:BlobContainer": 1,
            "azure-native:privatedns:PrivateZone": 1,
            "azure-native:privatedns:VirtualNetworkLink": 1,
            "azure-native:network:PrivateEndpoint": 1,
            "azure-native:network:PrivateDnsZoneGroup": 1,
            "azure-native:monitor:MetricAlert": gpu,  # health.tf: nodes not Ready, per GPU pool
        }
    )


def _expected_alicloud(inputs: Mapping[str, Any]) -> Counter[str]:
    zones = len(inputs["zones"])
    gpu = len([k for k, p in inputs["node_pools"].items() if p["gpu"]])
    return Counter(
        {
            "alicloud:vpc/network:Network": 1,
            "alicloud:vpc/switch:Switch": 2 * zones,  # node and pod vSwitch per zone
            "alicloud:vpc/natGateway:NatGateway": 1,
            "alicloud:ecs/eipAddress:EipAddress": 1,
            "alicloud:ecs/eipAssociation:EipAssociation": 1,
            "alicloud:vpc/snatEntry:SnatEntry": 2 * zones,
            "alicloud:ecs/securityGroup:SecurityGroup": 1,
            "alicloud:cs/managedKubernetes:ManagedKubernetes": 1,
            "alicloud:cs/nodePool:NodePool": len(inputs["node_pools"]),
            # The checkpoint bucket and its access-log bucket.
            "alicloud:oss/bucket:Bucket": 2,
            "alicloud:oss/bucketAcl:BucketAcl": 2,
            "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
            "alicloud:ess/notification:Notification": gpu,  # health.tf, per GPU pool
        }
    )


EXPECTED = {"aws": _expected_aws, "azure": _expected_azure, "alicloud": _expected_alicloud}


def _clusters(rendered: Path, stack: str) -> list[dict[str, Any]]:
    clusters: list[dict[str, Any]] = stack_json(rendered, stack)["clusters"]
    return clusters


def _of_cluster(recorder: Recorder, cluster: Mapping[str, Any]) -> list[Registered]:
    """The cloud resources of one cluster: those using its explicit provider."""
    provider = f"{cluster['name']}-{cluster['cloud']}"
    return [
        r
        for r in recorder.resources
        if r.custom
        and not r.type.startswith("pulumi:providers:")
        and recorder.provider_of(r).name == provider
    ]


def _one(resources: list[Registered], type_: str) -> Registered:
    matching = [r for r in resources if r.type == type_]
    assert len(matching) == 1, f"expected one {type_}, found {len(matching)}"
    return matching[0]


def _expected_labels(key: str, pool: Mapping[str, Any], rdma_label: bool = False) -> dict[str, str]:
    labels = {**pool["labels"], "infra/pool": key, "infra/workload": pool["workload"]}
    if pool["gpu"] is not None:
        labels["infra/gpu"] = pool["gpu"]
    if rdma_label and pool["rdma"]:
        labels["infra/rdma"] = "erdma"
    if pool["standby"]:
        labels["infra/standby"] = "true"
    return labels


# -- resource sets, providers, parents, outputs ------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_each_cluster_creates_the_module_resources(
    stack: str, rendered: Path, programs: dict[str, Recorder]
) -> None:
    recorder = programs[stack]
    for cluster in _clusters(rendered, stack):
        # Not the add-ons root's managed add-ons (``<cluster>-gpu-software-<label>``): they use
        # the cluster's cloud provider too, but are no resource of the cluster module.
        module = [r for r in _of_cluster(recorder, cluster) if "-gpu-software-" not in r.name]
        actual = Counter(r.type for r in module)
        expected = +EXPECTED[cluster["cloud"]](cluster["inputs"])  # + drops zero counts
        assert actual == expected, (
            f"{stack}/{cluster['name']}: {actual - expected} extra, {expected - actual} missing"
        )


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_resource_uses_its_clusters_explicit_provider(
    stack: str, rendered: Path, programs: dict[str, Recorder]
) -> None:
    recorder = programs[stack]
    clusters = _clusters(rendered, stack)
    dr_calls = stack_json(rendered, stack)["dr"]
    providers = [r for r in recorder.resources if r.type.startswith("pulumi:providers:")]
    # One per cluster, and one per (cloud, region) DR call: never the default provider.
    wanted = {f"{c['name']}-{c['cloud']}": c["region"] for c in clusters}
    wanted |= {f"{c['label'].replace('_', '-')}-provider": c["region"] for c in dr_calls}
    # And one kubernetes provider per cluster with an add-ons root (checkpoint sync jobs or GPU
    # software), on its cluster's API.
    document = stack_json(rendered, stack)
    sync_targets = [c["target"] for c in document.get("sync", [])]
    gpu_clusters = [c["cluster"] for c in document.get("addons", [])]
    wanted |= {f"{target}-kubernetes": None for target in (*sync_targets, *gpu_clusters)}
    assert sorted(p.name for p in providers) == sorted(wanted)
    for provider in providers:
        if provider.type == "pulumi:providers:kubernetes":
            assert "kubeconfig" in provider.inputs, provider.name
            continue
        assert (
            provider.inputs.get("region", provider.inputs.get("location")) == wanted[provider.name]
        )
    cloud_resources = [r for r in recorder.resources if r.custom and r not in providers]
    dr_resources = [
        r
        for r in cloud_resources
        if recorder.provider_of(r).name.endswith(("-provider", "-kubernetes"))
    ]
    assert sum(len(_of_cluster(recorder, c)) for c in clusters) + len(dr_resources) == len(
        cloud_resources
    )
    for resource in cloud_resources:
        assert "::default" not in (resource.provider or ""), (
            f"{resource.name} uses a default provider"
        )
    for token, _, provider in recorder.calls:
        assert provider and "::default" not in provider, f"{token} invoked on a default provider"


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_children_are_parented_to_their_component(
    stack: str, programs: dict[str, Recorder]
) -> None:
    # Cloud resources live in a component of infra (a cluster, DR, checkpoint sync or GPU software component,
    # or one of their parts: network, node pools, storage...); each part lives in its cluster or
    # DR component.
    tops = (":GpuCluster", ":DisasterRecovery", ":CheckpointSync", ":GpuSoftware")
    for urn in programs[stack].urns:
        types = urn.split("::")[2].split("$")
        if types[-1].startswith("pulumi:providers:") or types[-1].endswith(tops):
            continue
        parent = types[-2]
        if types[-1].startswith("infra:"):
            assert parent.startswith("infra:") and parent.endswith(tops), urn
        else:
            assert parent.startswith("infra:"), urn


@pytest.mark.parametrize("cloud", sorted(MODULES))
def test_outputs_have_the_module_output_names(cloud: str, programs: dict[str, Recorder]) -> None:
    outputs_tf = hcl2.loads((ROOT / "modules" / MODULES[cloud] / "outputs.tf").read_text())
    names = {next(iter(block)).strip('"') for block in outputs_tf["output"]}
    registered = [
        outputs
        for recorder in programs.values()
        for urn, outputs in recorder.outputs.items()
        if f"$infra:{cloud}:GpuCluster::" in urn
    ]
    assert registered, f"no {cloud} component ran"
    for outputs in registered:
        assert set(outputs) == names


@pytest.mark.parametrize("cloud", sorted(MODULES))
def test_args_fields_are_the_module_variables(cloud: str) -> None:
    variables_tf = hcl2.loads((ROOT / "modules" / MODULES[cloud] / "variables.tf").read_text())
    names = {next(iter(block)).strip('"') for block in variables_tf["variable"]}
    assert {f.name for f in dataclasses.fields(ARGS[cloud])} == names


# -- AWS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_aws_inputs(stack: str, rendered: Path, programs: dict[str, Recorder]) -> None:
    recorder = programs[stack]
    for cluster in (c for c in _clusters(rendered, stack) if c["cloud"] == "aws"):
        inputs, resources = cluster["inputs"], _of_cluster(recorder, cluster)
        eks = _one(resources, "aws:eks/cluster:Cluster")
        assert eks.inputs["name"] == inputs["name"]
        assert eks.inputs["version"] == inputs["kubernetes_version"]
        assert eks.inputs["vpcConfig"]["endpointPrivateAccess"] is True
        assert eks.inputs["vpcConfig"]["endpointPublicAccess"] is False
        assert eks.inputs["encryptionConfig"]["resources"] == ["secrets"]
        key = recorder.by_id_or_none(eks.inputs["encryptionConfig"]["provider"]["keyArn"])
        assert key is None or key.type == "aws:kms/key:Key"
        assert eks.inputs["accessConfig"]["authenticationMode"] == "API"
        assert len(eks.inputs["enabledClusterLogTypes"]) == 5

        templates = {
            r.id: r for r in resources if r.type == "aws:ec2/launchTemplate:LaunchTemplate"
        }
        groups = {
            r.inputs["nodeGroupName"]: r
            for r in resources
            if r.type == "aws:eks/nodeGroup:NodeGroup"
        }
        placement = {
            r.inputs["name"] for r in resources if r.type == "aws:ec2/placementGroup:PlacementGroup"
        }
        for key_, pool in inputs["node_pools"].items():
            group = groups[f"{inputs['name']}-{key_}"]
            assert group.inputs["scalingConfig"] == {
                "minSize": pool["min_nodes"],
                "desiredSize": pool["desired_nodes"],
                "maxSize": pool["max_nodes"],
            }
            assert group.inputs["instanceTypes"] == [pool["instance_type"]]
            blocks = inputs.get("capacity_block_pools", [])
            capacity = "CAPACITY_BLOCK" if key_ in blocks else "ON_DEMAND"
            assert group.inputs["capacityType"] == ("SPOT" if pool["spot"] else capacity)
            assert group.inputs["amiType"].endswith("NVIDIA" if pool["gpu"] else "STANDARD")
            assert group.inputs["labels"] == _expected_labels(key_, pool)
            assert group.inputs.get("taints", []) == [
                {"key": t["key"], "value": t["value"], "effect": "NO_SCHEDULE"}
                for t in pool["taints"]
            ]
            reserved = key_ in inputs.get("capacity_reservation_ids", {})
            one_zone = pool["rdma"] or reserved
            assert len(group.inputs["subnetIds"]) == (1 if one_zone else len(inputs["zones"]))
            template = templates[group.inputs["launchTemplate"]["id"]]
            metadata = template.inputs["metadataOptions"]
            assert metadata["httpTokens"] == "required"  # IMDSv2 only
            assert metadata["httpPutResponseHopLimit"] == 1
            ebs = template.inputs["blockDeviceMappings"][0]["ebs"]
            assert ebs["encrypted"] == "true" and ebs["volumeType"] == "gp3"
            interfaces = template.inputs.get("networkInterfaces") or []
            layout = inputs.get("efa_layout", {}).get(key_, [])
            assert [i["interfaceType"] for i in interfaces] == [i["interface_type"] for i in layout]
            assert bool(layout) == pool["rdma"]
            in_group = pool["rdma"] and pool["workload"] == "training" and not reserved
            assert (f"{inputs['name']}-{key_}" in placement) == in_group
            assert ("placement" in template.inputs) == in_group

        checkpoint = inputs["checkpoint_bucket_name"]
        logging = _one(resources, "aws:s3/bucketLogging:BucketLogging").inputs
        assert (logging["bucket"], logging["targetBucket"]) == (checkpoint, f"{checkpoint}-logs")
        on = {}  # bucket -> {type: inputs}
        for r in resources:
            if r.type.startswith("aws:s3/") and "bucket" in r.inputs:
                on.setdefault(r.inputs["bucket"], {})[r.type.split(":")[-1]] = r.inputs
        assert set(on) == {checkpoint, f"{checkpoint}-logs"}
        for name, settings in on.items():
            block = settings["BucketPublicAccessBlock"]
            assert all(
                block[f]
                for f in (
                    "blockPublicAcls",
                    "blockPublicPolicy",
                    "ignorePublicAcls",
                    "restrictPublicBuckets",
                )
            )
            assert settings["BucketVersioning"]["versioningConfiguration"]["status"] == "Enabled"
            policy = json.loads(settings["BucketPolicy"]["policy"])
            assert policy["Statement"][-1]["Condition"] == {
                "Bool": {"aws:SecureTransport": "false"}
            }
            sse = settings["BucketServerSideEncryptionConfiguration"]["rules"][0]
            algorithm = sse["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
            assert algorithm == ("aws:kms" if name == checkpoint else "AES256")
        for key_resource in (r for r in resources if r.type == "aws:kms/key:Key"):
            assert key_resource.inputs["enableKeyRotation"] is True


def test_aws_node_role_reaches_only_its_checkpoint_bucket(
    rendered: Path, programs: dict[str, Recorder]
) -> None:
    recorder = programs["llm-train"]
    cluster = next(c for c in _clusters(rendered, "llm-train") if c["name"] == "aws-use1")
    resources = _of_cluster(recorder, cluster)
    node_policy = next(
        json.loads(r.inputs["policy"])
        for r in resources
        if r.type == "aws:iam/rolePolicy:RolePolicy" and r.inputs["name"] == "checkpoint-bucket"
    )
    bucket = cluster["inputs"]["checkpoint_bucket_name"]
    resources_named = [s["Resource"] for s in node_policy["Statement"]]
    assert resources_named[:2] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    attachments = sorted(
        r.inputs["policyArn"].rsplit("/", 1)[1]
        for r in resources
        if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    )
    assert attachments == [
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEKSClusterPolicy",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
    ]


# -- Azure --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_azure_inputs(stack: str, rendered: Path, programs: dict[str, Recorder]) -> None:
    recorder = programs[stack]
    for cluster in (c for c in _clusters(rendered, stack) if c["cloud"] == "azure"):
        inputs, resources = cluster["inputs"], _of_cluster(recorder, cluster)
        aks = _one(resources, "azure-native:containerservice:ManagedCluster")
        assert aks.inputs["apiServerAccessProfile"]["enablePrivateCluster"] is True
        assert aks.inputs["disableLocalAccounts"] is True
        assert aks.inputs["aadProfile"]["enableAzureRBAC"] is True
        assert aks.inputs["kubernetesVersion"] == inputs["kubernetes_version"]
        system_key = inputs["system_pool"]
        (default,) = aks.inputs["agentPoolProfiles"]
        system = inputs["node_pools"][system_key]
        assert default["name"] == system_key and default["mode"] == "System"
        assert (default["minCount"], default["count"], default["maxCount"]) == (
            system["min_nodes"],
            system["desired_nodes"],
            system["max_nodes"],
        )
        pools = {
            r.inputs["agentPoolName"]: r.inputs
            for r in resources
            if r.type == "azure-native:containerservice:AgentPool"
        }
        assert set(pools) == set(inputs["node_pools"]) - {system_key}
        for key, agent in pools.items():
            pool = inputs["node_pools"][key]
            assert (agent["minCount"], agent["count"], agent["maxCount"]) == (
                pool["min_nodes"],
                pool["desired_nodes"],
                pool["max_nodes"],
            )
            assert agent["vmSize"] == pool["instance_type"]
            assert agent["enableAutoScaling"] is True and agent["mode"] == "User"
            assert agent["nodeLabels"] == _expected_labels(key, pool)
            taints = [f"{t['key']}={t['value']}:{t['effect']}" for t in pool["taints"]]
            assert agent.get("nodeTaints", []) == taints + ([SPOT_TAINT] if pool["spot"] else [])
            assert ("gpuProfile" in agent) == (pool["gpu"] is not None)
            zones = agent["availabilityZones"]
            assert zones == (inputs["zones"][:1] if pool["rdma"] else inputs["zones"])
        account = _one(resources, "azure-native:storage:StorageAccount").inputs
        assert account["accountName"] == inputs["storage_account_name"]
        assert account["publicNetworkAccess"] == "Disabled"
        assert account["allowBlobPublicAccess"] is False
        assert account["allowSharedKeyAccess"] is False
        assert account["minimumTlsVersion"] == "TLS1_2"
        assert account["encryption"]["requireInfrastructureEncryption"] is True
        blobs = _one(resources, "azure-native:storage:BlobServiceProperties").inputs
        assert blobs["isVersioningEnabled"] is True
        assert blobs["changeFeed"]["enabled"] is True  # object replication needs it
        endpoint = _one(resources, "azure-native:network:PrivateEndpoint").inputs
        assert endpoint["privateLinkServiceConnections"][0]["groupIds"] == ["blob"]
        roles = sorted(
            r.inputs["roleDefinitionId"].rsplit("/", 1)[1]
            for r in resources
            if r.type == "azure-native:authorization:RoleAssignment"
        )
        assert roles == sorted(
            ["4d97b98b-1d4f-4787-a291-c67834d212e7", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"]
        )


# -- Alibaba Cloud ------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_alicloud_inputs(stack: str, rendered: Path, programs: dict[str, Recorder]) -> None:
    recorder = programs[stack]
    for cluster in (c for c in _clusters(rendered, stack) if c["cloud"] == "alicloud"):
        inputs, resources = cluster["inputs"], _of_cluster(recorder, cluster)
        ack = _one(resources, "alicloud:cs/managedKubernetes:ManagedKubernetes").inputs
        assert ack["slbInternetEnabled"] is False
        assert ack["clusterSpec"] == "ack.pro.small"
        # The newest release of the minor version among those the mocked API offers.
        assert ack["version"].startswith(inputs["kubernetes_version"] + ".")
        addons = [a["name"] for a in ack["addons"]]
        # eRDMA's controller is the add-ons root's (one owner), never the cluster's.
        assert addons == ["terway-eniip", "csi-plugin", "managed-csiprovisioner"]
        pools = {
            r.inputs["nodePoolName"]: r.inputs
            for r in resources
            if r.type == "alicloud:cs/nodePool:NodePool"
        }
        for key, pool in inputs["node_pools"].items():
            node_pool = pools[f"{inputs['name']}-{key}"]
            assert node_pool["instanceTypes"] == [pool["instance_type"]]
            assert node_pool["instanceMetadataOptions"] == {"httpTokens": "required"}
            assert node_pool["systemDiskEncrypted"] is True
            if pool["min_nodes"] == pool["max_nodes"]:
                assert node_pool["desiredSize"] == str(pool["desired_nodes"])
                assert "scalingConfig" not in node_pool
            else:
                assert "desiredSize" not in node_pool
                scaling = node_pool["scalingConfig"]
                assert (scaling["minSize"], scaling["maxSize"]) == (
                    pool["min_nodes"],
                    pool["max_nodes"],
                )
            labels = {label["key"]: label["value"] for label in node_pool["labels"]}
            assert labels == _expected_labels(key, pool, rdma_label=True)
            assert node_pool.get("taints", []) == pool["taints"]
            assert len(node_pool["vswitchIds"]) == (1 if pool["rdma"] else len(inputs["zones"]))
        buckets = {
            r.inputs["bucket"]: r.inputs
            for r in resources
            if r.type == "alicloud:oss/bucket:Bucket"
        }
        bucket = buckets[inputs["checkpoint_bucket_name"]]
        assert bucket["serverSideEncryptionRule"]["sseAlgorithm"] == "KMS"
        assert bucket["versioning"] == {"status": "Enabled"}
        assert bucket["logging"]["targetBucket"] == f"{inputs['checkpoint_bucket_name']}-logs"
        assert set(buckets) == {bucket["bucket"], bucket["logging"]["targetBucket"]}
        for r in resources:
            if r.type == "alicloud:oss/bucketAcl:BucketAcl":
                assert r.inputs["acl"] == "private"
            if r.type == "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock":
                assert r.inputs["blockPublicAccess"] is True


def test_newest_ack_release_of_a_minor() -> None:
    releases = ["1.35.1-aliyun.1", "1.35.10-aliyun.1", "1.35.4-aliyun.1", "1.36.1-aliyun.1"]
    assert newest_release("1.35", releases) == "1.35.10-aliyun.1"
    with pytest.raises(ComponentInputError, match=r"no ACK release of Kubernetes 1\.37"):
        newest_release("1.37", releases)


# -- the modules' validations and preconditions -------------------------------------------------


def _aws_inputs(rendered: Path, **changes: Any) -> dict[str, Any]:
    cluster = next(c for c in _clusters(rendered, "llm-train") if c["name"] == "aws-use1")
    return {**cluster["inputs"], **changes}


def test_args_refuse_what_the_modules_refuse(rendered: Path) -> None:
    AwsGpuClusterArgs.from_inputs(_aws_inputs(rendered))  # the rendered inputs are fine
    cases = {
        "needs explicit public_access_cidrs": {"endpoint_public_access": True},
        "unsupported input": {"instance_profile": "x"},
        "listed in capacity_block_pools": {"capacity_block_pools": ["system"]},
        "reservation_zones entries must name": {"reservation_zones": {"system": "us-east-1a"}},
        "2 to 6 distinct": {"zones": ["us-east-1a"]},
        "name 'X'": {"name": "X"},
    }
    for message, change in cases.items():
        with pytest.raises(ComponentInputError, match=message):
            AwsGpuClusterArgs.from_inputs(_aws_inputs(rendered, **change))
    pools = _aws_inputs(rendered)["node_pools"]
    bad = {
        **pools,
        "h100": {**pools["h100"], "taints": [{"key": "k", "value": "v", "effect": "Never"}]},
    }
    with pytest.raises(ComponentInputError, match="taint effect 'Never'"):
        AwsGpuClusterArgs.from_inputs(_aws_inputs(rendered, node_pools=bad))
    bad = {**pools, "h100": {**pools["h100"], "min_nodes": 40}}
    with pytest.raises(ComponentInputError, match="min_nodes <= desired_nodes"):
        AwsGpuClusterArgs.from_inputs(_aws_inputs(rendered, node_pools=bad))


# -- paths the example stacks do not take -------------------------------------------------------


def _run_cluster(cloud: str, name: str, region: str, inputs: dict[str, Any]) -> Recorder:
    from infra.pulumi.program import ClusterDocument, StackDocument, create_clusters
    from tests.pulumi.mocks import run_under_mocks

    document = StackDocument("t", "dev", "o", (ClusterDocument(name, cloud, region, inputs),))
    return run_under_mocks(lambda: create_clusters(document), "t", "dev")


def test_azure_without_a_system_pool_gets_the_module_default_pool(rendered: Path) -> None:
    cluster = next(c for c in _clusters(rendered, "llm-train") if c["cloud"] == "azure")
    inputs = {**cluster["inputs"], "system_pool": None}
    inputs["node_pools"] = {k: p for k, p in inputs["node_pools"].items() if p["gpu"]}
    recorder = _run_cluster("azure", cluster["name"], cluster["region"], inputs)
    aks = _one(recorder.resources, "azure-native:containerservice:ManagedCluster").inputs
    (default,) = aks["agentPoolProfiles"]
    assert (default["name"], default["vmSize"]) == ("system", "Standard_D4s_v5")
    assert (default["minCount"], default["count"], default["maxCount"]) == (2, 2, 3)
    assert default["nodeTaints"] == ["CriticalAddonsOnly=true:NoSchedule"]
    pools = {
        r.inputs["agentPoolName"]
        for r in recorder.of_type("azure-native:containerservice:AgentPool")
    }
    assert pools == set(inputs["node_pools"])


def test_alicloud_full_release_needs_no_version_lookup(rendered: Path) -> None:
    cluster = next(c for c in _clusters(rendered, "llm-train") if c["cloud"] == "alicloud")
    inputs = {**cluster["inputs"], "kubernetes_version": "1.35.4-aliyun.1"}
    recorder = _run_cluster("alicloud", cluster["name"], cluster["region"], inputs)
    ack = _one(recorder.resources, "alicloud:cs/managedKubernetes:ManagedKubernetes").inputs
    assert ack["version"] == "1.35.4-aliyun.1"
    # The node-health part still looks up the account id (its notification ARN).
    tokens = [token for token, _, _ in recorder.calls]
    assert "alicloud:cs/getKubernetesVersion:getKubernetesVersion" not in tokens


def test_aws_capacity_block_pool(rendered: Path) -> None:
    inputs = _aws_inputs(
        rendered,
        create_placement_groups=False,
        capacity_reservation_ids={"h100": "cr-0123456789abcdef0"},
        capacity_block_pools=["h100"],
    )
    recorder = _run_cluster("aws", "aws-use1", "us-east-1", inputs)
    assert not recorder.of_type("aws:ec2/placementGroup:PlacementGroup")
    group = next(
        r
        for r in recorder.of_type("aws:eks/nodeGroup:NodeGroup")
        if r.inputs["labels"]["infra/pool"] == "h100"
    )
    assert group.inputs["capacityType"] == "CAPACITY_BLOCK"
    template = recorder.by_id(group.inputs["launchTemplate"]["id"]).inputs
    assert template["instanceMarketOptions"] == {"marketType": "capacity-block"}
    target = template["capacityReservationSpecification"]["capacityReservationTarget"]
    assert target == {"capacityReservationId": "cr-0123456789abcdef0"}
    cards = [(i["networkCardIndex"], i["deviceIndex"]) for i in template["networkInterfaces"]]
    assert cards == [(0, 0), (0, 1)] + [(n, 0) for n in range(1, 32)]
