"""A normalized inventory of what a stack deploys, from the Terraform roots or the Pulumi program.

Both sides reduce to the same shape (sorted lists of flat records per kind), so the parity test
compares them with ``==`` and shows a unified diff of the JSON when they differ:

- ``clusters``: cluster, cloud, region, Kubernetes minor version, private API endpoint;
- ``node_pools``: cluster, pool, instance type, GPU, min / desired / max nodes, RDMA, spot;
- ``buckets``: cluster, kind, name, versioned, encrypted, public access blocked;
- ``replication``: key (protected cluster), source and destination bucket / storage account,
  destination region; ``dns_records``: key, failover name, targets in failover order. The
  Terraform side reads them from the ``_dr`` root's calls of ``modules/dr-*``; the Pulumi side
  rebuilds them from what the DR components register, following the links a resolver would
  (Route 53 failover chains through health checks and aliases, Traffic Manager endpoint
  priorities, GTM default then failover pools), so a wrong order or a broken link shows;
- ``sync``: the checkpoint sync jobs of each target cluster: namespace, CronJob, source cluster,
  schedule, rclone's time budget, and the source and destination stores as rclone resolves them
  from the job's paths and remotes (a bucket, or "<account>/<container>", the names of
  ``buckets``). The Terraform side reads the add-ons roots' calls of ``modules/checkpoint-sync``,
  the Pulumi side the CronJobs and ConfigMaps registered on each target's kubernetes provider.
- ``admins``: one record per (cluster, admin principal) with what it is granted: EKS access
  policy and scope, AKS admin group and the Azure role for its kubeconfig, ACK role and scope
  ("user:<id>"/"role:<id>" as the stack writes them). The Terraform side reads the cluster
  modules' admin variables (access.tf), the Pulumi side the access resources registered.
- ``addons``: one record per (cluster, Helm release) of the add-ons roots: name, chart,
  repository, version, namespace, atomic and the values as Helm gets them (Terraform: the
  ``locals`` each ``values = [yamlencode(local.x)]`` names, merged in order; Pulumi: the
  ``helm.v3.Release`` values); ``kubernetes_objects``: the other Kubernetes objects those roots
  declare themselves (the ``gpu-monitoring`` namespace, the ``gpu-alert-rules`` ConfigMap...):
  kind, name, namespace, labels, data; ``managed_addons``: every other resource of those roots,
  by Terraform resource type and label (ACK's ``alicloud_cs_kubernetes_addon``...): the add-on
  name and its configuration parsed from JSON. The Pulumi side takes what is registered under
  ``infra:gpu:GpuSoftware`` components, a Pulumi type named as its Terraform type
  (``alicloud:cs/kubernetesAddon:KubernetesAddon`` is ``alicloud_cs_kubernetes_addon``), so
  a piece one side adds and the other lacks shows, whatever its type.

The Terraform side reads the rendered roots (python-hcl2) and applies each module's known
semantics (one ``aws_eks_node_group`` per ``node_pools`` entry, the AKS default pool, ACK's
fixed-size pools); the Pulumi side reads the resources registered under Pulumi's mocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import hcl2
import yaml

Record = dict[str, Any]
Inventory = dict[str, list[Record]]
KINDS = (
    "clusters",
    "node_pools",
    "buckets",
    "replication",
    "dns_records",
    "sync",
    "admins",
    "addons",
    "kubernetes_objects",
    "managed_addons",
)
# modules/checkpoint-sync's namespace default; infra/terraform/addons.py names the roots.
_SYNC_NAMESPACE = "infra-dr"
_ADDONS_SUFFIX = "_addons"

# azure-gpu-cluster: InfiniBand comes with the VM size ("r" feature letter), RDMA pools are
# pinned to one zone; the module-made system pool when system_pool is null.
_INFINIBAND_SIZE = re.compile(r"^Standard_[A-Z]+[0-9]+[a-z]*r[a-z]*(_|$)")
_AKS_DEFAULT_SYSTEM = {"pool": "system", "instance_type": "Standard_D4s_v5", "gpu": None}


def empty() -> Inventory:
    return {kind: [] for kind in KINDS}


def normalized(inventory: Inventory) -> Inventory:
    """Records sorted, so the order resources were declared in does not matter."""
    return {
        kind: sorted(records, key=lambda r: json.dumps(r, sort_keys=True))
        for kind, records in inventory.items()
    }


def as_text(inventory: Inventory) -> str:
    return json.dumps(normalized(inventory), indent=1, sort_keys=True)


def minor(version: str) -> str:
    """ "1.36" from "1.36" or "1.36.1-aliyun.1"."""
    return ".".join(version.split("-", maxsplit=1)[0].split(".")[:2])


# -- Terraform ------------------------------------------------------------------------------


def hcl_plain(value: Any) -> Any:
    """python-hcl2 8 keeps HCL quotes and adds markers; strip both."""
    if isinstance(value, str):
        return json.loads(value) if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [hcl_plain(v) for v in value]
    if isinstance(value, dict):
        return {hcl_plain(k): hcl_plain(v) for k, v in value.items() if not str(k).startswith("__")}
    return value


def module_calls(main_tf: Path) -> dict[str, dict[str, Any]]:
    """Module label -> its arguments, from a root's main.tf."""
    document = hcl_plain(hcl2.loads(main_tf.read_text(encoding="utf-8")))
    calls: dict[str, dict[str, Any]] = {}
    for block in document.get("module", []):
        calls.update(block)
    return calls


