"""Terraform roots for a deploy plan: one per cluster, a stack-wide ``_global`` root and, with
DR failover, a ``_dr`` root and an add-ons root beside each target that runs checkpoint sync jobs
(:mod:`infra.terraform.addons`).

Roots are thin: versions, provider, backend, one module call and outputs. Everything else lives
in the modules (``modules/``), which are copied into the output so it is self-contained. What the
roots hold (module inputs, home regions, state locations, DR calls) comes from the deploy plan
(:mod:`infra.deploy`); this module only writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infra.clouds import CLOUDS, Cloud
from infra.deploy import DR_ROOT, GLOBAL_ROOT, DeployedCluster, DeployedStack, StateLocation
from infra.dr.data import data_paths
from infra.dr.terraform import DrModuleCall, RootVariable
from infra.inputs import stack_tags
from infra.roots import Root
from infra.state import home_regions
from infra.terraform.addons import addons_files
from infra.terraform.files import REQUIRED_TERRAFORM, header, module_files, relative_module
from infra.terraform.hcl import Block, Raw, Value, document

__all__ = ["DR_ROOT", "GLOBAL", "REQUIRED_TERRAFORM", "terraform_files"]

GLOBAL = GLOBAL_ROOT
_CLUSTER_OUTPUTS = (
    ("cluster_name", "Name of the managed Kubernetes cluster."),
    ("cluster_id", "Provider ID of the cluster."),
    ("cluster_endpoint", "API server endpoint (private unless endpoint_public_access)."),
    ("network_id", "VPC / VNet ID."),
    ("node_pool_names", "Node pool names by pool key."),
    ("checkpoint_bucket", "Checkpoint bucket / storage account name."),
)


def terraform_files(plan: DeployedStack) -> tuple[dict[str, str], tuple[Root, ...]]:
    """Every file of the stack's Terraform roots and the modules they call."""
    files: dict[str, str] = {}
    base = f"terraform/{plan.name}"
    global_path = f"{base}/{GLOBAL}"
    files.update(_global_root(plan, global_path))
    state = plan.global_state
    roots = [Root(global_path, plan.name, None, state.cloud, state.region, ())]
    for cluster in plan.clusters:
        path = f"{base}/{cluster.name}"
        files.update(_cluster_root(plan, cluster, path))
        roots.append(
            Root(path, plan.name, cluster.name, cluster.cloud.name, cluster.region, (global_path,))
        )

    used = {c.cloud.cluster_module for c in plan.clusters}
    used |= {CLOUDS[cloud].state_module for cloud, _ in plan.state_backends}
    if plan.dr_calls and plan.dr_state is not None:
        dr_path = f"{base}/{DR_ROOT}"
        files.update(_dr_root(plan, plan.dr_calls, plan.dr_state, dr_path))
        cluster_roots = tuple(r.path for r in roots)
        dr_state = plan.dr_state
        roots.append(Root(dr_path, plan.name, None, dr_state.cloud, dr_state.region, cluster_roots))
        used |= {call.module for call in plan.dr_calls}
    for module in sorted(used):
        files.update(module_files(module))
    # The checkpoint sync jobs' roots, one beside each target cluster's (infra/terraform/addons).
    addons, addons_roots = addons_files(plan)
    files.update(addons)
    return files, (*roots, *addons_roots)


def _versions(providers: Sequence[Cloud]) -> Block:
    required = tuple(
        (
            cloud.terraform_provider.name,
            {
                "source": cloud.terraform_provider.source,
                "version": cloud.terraform_provider.version,
            },
        )
        for cloud in sorted(providers, key=lambda c: c.terraform_provider.name)
    )
    return Block(
        "terraform",
        (),
        (("required_version", REQUIRED_TERRAFORM), Block("required_providers", (), required)),
    )


def _backend(state: StateLocation) -> Block:
    return Block("terraform", (), (state.backend,))


