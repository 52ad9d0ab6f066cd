""" "A stack that validates, deploys": every input infra renders passes the modules' own rules.

Hypothesis builds stacks that ``infra validate`` accepts (names, networks, zones, pools, tags and
DR at the edges of what the validator allows, on all three clouds), renders their Terraform,
and then asks real Terraform whether the modules' ``validation`` blocks accept every module call.
Terraform checks variable validations without any provider: a copy of the render whose modules
keep only ``variables.tf`` and whose roots keep only their module calls (and variables) passes
``terraform init -backend=false`` and ``terraform validate`` offline, so Azure and Alibaba roots
are held to their modules' rules as much as AWS ones. The same inputs must build the Pulumi
components' ``Args`` (the components' copy of those rules).

``INFRA_CONTRACT_EXAMPLES=N`` runs N examples instead of the default few.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from infra.catalog import Catalog, default_catalog
from infra.clouds import CLOUDS
from infra.deploy import deploy_plan, deployed
from infra.model import Cluster, DisasterRecovery, NodePool, Stack
from infra.resolve import ResolvedStack
from infra.terraform.binary import terraform_env
from infra.terraform.emit import terraform_files
from infra.validate import validate_stacks

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("INFRA_CONTRACT_EXAMPLES", "4"))
CATALOG = default_catalog()

# The validator's own name rule (stack and cluster names), used to generate names at its edges.
NAME = r"[a-z]([a-z0-9-]{0,22}[a-z0-9])?"
# Names at the length edges: 1 and 24 characters, so "<stack>-<cluster>" reaches its limit of 40.
EDGE_NAMES = st.sampled_from(["a", "b", "ab", "abc", "x" * 15 + "-" + "9" * 8, "y" * 24])
NAMES = st.one_of(st.from_regex(NAME, fullmatch=True), EDGE_NAMES)
POOL_NAMES = st.one_of(
    st.from_regex(r"[a-z][a-z0-9]{0,11}", fullmatch=True),  # the strictest cloud (AKS)
    st.from_regex(r"[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?", fullmatch=True),  # digit-first too
    # At and just past the modules' lengths (12 on AKS, 22 elsewhere; the validator used to
    # allow 63), digit-first and trailing '-': the validator must refuse what the modules do.
    st.sampled_from(["a", "p" * 12, "q" * 13, "g" * 22, "h" * 23, "0a", "a-", "n" * 63]),
)
# Node counts at the edges of the modules' limits (max_nodes >= 1; AKS and ACK <= 1000).
NODES = st.one_of(st.integers(1, 5), st.sampled_from([0, 999, 1000, 1001, 5000]))


def _gpu_offers(catalog: Catalog, cloud: str, region: str) -> list[tuple[str, int]]:
    return sorted(
        {
            (o.gpu, o.whole_gpus)
            for o in catalog.find(cloud=cloud, region=region)
            if o.gpu and o.whole_gpus
        }
    )


def _cpu_types(catalog: Catalog, cloud: str, region: str) -> list[str]:
    return sorted({o.instance_type for o in catalog.find(cloud=cloud, region=region) if not o.gpu})


@st.composite
def pools(draw: st.DrawFn, cloud: str, region: str) -> list[NodePool]:
    chosen: list[NodePool] = []
    names = draw(st.lists(POOL_NAMES, min_size=1, max_size=3, unique=True))
    for name in names:
        gpus = _gpu_offers(CATALOG, cloud, region)
        if gpus and draw(st.booleans()):
            gpu, per_node = draw(st.sampled_from(gpus))
            count = per_node * draw(st.integers(1, 4))
            chosen.append(
                NodePool(
                    name=name,
                    gpu=gpu,
                    gpus=count,
                    max_gpus=count
                    + per_node * draw(st.one_of(st.integers(0, 2), st.sampled_from([996, 1000]))),
                    spot=draw(st.booleans()),
                    workload=draw(st.sampled_from(["training", "inference"])),
                    taints=draw(st.sampled_from([(), ("nvidia.com/gpu=present:NoSchedule",)])),
                )
            )
        else:
            chosen.append(
                NodePool(
                    name=name,
                    instance_type=draw(st.sampled_from(_cpu_types(CATALOG, cloud, region))),
                    nodes=draw(NODES),
                    labels=draw(
                        st.dictionaries(
                            st.from_regex(r"[a-z]([-a-z0-9_.]{0,20}[a-z0-9])?", fullmatch=True),
                            st.from_regex(r"[a-z0-9]{0,10}", fullmatch=True),
                            max_size=2,
                        )
                    ),
                )
            )
    return chosen


@st.composite
def stacks(draw: st.DrawFn) -> Stack:
    stack_name = draw(NAMES)
    count = draw(st.integers(1, 3))
    clouds = draw(st.lists(st.sampled_from(sorted(CLOUDS)), min_size=count, max_size=count))
    clusters = []
    cluster_names = draw(st.lists(NAMES, min_size=count, max_size=count, unique=True))
    cursor = int(ipaddress.IPv4Address("10.0.0.0"))
    for cloud, cluster_name in zip(clouds, cluster_names, strict=True):
        region = draw(st.sampled_from(CATALOG.regions(cloud)))
        low, high = CLOUDS[cloud].network_prefix_range
        # One beyond each end of the validator's range too: it must refuse those.
        prefix = draw(st.integers(max(8, low - 1), min(28, high + 1)))
        # Disjoint networks anywhere in the validator's range: the next aligned block of 10/8.
        size = 2 ** (32 - prefix)
        start = -(-cursor // size) * size
        cursor = start + size
        assume(cursor <= int(ipaddress.IPv4Address("11.0.0.0")))
        network = ipaddress.IPv4Network((start, prefix))
        zones = CATALOG.zones_of(cloud, region)
        cloud_info = CLOUDS[cloud]
        zone_count = draw(
            st.integers(
                cloud_info.min_zones,
                max(cloud_info.min_zones, min(len(zones), cloud_info.max_zones)),
            )
        )
        clusters.append(
            Cluster(
                name=cluster_name,
                cloud=cloud,
                region=region,
                cidr=str(network),
                zones=tuple(zones[:zone_count]) if zones and draw(st.booleans()) else None,
                pools=draw(pools(cloud, region)),
                kubernetes_version=draw(
                    st.sampled_from([None, *CATALOG.kubernetes_versions(cloud)])
                ),
                gpu_capacity=draw(
                    st.sampled_from(
                        [{}, {gpu: 64 for gpu, _ in _gpu_offers(CATALOG, cloud, region)}]
                    )
                ),
            )
        )
    dr = None
    if count > 1 and draw(st.booleans()):
        names = [c.name for c in clusters]
        dr = DisasterRecovery(
            rpo_minutes=draw(st.integers(1, 240)),
            rto_minutes=draw(st.integers(30, 600)),
            strategy=draw(st.sampled_from(["pilot-light", "warm-standby", "active-active"])),
            failover={names[0]: tuple(names[1:])},
        )
    return Stack(
        name=stack_name,
        owner=draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)),
        environment=draw(st.sampled_from(["prod", "dev", "staging"])),
        tags=draw(
            st.dictionaries(
                st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True),
                st.from_regex(r"[a-z0-9-]{0,15}", fullmatch=True),
                max_size=2,
            )
        ),
        clusters=tuple(clusters),
        dr=dr,
    )


def provider_free_copy(files: Mapping[str, str], out: Path) -> list[Path]:
    """The render with modules cut down to ``variables.tf`` and roots to their module calls
    and variables: Terraform then checks every module call against the modules' rules."""
    roots: set[Path] = set()
    for path, text in files.items():
        parts = path.split("/")
        if parts[0] == "modules" and parts[-1] == "variables.tf":
            pass
        elif parts[0] == "terraform" and parts[-1] in ("main.tf", "variables.tf"):
            roots.add(out / "/".join(parts[:-1]))
        else:
            continue
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return sorted(roots)