def root_variables(variables_tf: Path) -> dict[str, dict[str, Any]]:
    """Variable name -> its attributes, from a root's variables.tf."""
    document = hcl_plain(hcl2.loads(variables_tf.read_text(encoding="utf-8")))
    variables: dict[str, dict[str, Any]] = {}
    for block in document.get("variable", []):
        variables.update(block)
    return variables


def terraform_inventory(render_dir: Path, stack: str) -> Inventory:
    """The inventory of ``render_dir/terraform/<stack>/``, by the modules' semantics."""
    inventory = empty()
    for root in sorted((render_dir / "terraform" / stack).iterdir()):
        # An add-ons root with GPU software only has no main.tf (its releases are in gpu.tf).
        if not (root / "main.tf").is_file():
            continue
        for call in module_calls(root / "main.tf").values():
            module = Path(call["source"]).name
            if module.endswith("-gpu-cluster"):
                _CLUSTER_MODULES[module](root.name, call, inventory)
                _admin_variables(root.name, module, call, inventory)
            elif module.startswith("dr-"):
                _dr_module(call, inventory)
            elif module == "checkpoint-sync":
                _sync_module(root.name.removesuffix(_ADDONS_SUFFIX), call, inventory)
    for root in sorted((render_dir / "terraform" / stack).glob(f"*{_ADDONS_SUFFIX}")):
        _addons_root(root.name.removesuffix(_ADDONS_SUFFIX), root, inventory)
    return inventory


def _cluster_record(cluster: str, cloud: str, call: Mapping[str, Any]) -> Record:
    return {
        "cluster": cluster,
        "cloud": cloud,
        "region": call["region"],
        "kubernetes_version": minor(call["kubernetes_version"]),
        "private_endpoint": not call.get("endpoint_public_access", False),
    }


def _pool_record(cluster: str, key: str, pool: Mapping[str, Any], desired: int | None) -> Record:
    return {
        "cluster": cluster,
        "pool": key,
        "instance_type": pool["instance_type"],
        "gpu": pool.get("gpu"),
        "min_nodes": pool["min_nodes"],
        "desired_nodes": desired,
        "max_nodes": pool["max_nodes"],
        "rdma": bool(pool.get("rdma", False)),
        "spot": bool(pool.get("spot", False)),
    }


def _bucket_record(cluster: str, kind: str, name: str) -> Record:
    # Every cluster module makes its checkpoint store versioned, encrypted and private.
    return {
        "cluster": cluster,
        "kind": kind,
        "name": name,
        "versioned": True,
        "encrypted": True,
        "public_access_blocked": True,
    }


def _aws_module(cluster: str, call: Mapping[str, Any], inventory: Inventory) -> None:
    inventory["clusters"].append(_cluster_record(cluster, "aws", call))
    # One aws_eks_node_group per node_pools entry, scaling_config from the counts.
    for key, pool in call["node_pools"].items():
        inventory["node_pools"].append(_pool_record(cluster, key, pool, pool["desired_nodes"]))
    inventory["buckets"].append(_bucket_record(cluster, "s3", call["checkpoint_bucket_name"]))


def _azure_module(cluster: str, call: Mapping[str, Any], inventory: Inventory) -> None:
    inventory["clusters"].append(_cluster_record(cluster, "azure", call))
    # system_pool becomes the default pool, the others azurerm_kubernetes_cluster_node_pool;
    # without a system_pool the module adds its own 2..3-node default pool.
    for key, pool in call["node_pools"].items():
        inventory["node_pools"].append(_pool_record(cluster, key, pool, pool["desired_nodes"]))
    if call.get("system_pool") is None:
        default = {**_AKS_DEFAULT_SYSTEM, "min_nodes": 2, "max_nodes": 3}
        default["instance_type"] = call.get("default_system_vm_size", "Standard_D4s_v5")
        inventory["node_pools"].append(_pool_record(cluster, "system", default, 2))
    container = call.get("checkpoint_container_name", "checkpoints")
    name = f"{call['storage_account_name']}/{container}"
    inventory["buckets"].append(_bucket_record(cluster, "azure-blob", name))


def _alicloud_module(cluster: str, call: Mapping[str, Any], inventory: Inventory) -> None:
    inventory["clusters"].append(_cluster_record(cluster, "alicloud", call))
    # A fixed-size pool (min == max) sets desired_size; an autoscaled one has only its bounds.
    for key, pool in call["node_pools"].items():
        fixed = pool["min_nodes"] == pool["max_nodes"]
        desired = pool["desired_nodes"] if fixed else None
        inventory["node_pools"].append(_pool_record(cluster, key, pool, desired))
    inventory["buckets"].append(_bucket_record(cluster, "oss", call["checkpoint_bucket_name"]))