def _cluster_root(plan: DeployedStack, cluster: DeployedCluster, path: str) -> dict[str, str]:
    cloud = cluster.cloud
    values: dict[str, Value] = dict(cluster.inputs)
    for key, variable in cluster.variables.items():
        values[key] = Raw(f"var.{variable.name}")
    module = Block(
        "module",
        ("cluster",),
        (("source", relative_module(cloud.cluster_module)), *sorted(values.items())),
    )
    outputs = [
        Block("output", (name,), (("description", text), ("value", Raw(f"module.cluster.{name}"))))
        for name, text in _CLUSTER_OUTPUTS
    ]
    files = {
        f"{path}/versions.tf": header(plan, "Terraform and provider versions.")
        + document([_versions([cloud])]),
        f"{path}/providers.tf": header(plan, f"{cloud.title} provider for {cluster.region}.")
        + document([cloud.provider_block(cluster.region)]),
        f"{path}/backend.tf": header(plan, "Remote state with locking.")
        + document([_backend(cluster.state)]),
        f"{path}/main.tf": header(
            plan, f"Cluster {cluster.name!r} ({cloud.title} {cluster.region})."
        )
        + document([module]),
        f"{path}/outputs.tf": header(plan, "Outputs for people and other roots.")
        + document(outputs),
    }
    if cluster.variables:
        declared = sorted(cluster.variables.values(), key=lambda v: v.name)
        files[f"{path}/variables.tf"] = header(
            plan, "What only you know: where the GPU node-health alarms notify."
        ) + document([_variable_block(v) for v in declared])
    return files


def _global_root(plan: DeployedStack, path: str) -> dict[str, str]:
    """The ``_global`` root: a state backend in every region the stack keeps state in (stack
    order), with a provider per cloud and an alias per extra region of a regional provider.
    With a replica region, the state region's backend replicates the stack-wide roots' state
    into the replica region's backend."""
    stack = plan.stack
    backends = plan.state_backends
    homes = home_regions(backends)
    clouds = [CLOUDS[name] for name in dict.fromkeys(cloud for cloud, _ in backends)]
    labels = {(c, r): _state_label(c, r, homes[c] == r) for c, r in backends}
    providers, aliased = _regional_providers(clouds, homes, backends)
    state, replica = plan.global_state, plan.global_state.replica
    keys = [plan.global_state.key, *([plan.dr_state.key] if plan.dr_state else [])]
    modules: list[Block] = []
    outputs: list[Block] = []
    for cloud_name, region in backends:
        cloud = CLOUDS[cloud_name]
        home = homes[cloud_name] == region
        label = labels[(cloud_name, region)]
        inputs: dict[str, Value] = {"region": region, "tags": stack_tags(stack, None)}
        inputs.update(cloud.state_backend_inputs(stack.name, stack.owner, region, home=home))
        if replica is not None and (cloud_name, region) == (state.cloud, state.region):
            inputs.update(
                cloud.state_replication_inputs(
                    stack.name,
                    stack.owner,
                    replica.region,
                    keys,
                    replica_home=homes[replica.cloud] == replica.region,
                    replica_module=labels[(replica.cloud, replica.region)],
                )
            )
        body: list[tuple[str, Value] | Block] = [("source", relative_module(cloud.state_module))]
        body.extend(_provider_argument(cloud, region, aliased))
        body.extend(sorted(inputs.items()))
        modules.append(Block("module", (label,), tuple(body)))
        outputs.append(
            Block(
                "output",
                (label,),
                (
                    (
                        "description",
                        f"What {cloud.title} roots of this stack in {region} need for their "
                        "backend.",
                    ),
                    ("value", Raw(f"module.{label}")),
                ),
            )
        )
    override = Block("terraform", (), (Block("backend", ("local",), ()),))
    files = {
        f"{path}/versions.tf": header(plan, "Terraform and provider versions.")
        + document([_versions(clouds)]),
        f"{path}/providers.tf": header(
            plan, "Providers, one per cloud of the stack and region of its state backends."
        )
        + document(providers),
        f"{path}/backend.tf": header(
            plan,
            "Remote state with locking, in the state backend this root creates. Bootstrap it once\n"
            "# with `infra bootstrap -o DIR` (it applies this root with local state, then moves the\n"
            "# state into the backend it created). By hand: copy backend_override.tf.example to\n"
            "# backend_override.tf, terraform init && apply, delete backend_override.tf, then\n"
            "# terraform init -migrate-state.",
        )
        + document([_backend(plan.global_state)]),
        f"{path}/backend_override.tf.example": header(
            plan, "Local state for the one-time bootstrap of the state backend (see backend.tf)."
        )
        + document([override]),
        f"{path}/main.tf": header(
            plan, "Stack-wide pieces: a state backend in every region the stack keeps state in."
        )
        + document(modules),
        f"{path}/outputs.tf": header(plan, "Outputs for people and other roots.")
        + document(outputs),
    }
    files.update(_replica_example(plan, plan.global_state, path))
    return files