def terraform_validate(terraform: tuple[str, ...], root: Path) -> tuple[Path, str | None]:
    env = terraform_env()
    for args in (("init", "-backend=false", "-input=false", "-no-color"), ("validate", "-json")):
        result = subprocess.run(
            [*terraform, *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            if args[0] == "validate":
                diagnostics = json.loads(result.stdout).get("diagnostics", [])
                return root, "; ".join(
                    f"{d.get('summary')}: {d.get('detail')}" for d in diagnostics
                )
            return root, result.stdout + result.stderr
    return root, None


def resolved_or_reject(stack: Stack) -> ResolvedStack:
    resolved, problems = validate_stacks([("generated.py", stack)], CATALOG)
    assume(not problems)
    (only,) = resolved
    return only


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # No "explain" phase: tracing every line while it re-runs Terraform takes many minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(stack=stacks())
def test_every_rendered_input_passes_the_modules_rules(
    stack: Stack, terraform: tuple[str, ...], tmp_path_factory: pytest.TempPathFactory
) -> None:
    resolved = resolved_or_reject(stack)
    files, _ = terraform_files(deploy_plan(resolved, CATALOG))
    out = tmp_path_factory.mktemp("contract")
    roots = provider_free_copy(files, out)
    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [
            f"{root.relative_to(out)}: {error}"
            for root, error in pool.map(lambda r: terraform_validate(terraform, r), roots)
            if error
        ]
    assert not failures, f"validate accepted {stack!r}\nbut the modules refuse:\n" + "\n".join(
        failures
    )


@settings(
    max_examples=EXAMPLES * 4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # No "explain" phase: tracing every line while it re-runs Terraform takes many minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(stack=stacks())
def test_every_rendered_input_builds_the_pulumi_args(stack: Stack) -> None:
    pytest.importorskip("pulumi")
    from infra.inputs import cluster_module_inputs
    from infra.pulumi.program import cloud_components  # noqa: F401  (the components load)

    resolved = deployed(resolved_or_reject(stack), CATALOG)
    for cluster in resolved.clusters:
        inputs = json.loads(json.dumps(cluster_module_inputs(resolved, cluster)))
        args_class = _args_class(cluster.cloud)
        args_class.from_inputs(inputs)


def _args_class(cloud: str) -> type:
    import importlib

    from infra.clouds import CLOUDS

    module = importlib.import_module(CLOUDS[cloud].pulumi_components)
    (name,) = [n for n in dir(module) if n.endswith("GpuClusterArgs")]
    return getattr(module, name)  # type: ignore[no-any-return]