# access.tf of each cluster module: what one admin principal is granted.
EKS_ADMIN_GRANT = "AmazonEKSClusterAdminPolicy:cluster"
AKS_ADMIN_GRANTS = ("admin-group", "Azure Kubernetes Service Cluster User Role")
ACK_ADMIN_GRANT = "admin:cluster"
_AKS_CLUSTER_USER_ROLE = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"


def admin_record(cluster: str, principal: str, grants: Iterable[str]) -> Record:
    return {"cluster": cluster, "principal": principal, "grants": sorted(grants)}


def _admin_variables(
    cluster: str, module: str, call: Mapping[str, Any], inventory: Inventory
) -> None:
    """An access entry + admin policy per ARN; per group, admin group + cluster user role; an
    ACK admin permission per RAM user and role id."""
    records = inventory["admins"]
    if module == "aws-gpu-cluster":
        for arn in call.get("admin_principal_arns") or []:
            records.append(admin_record(cluster, arn, [EKS_ADMIN_GRANT]))
    elif module == "azure-gpu-cluster":
        for group in call.get("admin_group_object_ids") or []:
            records.append(admin_record(cluster, group, AKS_ADMIN_GRANTS))
    else:
        for kind in ("user", "role"):
            for uid in call.get(f"admin_ram_{kind}_ids") or []:
                records.append(admin_record(cluster, f"{kind}:{uid}", [ACK_ADMIN_GRANT]))


_CLUSTER_MODULES = {
    "aws-gpu-cluster": _aws_module,
    "azure-gpu-cluster": _azure_module,
    "alicloud-gpu-cluster": _alicloud_module,
}


def _dr_module(call: Mapping[str, Any], inventory: Inventory) -> None:
    for key, pair in (call.get("replication_pairs") or {}).items():
        fields = ("source_bucket", "destination_bucket", "destination_region")
        inventory["replication"].append({"key": key, **{f: pair.get(f) for f in fields}})
    for key, record in (call.get("dns_records") or {}).items():
        inventory["dns_records"].append(
            {"key": key, "name": record.get("name"), "targets": record.get("targets")}
        )


def rclone_store(path: str, env: Mapping[str, str]) -> str:
    """The store an rclone path names, as rclone resolves it from RCLONE_CONFIG_<REMOTE>_*
    (rclone.org/docs/#config-file): an S3 bucket, or an Azure "<account>/<container>"."""
    remote, _, rest = path.partition(":")
    prefix = f"RCLONE_CONFIG_{remote.upper()}_"
    top = rest.split("/", 1)[0]
    if env[f"{prefix}TYPE"] == "azureblob":
        return f"{env[f'{prefix}ACCOUNT']}/{top}"
    return top


def sync_record(
    target: str,
    namespace: str,
    job: str,
    source_cluster: str,
    schedule: str,
    args: list[str],
    env: Mapping[str, str],
) -> Record:
    """One ``sync`` record from what a CronJob runs: ``rclone copy SRC DST ... --max-duration``."""
    assert args[0] == "copy", args
    budget = [a.removeprefix("--max-duration=") for a in args if a.startswith("--max-duration=")]
    return {
        "target": target,
        "namespace": namespace,
        "job": job,
        "source": source_cluster,
        "schedule": schedule,
        "max_duration": budget[0] if budget else None,
        "source_store": rclone_store(args[1], env),
        "destination_store": rclone_store(args[2], env),
    }


def _sync_module(target: str, call: Mapping[str, Any], inventory: Inventory) -> None:
    # The module runs `rclone copy <source> <destination> --max-duration=<seconds>s ...`
    # (its local.args) with the job's remotes as the environment.
    namespace = call.get("namespace", _SYNC_NAMESPACE)
    for name, job in (call.get("jobs") or {}).items():
        args = ["copy", job["source"], job["destination"]]
        args.append(f"--max-duration={job['max_duration_seconds']}s")
        inventory["sync"].append(
            sync_record(
                target,
                namespace,
                name,
                job["source_cluster"],
                job["schedule"],
                args,
                job["remotes"],
            )
        )


_LOCAL_YAML = re.compile(r"^\$\{yamlencode\(local\.(\w+)\)\}$")
_JSONENCODE = re.compile(r"^\$\{jsonencode\((.*)\)\}$", re.DOTALL)
_REFERENCE = re.compile(r"^\$\{(\w+)\.(\w+)\.metadata\[0\]\.name\}$")


def plain_numbers(value: Any) -> Any:
    """Whole floats as ints: the Pulumi side's numbers arrive as protobuf floats."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [plain_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_numbers(v) for k, v in value.items()}
    return value


def _merged(documents: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Helm's merge of several values documents: later keys win, maps merge deeply."""
    merged: dict[str, Any] = {}
    for document in documents:
        for key, value in document.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
                merged[key] = _merged([merged[key], value])
            else:
                merged[key] = value
    return merged


def release_record(
    cluster: str, inputs: Mapping[str, Any], values: Mapping[str, Any], after: Iterable[str]
) -> Record:
    """One Helm release; ``after``: the names of the releases it installs after."""
    return {
        "cluster": cluster,
        "name": inputs["name"],
        "chart": inputs["chart"],
        "repository": inputs["repository"],
        "version": inputs["version"],
        "namespace": inputs.get("namespace", "default"),
        "atomic": bool(inputs.get("atomic", False)),
        "values": plain_numbers(dict(values)),
        "depends_on": sorted(after),
    }