def _state_label(cloud: str, region: str, home: bool) -> str:
    """The module label of a state backend in ``_global``: a cloud's home backend keeps
    "state_backend_<cloud>" (a new label would make Terraform plan to destroy the state bucket);
    the others are "state_backend_<cloud>_<region>"."""
    return f"state_backend_{cloud}" if home else f"state_backend_{cloud}_{_alias(region)}"


def _regional_providers(
    clouds: Sequence[Cloud], homes: Mapping[str, str], regions: Sequence[tuple[str, str]]
) -> tuple[list[Block], set[tuple[str, str]]]:
    """Each cloud's provider in its home region, plus an aliased one per other region where
    the provider is bound to a region (AWS, Alibaba Cloud; Azure's is not); the aliased pairs."""
    providers: list[Block] = []
    aliased: set[tuple[str, str]] = set()
    for cloud in clouds:
        home_block = cloud.provider_block(homes[cloud.name])
        providers.append(home_block)
        for cloud_name, region in regions:
            if cloud_name != cloud.name or region == homes[cloud.name]:
                continue
            block = cloud.provider_block(region)
            if block != home_block and (cloud.name, region) not in aliased:
                providers.append(
                    Block(block.type, block.labels, (*block.body, ("alias", _alias(region))))
                )
                aliased.add((cloud.name, region))
    return providers, aliased


def _provider_argument(
    cloud: Cloud, region: str, aliased: set[tuple[str, str]]
) -> list[tuple[str, Value]]:
    """A module call's ``providers`` argument when its region has an aliased provider."""
    if (cloud.name, region) not in aliased:
        return []
    local = cloud.terraform_provider.name
    return [("providers", {local: Raw(f"{local}.{_alias(region)}")})]


def _replica_example(plan: DeployedStack, state: StateLocation, path: str) -> dict[str, str]:
    """``backend_replica.tf.example`` of a stack-wide root whose state has a replica: the
    backend block of the replica, and when and how to switch to it and back."""
    replica = state.replica
    if replica is None:
        return {}
    cloud = CLOUDS[replica.cloud]
    homes = home_regions(plan.state_backends)
    unlock = cloud.state_replica_switch_commands(
        plan.stack.name,
        plan.stack.owner,
        replica.region,
        home=homes[replica.cloud] == replica.region,
    )
    lines = [
        f"The backend of this root's replica in {cloud.title} {replica.region}: the state as",
        f"replication last copied it from {state.region} (docs/state.md).",
        "",
        f"When: {state.region} is down and this root must be applied or read (the failover",
        f"applies {DR_ROOT}). Never while {state.region} is up: two copies of one state would",
        "then both be written.",
        "",
        "1. Check that the replica is there:",
        f"     {replica.read_command}",
    ]
    step = 2
    if unlock:
        lines += [f"{step}. Make the replica writable (the replication keeps it read-only):"]
        lines += [f"     {command}" for command in unlock]
        step += 1
    lines += [
        f"{step}. Switch this root to it and apply:",
        "     cp backend_replica.tf.example backend_override.tf",
        "     terraform init -reconfigure",
        "     terraform plan -out failover.tfplan && terraform apply failover.tfplan",
        f"{step + 1}. Back, once {state.region} is up again and before anything else applies there:",
        "     terraform state pull > failover.tfstate",
        "     rm backend_override.tf",
        "     terraform init -reconfigure",
        "     terraform state push failover.tfstate  # refuses when the primary's state moved on",
        "     terraform plan  # expect no changes; then rm failover.tfstate",
    ]
    if unlock:
        lines.append(f"   and apply the {GLOBAL} root again: it restores the replication.")
    text = header(plan, "\n# ".join(lines).replace("# \n", "#\n"))
    return {f"{path}/backend_replica.tf.example": text + document([_backend(replica)])}