def object_record(cluster: str, kind: str, metadata: Mapping[str, Any], data: Any) -> Record:
    return {
        "cluster": cluster,
        "kind": kind,
        "name": metadata["name"],
        "namespace": metadata.get("namespace"),
        "labels": dict(metadata.get("labels") or {}),
        "data": dict(data or {}),
    }


def managed_addon_record(
    cluster: str, resource_type: str, label: str, name: str, config: Any
) -> Record:
    return {
        "cluster": cluster,
        "resource_type": resource_type,
        "label": label,
        "name": name,
        "config": plain_numbers(config),
    }


def _tf_config(value: Any, local: Mapping[str, Any]) -> Any:
    """An add-on's ``config``: ``jsonencode(<object or local.x>)``, a JSON string, or absent."""
    if value in (None, ""):
        return {}
    if isinstance(value, str) and (match := _JSONENCODE.match(value)):
        inner = match.group(1).strip()
        if inner.startswith("local.") and inner.removeprefix("local.").isidentifier():
            return local[inner.removeprefix("local.")]
        return hcl_plain(hcl2.loads(f"config = {inner}\n"))["config"]
    return json.loads(value) if isinstance(value, str) else value


def _tf_depends_on(body: Mapping[str, Any], resources: Mapping[tuple[str, str], Any]) -> list[str]:
    """The release names a ``depends_on = [helm_release.x, ...]`` lists (other kinds left out)."""
    names = []
    for item in body.get("depends_on") or []:
        reference = str(item).removeprefix("${").removesuffix("}")
        rtype, _, label = reference.partition(".")
        if rtype == "helm_release":
            names.append(str(resources[(rtype, label)]["name"]))
    return names


def _addons_root(cluster: str, root: Path, inventory: Inventory) -> None:
    """The resources an add-ons root declares itself (its sync jobs are a module call)."""
    local: dict[str, Any] = {}
    resources: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(root.glob("*.tf")):
        document = hcl_plain(hcl2.loads(path.read_text(encoding="utf-8")))
        for block in document.get("locals", []):
            local.update(block)
        for block in document.get("resource", []):
            for rtype, named in block.items():
                for label, body in named.items():
                    resources[(rtype, label)] = body

    def resolved(value: Any) -> Any:
        """A ``<type>.<label>.metadata[0].name`` reference as the name it names."""
        match = _REFERENCE.match(value) if isinstance(value, str) else None
        if match is None:
            return value
        (metadata,) = resources[(match.group(1), match.group(2))]["metadata"]
        return metadata["name"]

    for (rtype, label), body in sorted(resources.items()):
        if rtype == "helm_release":
            documents = []
            for item in body.get("values") or []:
                match = _LOCAL_YAML.match(item)
                documents.append(local[match.group(1)] if match else yaml.safe_load(item))
            inputs = {**body, "namespace": resolved(body.get("namespace", "default"))}
            after = _tf_depends_on(body, resources)
            inventory["addons"].append(release_record(cluster, inputs, _merged(documents), after))
        elif rtype.startswith("kubernetes_"):
            (metadata,) = body["metadata"]
            words = rtype.removeprefix("kubernetes_").split("_")
            if re.fullmatch(r"v\d+(beta\d+|alpha\d+)?", words[-1]):
                words = words[:-1]  # kubernetes_config_map_v1: a ConfigMap of API version v1
            kind = "".join(w.title() for w in words)
            metadata = {**metadata, "namespace": resolved(metadata.get("namespace"))}
            inventory["kubernetes_objects"].append(
                object_record(cluster, kind, metadata, body.get("data"))
            )
        else:
            config = _tf_config(body.get("config"), local)
            inventory["managed_addons"].append(
                managed_addon_record(cluster, rtype, label, body["name"], config)
            )


# -- Pulumi ---------------------------------------------------------------------------------


def pulumi_inventory(
    recorder: Any,
    clusters: Iterable[Mapping[str, Any]],
    dr_calls: Iterable[Mapping[str, Any]] = (),
) -> Inventory:
    """The inventory of a program run under mocks (``tests.pulumi.mocks.Recorder``).

    ``clusters`` and ``dr_calls`` are the entries of the project's stack.json; a resource belongs
    to the cluster or DR call whose explicit provider it uses (the program names them
    ``<cluster>-<cloud>`` and ``<label with dashes>-provider``).
    """
    by_provider = {f"{c['name']}-{c['cloud']}": c["name"] for c in clusters}

    def cluster_of(resource: Any) -> str:
        return by_provider[recorder.provider_of(resource).name]

    inventory = empty()
    for resource in recorder.resources:
        extract = _PULUMI_RESOURCES.get(resource.type)
        if extract is not None:
            extract(recorder, resource, cluster_of(resource), inventory)
    dr_names = {
        f"{c['label'].replace('_', '-')}-provider": str(c["inputs"]["name"]) for c in dr_calls
    }
    for resource in recorder.resources:
        extract_dr = _PULUMI_DR_RESOURCES.get(resource.type)
        if extract_dr is not None:
            dr_name = dr_names[recorder.provider_of(resource).name]
            extract_dr(recorder, resource, dr_name, inventory)
    _pulumi_admins(recorder, cluster_of, inventory)
    # The program names each target's kubernetes provider "<cluster>-kubernetes".
    targets = {f"{c['name']}-kubernetes": c["name"] for c in clusters}
    for resource in recorder.of_type("kubernetes:batch/v1:CronJob"):
        _cron_job(recorder, resource, targets[recorder.provider_of(resource).name], inventory)
    _pulumi_gpu_software(recorder, [str(c["name"]) for c in clusters], inventory)
    return inventory


# The Pulumi program's GPU software component (infra/clouds/gpu_software.py TYPE).
_GPU_SOFTWARE = "infra:gpu:GpuSoftware"


def _types_under(recorder: Any, component: str) -> set[tuple[str, str]]:
    """(type, name) of every resource registered under a ``component`` (read from the URNs:
    ``urn:pulumi:<stack>::<project>::<parent type>$...$<type>::<name>``)."""
    found: set[tuple[str, str]] = set()
    for urn in recorder.urns:
        _, _, chain, name = str(urn).split("::", 3)
        *parents, type_ = chain.split("$")
        if component in parents:
            found.add((type_, name))
    return found


def _pulumi_label(name: str, cluster: str) -> str:
    """The Terraform label of a resource the component names ``<component>-<label>``
    (infra/pulumi/program.py names the component ``<cluster>-gpu-software``)."""
    for prefix in (f"{cluster}-gpu-software-", f"{cluster}-"):
        if name.startswith(prefix):
            return name.removeprefix(prefix).replace("-", "_")
    return name


def _type_and_name(urn: str) -> tuple[str, str]:
    _, _, chain, name = urn.split("::", 3)
    return chain.rsplit("$", 1)[-1], name


def terraform_type(pulumi_type: str) -> str:
    """``alicloud:cs/kubernetesAddon:KubernetesAddon`` -> ``alicloud_cs_kubernetes_addon``: how
    the bridged providers name a Terraform resource; other tokens are kept as they are."""
    package, module, name = pulumi_type.split(":")
    if package in {"aws", "alicloud", "azure"} and "/" in module:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        return f"{package}_{module.split('/', 1)[0]}_{snake}"
    return pulumi_type


def _pulumi_gpu_software(recorder: Any, clusters: list[str], inventory: Inventory) -> None:
    under = _types_under(recorder, _GPU_SOFTWARE)
    by_urn = {_type_and_name(str(urn)): str(urn) for urn in recorder.urns}
    releases = {
        by_urn[("kubernetes:helm.sh/v3:Release", r.name)]: str(r.inputs["name"])
        for r in recorder.of_type("kubernetes:helm.sh/v3:Release")
    }
    # Longest first: a cluster name that prefixes another must not claim its resources.
    prefixes = sorted(clusters, key=len, reverse=True)

    def cluster_of(resource: Any) -> str:
        provider = recorder.provider_of(resource).name if resource.provider else ""
        for cluster in prefixes:
            if provider.startswith(f"{cluster}-") or resource.name.startswith(f"{cluster}-"):
                return cluster
        raise AssertionError(f"{resource.type} {resource.name}: no cluster of {clusters}")

    for r in recorder.resources:
        if not r.custom or (r.type, r.name) not in under:
            continue
        cluster = cluster_of(r)
        if r.type == "kubernetes:helm.sh/v3:Release":
            inputs = {**r.inputs, "repository": r.inputs["repositoryOpts"]["repo"]}
            values = r.inputs.get("values") or {}
            waits = recorder.dependencies.get(by_urn[(r.type, r.name)], [])
            after = [releases[u] for u in waits if u in releases]
            inventory["addons"].append(release_record(cluster, inputs, values, after))
        elif r.type.startswith("kubernetes:"):
            kind = r.type.rsplit(":", 1)[1]
            inventory["kubernetes_objects"].append(
                object_record(cluster, kind, r.inputs["metadata"], r.inputs.get("data"))
            )
        else:
            config = r.inputs.get("config")
            inventory["managed_addons"].append(
                managed_addon_record(
                    cluster,
                    terraform_type(r.type),
                    _pulumi_label(r.name, cluster),
                    r.inputs["name"],
                    json.loads(config) if config else {},
                )
            )