def _alias(region: str) -> str:
    return region.replace("-", "_")


def _dr_root(
    plan: DeployedStack, calls: Sequence[DrModuleCall], state: StateLocation, path: str
) -> dict[str, str]:
    """The ``_dr`` root: one call of modules/dr-<cloud> per cloud region with DR pieces."""
    clouds = [CLOUDS[name] for name in dict.fromkeys(call.cloud for call in calls)]
    providers: list[Block] = []
    aliased: set[tuple[str, str]] = set()
    for cloud in clouds:
        home_region = plan.home_regions[cloud.name]
        providers.append(cloud.provider_block(home_region))
        for region in dict.fromkeys(c.region for c in calls if c.cloud == cloud.name):
            block = cloud.provider_block(region)
            # Regional providers (AWS, Alibaba) need an alias per extra region; Azure does not.
            if region != home_region and block != cloud.provider_block(home_region):
                providers.append(
                    Block(block.type, block.labels, (*block.body, ("alias", _alias(region))))
                )
                aliased.add((cloud.name, region))
    modules: list[Block] = []
    variables: dict[str, RootVariable] = {}
    for call in calls:
        body: list[tuple[str, Value] | Block] = [("source", relative_module(call.module))]
        if (call.cloud, call.region) in aliased:
            local = CLOUDS[call.cloud].terraform_provider.name
            body.append(("providers", {local: Raw(f"{local}.{_alias(call.region)}")}))
        values: dict[str, Value] = dict(call.inputs)
        for name, variable in call.variables.items():
            values[name] = Raw(f"var.{variable.name}")
            variables[variable.name] = variable
        body.extend(sorted(values.items()))
        modules.append(Block("module", (call.label,), tuple(body)))
    declared = [_variable_block(variables[name]) for name in sorted(variables)]
    outputs = [
        Block(
            "output",
            (call.label,),
            (
                ("description", f"{call.module} in {call.region}."),
                ("value", Raw(f"module.{call.label}")),
            ),
        )
        for call in calls
    ]
    # State lives in the stack's state region (infra.state), with _global's.
    files = {
        f"{path}/versions.tf": header(plan, "Terraform and provider versions.")
        + document([_versions(clouds)]),
        f"{path}/providers.tf": header(plan, "Providers, one per cloud region with DR pieces.")
        + document(providers),
        f"{path}/backend.tf": header(plan, "Remote state with locking.")
        + document([_backend(state)]),
        f"{path}/variables.tf": header(
            plan, "What only you know: DNS zones, alarm targets, service endpoints."
        )
        + document(declared),
        f"{path}/main.tf": header(plan, _dr_main_text(plan)) + document(modules),
        f"{path}/outputs.tf": header(plan, "Outputs for people and other roots.")
        + document(outputs),
    }
    files.update(_replica_example(plan, state, path))
    return files


def _variable_block(variable: RootVariable) -> Block:
    body: list[tuple[str, Value]] = [
        ("description", variable.description),
        ("type", Raw(variable.type)),
    ]
    if not variable.required:
        body.append(("default", variable.default))
    return Block("variable", (variable.name,), tuple(body))


def _dr_main_text(plan: DeployedStack) -> str:
    """main.tf's header: what the alarms watch of each failover pair's data path, and where no
    cloud metric exists (the pair's runbook says what to watch instead)."""
    lines = ["Checkpoint replication, DNS failover and DR alarms (apply after the clusters).", ""]
    lines.append("Checkpoint lag of each failover pair, and what watches it:")
    for path in data_paths(plan.stack):
        if path.kind == "none":
            continue
        watch = f"alarm on {path.metric}" if path.metric else path.metric_note
        lines.append(f"  {path.source} -> {path.target}: {watch}")
    return "\n# ".join(lines).replace("# \n", "#\n")