def _pulumi_admins(recorder: Any, cluster_of: Any, inventory: Inventory) -> None:
    """The ``admins`` records from the access resources: a grant counts only when it reaches
    its cluster (the EKS association's STANDARD entry, the role's scope, the ACK cluster id)."""
    grants: dict[tuple[str, str], list[str]] = {}

    def grant(resource: Any, principal: str, name: str) -> None:
        grants.setdefault((cluster_of(resource), principal), []).append(name)

    entries = {
        (x.provider, x.inputs["principalArn"])
        for x in recorder.of_type("aws:eks/accessEntry:AccessEntry")
        if x.inputs.get("type") == "STANDARD"
    }
    for x in recorder.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation"):
        if (x.provider, x.inputs["principalArn"]) in entries:
            policy = x.inputs["policyArn"].rsplit("/", 1)[1]
            grant(x, x.inputs["principalArn"], f"{policy}:{x.inputs['accessScope']['type']}")
    aks = recorder.of_type("azure-native:containerservice:ManagedCluster")
    for x in aks:
        for group in (x.inputs.get("aadProfile") or {}).get("adminGroupObjectIDs") or []:
            grant(x, group, AKS_ADMIN_GRANTS[0])
    cluster_ids = {x.id for x in aks}
    for x in recorder.of_type("azure-native:authorization:RoleAssignment"):
        if x.inputs["roleDefinitionId"].endswith(f"/{_AKS_CLUSTER_USER_ROLE}") and (
            x.inputs["scope"] in cluster_ids
        ):
            grant(x, x.inputs["principalId"], AKS_ADMIN_GRANTS[1])
    for x in recorder.of_type("alicloud:cs/kubernetesPermission:KubernetesPermission"):
        for p in x.inputs.get("permissions") or []:
            if recorder.by_id(p["cluster"]).type.endswith(":ManagedKubernetes"):
                kind = "role" if p.get("isRamRole") else "user"
                grant(x, f"{kind}:{x.inputs['uid']}", f"{p['roleName']}:{p['roleType']}")
    for (cluster, principal), names in grants.items():
        inventory["admins"].append(admin_record(cluster, principal, names))


def _cron_job(recorder: Any, r: Any, target: str, inventory: Inventory) -> None:
    metadata = r.inputs["metadata"]
    (container,) = r.inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" not in source:
            continue  # the credentials Secret: created by users, not by the program
        (config_map,) = [
            x
            for x in recorder.of_type("kubernetes:core/v1:ConfigMap")
            if x.provider == r.provider
            and x.inputs["metadata"]["name"] == source["configMapRef"]["name"]
            and x.inputs["metadata"]["namespace"] == metadata["namespace"]
        ]
        env.update(config_map.inputs["data"])
    inventory["sync"].append(
        sync_record(
            target,
            metadata["namespace"],
            metadata["name"],
            metadata["labels"]["infra/source"],
            r.inputs["spec"]["schedule"],
            list(container["args"]),
            env,
        )
    )


def _count(value: Any) -> int | None:
    """Node counts arrive as protobuf numbers (floats); the roots hold integers."""
    return None if value is None else int(value)


def _region(recorder: Any, resource: Any) -> str:
    provider = recorder.provider_of(resource)
    return str(provider.inputs.get("region") or provider.inputs.get("location"))


def _eks_cluster(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    inventory["clusters"].append(
        {
            "cluster": cluster,
            "cloud": "aws",
            "region": _region(recorder, r),
            "kubernetes_version": minor(r.inputs["version"]),
            "private_endpoint": r.inputs["vpcConfig"]["endpointPrivateAccess"]
            and not r.inputs["vpcConfig"]["endpointPublicAccess"],
        }
    )


def _eks_node_group(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    template = recorder.by_id(r.inputs["launchTemplate"]["id"])
    interfaces = template.inputs.get("networkInterfaces") or []
    scaling = r.inputs["scalingConfig"]
    inventory["node_pools"].append(
        {
            "cluster": cluster,
            "pool": r.inputs["labels"]["infra/pool"],
            "instance_type": r.inputs["instanceTypes"][0],
            "gpu": r.inputs["labels"].get("infra/gpu"),
            "min_nodes": _count(scaling["minSize"]),
            "desired_nodes": _count(scaling["desiredSize"]),
            "max_nodes": _count(scaling["maxSize"]),
            "rdma": any(i.get("interfaceType") in ("efa", "efa-only") for i in interfaces),
            "spot": r.inputs["capacityType"] == "SPOT",
        }
    )


def _s3_bucket(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    name = r.inputs["bucket"]
    log_targets = {
        x.inputs["targetBucket"] for x in recorder.of_type("aws:s3/bucketLogging:BucketLogging")
    }
    if name in log_targets:
        return  # an access-log bucket: the inventory lists where checkpoints are stored

    def on_bucket(type_: str) -> list[Any]:
        return [x for x in recorder.of_type(type_) if x.inputs.get("bucket") == name]

    versioning = on_bucket("aws:s3/bucketVersioning:BucketVersioning")
    encryption = on_bucket(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    block = on_bucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    inventory["buckets"].append(
        {
            "cluster": cluster,
            "kind": "s3",
            "name": name,
            "versioned": any(
                v.inputs["versioningConfiguration"]["status"] == "Enabled" for v in versioning
            ),
            "encrypted": any(
                rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
                for e in encryption
                for rule in e.inputs["rules"]
            ),
            "public_access_blocked": any(all(b.inputs.get(f) for f in flags) for b in block),
        }
    )


def _aks_cluster(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    inventory["clusters"].append(
        {
            "cluster": cluster,
            "cloud": "azure",
            "region": _region(recorder, r),
            "kubernetes_version": minor(r.inputs["kubernetesVersion"]),
            "private_endpoint": bool(r.inputs["apiServerAccessProfile"]["enablePrivateCluster"]),
        }
    )
    for profile in r.inputs["agentPoolProfiles"]:
        inventory["node_pools"].append(_aks_pool(cluster, profile["name"], profile))


def _aks_agent_pool(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    inventory["node_pools"].append(_aks_pool(cluster, r.inputs["agentPoolName"], r.inputs))


def _aks_pool(cluster: str, name: str, pool: Mapping[str, Any]) -> Record:
    zones = pool.get("availabilityZones") or []
    return {
        "cluster": cluster,
        "pool": name,
        "instance_type": pool["vmSize"],
        "gpu": (pool.get("nodeLabels") or {}).get("infra/gpu"),
        "min_nodes": _count(pool["minCount"]),
        "desired_nodes": _count(pool["count"]),
        "max_nodes": _count(pool["maxCount"]),
        # AKS has no RDMA switch: InfiniBand comes with the size, and the module pins RDMA
        # pools to one zone.
        "rdma": bool(_INFINIBAND_SIZE.match(pool["vmSize"])) and len(zones) == 1,
        "spot": pool.get("scaleSetPriority") == "Spot",
    }


def _azure_container(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    account_name = r.inputs["accountName"]
    account = next(
        a
        for a in recorder.of_type("azure-native:storage:StorageAccount")
        if a.inputs["accountName"] == account_name
    )
    blob_services = [
        b
        for b in recorder.of_type("azure-native:storage:BlobServiceProperties")
        if b.inputs["accountName"] == account_name
    ]
    encryption = account.inputs.get("encryption") or {}
    inventory["buckets"].append(
        {
            "cluster": cluster,
            "kind": "azure-blob",
            "name": f"{account_name}/{r.inputs['containerName']}",
            "versioned": any(b.inputs.get("isVersioningEnabled") for b in blob_services),
            "encrypted": bool(encryption.get("services", {}).get("blob", {}).get("enabled")),
            "public_access_blocked": account.inputs.get("allowBlobPublicAccess") is False
            and account.inputs.get("publicNetworkAccess") == "Disabled"
            and r.inputs.get("publicAccess") == "None",
        }
    )


def _ack_cluster(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    inventory["clusters"].append(
        {
            "cluster": cluster,
            "cloud": "alicloud",
            "region": _region(recorder, r),
            "kubernetes_version": minor(r.inputs["version"]),
            "private_endpoint": not r.inputs["slbInternetEnabled"],
        }
    )


def _ack_node_pool(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    labels = {label["key"]: label["value"] for label in r.inputs.get("labels") or []}
    scaling = r.inputs.get("scalingConfig")
    desired = r.inputs.get("desiredSize")
    inventory["node_pools"].append(
        {
            "cluster": cluster,
            "pool": labels["infra/pool"],
            "instance_type": r.inputs["instanceTypes"][0],
            "gpu": labels.get("infra/gpu"),
            "min_nodes": _count(scaling["minSize"] if scaling else desired),
            "desired_nodes": _count(desired),
            "max_nodes": _count(scaling["maxSize"] if scaling else desired),
            "rdma": labels.get("infra/rdma") == "erdma",
            "spot": r.inputs.get("spotStrategy", "NoSpot") != "NoSpot",
        }
    )


def _oss_bucket(recorder: Any, r: Any, cluster: str, inventory: Inventory) -> None:
    name = r.inputs["bucket"]
    log_targets = {
        (b.inputs.get("logging") or {}).get("targetBucket")
        for b in recorder.of_type("alicloud:oss/bucket:Bucket")
    }
    if name in log_targets:
        return  # an access-log bucket: the inventory lists where checkpoints are stored
    blocks = [
        b
        for b in recorder.of_type("alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock")
        if b.inputs["bucket"] == name
    ]
    acls = [
        a
        for a in recorder.of_type("alicloud:oss/bucketAcl:BucketAcl")
        if a.inputs["bucket"] == name
    ]
    inventory["buckets"].append(
        {
            "cluster": cluster,
            "kind": "oss",
            "name": name,
            "versioned": (r.inputs.get("versioning") or {}).get("status") == "Enabled",
            "encrypted": (r.inputs.get("serverSideEncryptionRule") or {}).get("sseAlgorithm")
            == "KMS",
            "public_access_blocked": any(b.inputs.get("blockPublicAccess") for b in blocks)
            and all(a.inputs.get("acl") == "private" for a in acls)
            and bool(acls),
        }
    )


_PULUMI_RESOURCES = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _eks_node_group,
    "aws:s3/bucket:Bucket": _s3_bucket,
    "azure-native:containerservice:ManagedCluster": _aks_cluster,
    "azure-native:containerservice:AgentPool": _aks_agent_pool,
    "azure-native:storage:BlobContainer": _azure_container,
    "alicloud:cs/managedKubernetes:ManagedKubernetes": _ack_cluster,
    "alicloud:cs/nodePool:NodePool": _ack_node_pool,
    "alicloud:oss/bucket:Bucket": _oss_bucket,
}


# -- Pulumi: the DR components --------------------------------------------------------------


def _replication(key: str, source: str, destination: str, region: str | None) -> Record:
    return {
        "key": key,
        "source_bucket": source,
        "destination_bucket": destination,
        "destination_region": region,
    }


def _s3_replication(recorder: Any, r: Any, dr_name: str, inventory: Inventory) -> None:
    (rule,) = r.inputs["rules"]
    destination = rule["destination"]
    # The replica key is in the destination bucket's region: arn:aws:kms:<region>:...
    region = destination["encryptionConfiguration"]["replicaKmsKeyId"].split(":")[3]
    inventory["replication"].append(
        _replication(
            rule["id"].removeprefix("checkpoints-"),
            r.inputs["bucket"],
            destination["bucket"].rsplit(":::", 1)[1],
            region,
        )
    )


def _route53_primary(recorder: Any, r: Any, dr_name: str, inventory: Inventory) -> None:
    """From a chain's first record, follow SECONDARY records and aliases to its last target."""
    identifier = r.inputs["setIdentifier"]
    if not identifier.endswith("-0-primary"):
        return
    records = [
        x
        for x in recorder.of_type("aws:route53/record:Record")
        if x.provider == r.provider and x.inputs["zoneId"] == r.inputs["zoneId"]
    ]

    def target(record: Any) -> str:
        check = recorder.by_id(record.inputs["healthCheckId"])
        return str(check.inputs["tags"]["Name"]).removeprefix(f"{dr_name}-")

    def policy(record: Any) -> str:
        return str(record.inputs["failoverRoutingPolicies"][0]["type"])

    targets, tier = [], r
    while True:
        targets.append(target(tier))
        (secondary,) = [
            x
            for x in records
            if x.inputs["name"] == tier.inputs["name"] and policy(x) == "SECONDARY"
        ]
        if secondary.inputs.get("records"):
            targets.append(target(secondary))
            break
        (alias,) = secondary.inputs["aliases"]
        (tier,) = [
            x for x in records if policy(x) == "PRIMARY" and route53_fqdn(x.inputs) == alias["name"]
        ]
    inventory["dns_records"].append(
        {"key": identifier.removesuffix("-0-primary"), "name": r.inputs["name"], "targets": targets}
    )


def route53_fqdn(inputs: Mapping[str, Any]) -> str:
    """The ``fqdn`` the mocks give a Route 53 record (see ``tests.pulumi.mocks._computed``)."""
    return f"{inputs['name']}.zone-{inputs['zoneId']}.example"


def _azure_replication(recorder: Any, r: Any, dr_name: str, inventory: Inventory) -> None:
    if r.inputs["objectReplicationPolicyId"] == "default":
        return  # the destination account's half of the policy
    inventory["replication"].append(
        _replication(
            r.name.removeprefix(f"{dr_name}-"),
            r.inputs["accountName"],
            r.inputs["destinationAccount"].rsplit("/", 1)[1],
            None,  # modules/dr-azure takes no destination region
        )
    )


def _traffic_manager(recorder: Any, r: Any, dr_name: str, inventory: Inventory) -> None:
    profile = r.inputs["profileName"]
    endpoints = sorted(
        (
            x
            for x in recorder.of_type("azure-native:trafficmanager:Endpoint")
            if x.inputs["profileName"] == profile
        ),
        key=lambda x: x.inputs["priority"],
    )
    (cname,) = [
        x
        for x in recorder.of_type("azure-native:dns:RecordSet")
        if x.inputs["targetResource"]["id"] == r.id
    ]
    inventory["dns_records"].append(
        {
            "key": profile.removeprefix(f"{dr_name}-"),
            "name": cname.inputs["relativeRecordSetName"],
            "targets": [x.inputs["endpointName"] for x in endpoints],
        }
    )


def _oss_replication(recorder: Any, r: Any, dr_name: str, inventory: Inventory) -> None:
    role = r.inputs["syncRole"]
    inventory["replication"].append(
        _replication(
            role.removeprefix(f"{dr_name}-").removesuffix("-repl"),
            r.inputs["bucket"],
            r.inputs["destination"]["bucket"],
            r.inputs["destination"]["location"].removeprefix("oss-"),
        )
    )


def _gtm_strategy(recorder: Any, r: Any, dr_name: str, inventory: Inventory) -> None:
    key = r.inputs["strategyName"].removesuffix("-failover")
    pools = [p["addrPoolId"] for p in r.inputs["defaultAddrPools"]]
    pools += [p["addrPoolId"] for p in r.inputs.get("failoverAddrPools") or []]
    targets = [
        recorder.by_id(pool).inputs["addressPoolName"].removeprefix(f"{key}-") for pool in pools
    ]
    instance = recorder.by_id(r.inputs["instanceId"])
    access_name = f"{instance.inputs['publicRr']}.{instance.inputs['publicZoneName']}"
    (service,) = [
        x
        for x in recorder.of_type("alicloud:dns/alidnsRecord:AlidnsRecord")
        if x.inputs["value"] == access_name
    ]
    inventory["dns_records"].append({"key": key, "name": service.inputs["rr"], "targets": targets})


_PULUMI_DR_RESOURCES = {
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _s3_replication,
    "aws:route53/record:Record": _route53_primary,
    "azure-native:storage:ObjectReplicationPolicy": _azure_replication,
    "azure-native:trafficmanager:Profile": _traffic_manager,
    "alicloud:oss/bucketReplication:BucketReplication": _oss_replication,
    "alicloud:dns/accessStrategy:AccessStrategy": _gtm_strategy,
}
