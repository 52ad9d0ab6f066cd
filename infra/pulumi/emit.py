"""The Pulumi project of a deploy plan: ``pulumi/<stack>/`` as ``{relative path: text}``.

Pure (no Pulumi import, no disk writes): ``infra/render.py`` writes the files. The program is
thin; what it builds is in ``stack.json``: from the deploy plan (:mod:`infra.deploy`), each
cluster's module inputs, the very inputs the Terraform roots pass to the modules, and the calls
of the ``_dr`` root; the root variables of the cluster roots and of ``_dr``, which the program
reads from Pulumi config (non-secret defaults are written into ``Pulumi.<environment>.yaml``).

``requirements.txt`` pins infra as it is installed where the render runs (see
:func:`infra_requirement`), never by bare name: an index could resolve ``infra`` to another
project's package.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2

from infra import __version__
from infra.assets import templates_dir
from infra.deploy import DeployedStack
from infra.dr.terraform import RootVariable
from infra.errors import InfraError
from infra.pulumi.dr import config_document, dr_document
from infra.pulumi.sync import PULUMI_KUBERNETES_REQUIREMENT, addons_document, sync_document

__all__ = [
    "PULUMI_REQUIREMENT",
    "REQUIREMENT_ENV",
    "InfraRequirement",
    "infra_requirement",
    "pulumi_files",
    "requirement_from_direct_url",
    "stack_document",
]

# The versions the components are written and tested against (under Pulumi's mocks); the same
# ranges belong in pyproject's ``pulumi`` extra.
PULUMI_REQUIREMENT = "pulumi>=3.272,<4"
SCHEMA_VERSION = 3  # of stack.json; infra.pulumi.program refuses any other
# Set at render time, its value is requirements.txt's infra line, as written (pip expands
# ${VARIABLE}s in it when it installs, so a token can stay out of the file).
REQUIREMENT_ENV = "INFRA_PULUMI_REQUIREMENT"
_DISTRIBUTION = "infra"
_PACKAGE = Path(__file__).resolve().parent.parent  # the imported infra package


@dataclass(frozen=True, slots=True)
class InfraRequirement:
    """requirements.txt's line for infra, and where it comes from (a comment above it)."""

    line: str
    origin: str

    def __post_init__(self) -> None:
        for text in (self.line, self.origin):
            if not text.strip() or "\n" in text or "\r" in text or "\0" in text:
                raise InfraError(f"infra's requirement is not one line of text: {text!r}")
        if self.line.lstrip().startswith("#"):
            raise InfraError(f"infra's requirement is a comment: {self.line!r}")


def infra_requirement(environ: Mapping[str, str] | None = None) -> InfraRequirement:
    """How the rendered project installs the infra that rendered it.

    ``$INFRA_PULUMI_REQUIREMENT`` when set; otherwise what this installation's PEP 610
    ``direct_url.json`` records (:func:`requirement_from_direct_url`); an installation without
    one came from a package index and is pinned to its exact version. infra imported from a
    source tree that is not the installed distribution is pinned to that tree, editable.
    """
    env = os.environ if environ is None else environ
    override = env.get(REQUIREMENT_ENV, "")
    if override.strip():
        try:
            return InfraRequirement(override.strip(), f"infra as ${REQUIREMENT_ENV} names it")
        except InfraError as exc:
            raise InfraError(f"${REQUIREMENT_ENV}: {exc}") from None
    distribution = _installed_distribution()
    if distribution is None:
        return _source_tree_requirement()
    return requirement_from_direct_url(
        distribution.read_text("direct_url.json"), distribution.version
    )


def requirement_from_direct_url(text: str | None, version: str) -> InfraRequirement:
    """The requirement line reproducing an installation described by ``direct_url.json``.

    ``text`` is the file's content (PEP 610), ``None`` when the installation has none, which is
    how pip records an install from a package index.
    """
    if text is None:
        return InfraRequirement(
            f"{_DISTRIBUTION}=={version}",
            f"infra {version} was installed from a package index: install from that same index "
            f"(another index's 'infra' is someone else's), or set ${REQUIREMENT_ENV}",
        )
    try:
        document = json.loads(text)
        url = document["url"]
        if not isinstance(url, str) or not url:
            raise TypeError("url")
    except (ValueError, KeyError, TypeError) as exc:
        raise InfraError(
            f"the installed infra's direct_url.json is unreadable ({exc}): reinstall infra, "
            f"or set ${REQUIREMENT_ENV}"
        ) from None
    fragment = []
    subdirectory = document.get("subdirectory")
    if isinstance(subdirectory, str) and subdirectory:
        fragment.append(f"subdirectory={subdirectory}")
    vcs = document.get("vcs_info")
    archive = document.get("archive_info")
    directory = document.get("dir_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("commit_id"), str):
        kind, commit = str(vcs.get("vcs", "git")), vcs["commit_id"]
        requested = vcs.get("requested_revision")
        at = f" ({requested})" if isinstance(requested, str) and requested != commit else ""
        return InfraRequirement(
            f"{_DISTRIBUTION} @ {kind}+{url}@{commit}{_fragment(fragment)}",
            f"infra {version} was installed from {kind} at commit {commit}{at}",
        )
    if isinstance(archive, dict):
        hash_name, digest = _archive_hash(archive)
        if digest:
            fragment.insert(0, f"{hash_name}={digest}")
        return InfraRequirement(
            f"{_DISTRIBUTION} @ {url}{_fragment(fragment)}",
            f"infra {version} was installed from this archive"
            + (f" (pip checks its {hash_name})" if digest else ""),
        )
    if isinstance(directory, dict) and directory.get("editable") is True:
        return InfraRequirement(
            f"-e {url}{_fragment(fragment)}",
            f"infra {version} is an editable install of this directory",
        )
    if isinstance(directory, dict):
        return InfraRequirement(
            f"{_DISTRIBUTION} @ {url}{_fragment(fragment)}",
            f"infra {version} was installed from this directory (pip builds it as it is then)",
        )
    raise InfraError(
        "the installed infra's direct_url.json names no vcs_info, archive_info or dir_info: "
        f"reinstall infra, or set ${REQUIREMENT_ENV}"
    )


def _fragment(parts: Sequence[str]) -> str:
    return "#" + "&".join(parts) if parts else ""


def _archive_hash(archive: Mapping[str, object]) -> tuple[str, str]:
    hashes = archive.get("hashes")
    if isinstance(hashes, dict):
        for name in ("sha256", "sha384", "sha512"):
            if isinstance(hashes.get(name), str):
                return name, str(hashes[name])
    legacy = archive.get("hash")  # "sha256=<hex>", deprecated by PEP 610's "hashes"
    if isinstance(legacy, str) and "=" in legacy:
        name, _, digest = legacy.partition("=")
        return name, digest
    return "", ""


def _installed_distribution() -> metadata.Distribution | None:
    """The installed distribution this very ``infra`` package belongs to, if any.

    Installers write a ``RECORD``; a build's ``infra.egg-info`` in a checkout (on ``sys.path``
    when Python runs there) has none and is no installation.
    """
    for distribution in metadata.distributions(name=_DISTRIBUTION):
        if distribution.read_text("RECORD") is None or distribution.version != __version__:
            continue
        if _runs_this_package(distribution):
            return distribution
    return None


def _runs_this_package(distribution: metadata.Distribution) -> bool:
    text = distribution.read_text("direct_url.json")
    try:
        document = json.loads(text) if text is not None else None
    except ValueError:
        return True  # reported by requirement_from_direct_url
    if isinstance(document, dict):
        directory = document.get("dir_info")
        if isinstance(directory, dict) and directory.get("editable") is True:
            # An editable install runs the package of the directory it names.
            return _local_path(document.get("url")) == _PACKAGE.parent
    installed = Path(str(distribution.locate_file(f"{_DISTRIBUTION}/__init__.py")))
    return installed.resolve().parent == _PACKAGE


def _local_path(url: object) -> Path | None:
    if not isinstance(url, str) or not url.startswith("file:"):
        return None
    return Path(unquote(urlsplit(url).path)).resolve()


def _source_tree_requirement() -> InfraRequirement:
    """infra imported straight from a source tree: the tree, editable, if it is a project."""
    tree = _PACKAGE.parent
    if (tree / "pyproject.toml").is_file():
        return InfraRequirement(
            f"-e {tree.as_uri()}", f"infra {__version__} runs from this source tree"
        )
    return InfraRequirement(
        f"{_DISTRIBUTION}=={__version__}",
        f"infra {__version__} is not installed: set ${REQUIREMENT_ENV} to where it comes from",
    )


def stack_document(plan: DeployedStack) -> dict[str, object]:
    """What ``stack.json`` holds: no absolute paths, timestamps or anything machine-specific."""
    stack = plan.stack
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"infra {__version__}",
        "stack": stack.name,
        "environment": stack.environment,
        "owner": stack.owner,
        "clusters": [
            {
                "name": cluster.name,
                "cloud": cluster.cloud.name,
                "region": cluster.region,
                "inputs": dict(cluster.inputs),
                "variables": {key: v.name for key, v in cluster.variables.items()},
            }
            for cluster in plan.clusters
        ],
        **dr_document(plan.dr_calls),
        # Every root variable the program reads from config: the cluster roots' and _dr's.
        "config": config_document(_root_variables(plan)),
        # The add-ons roots' checkpoint sync jobs; absent when there are none.
        **({"sync": sync} if (sync := sync_document(plan)) else {}),
        # The add-ons roots' GPU software (Helm releases); absent when no cluster has GPUs.
        **({"addons": addons} if (addons := addons_document(plan)) else {}),
    }


def pulumi_files(
    plan: DeployedStack, requirement: InfraRequirement | None = None
) -> dict[str, str]:
    """Every file of the stack's Pulumi project, from its deploy plan (standby pools included).

    ``requirement`` is requirements.txt's infra line, :func:`infra_requirement` by default.
    """
    infra = infra_requirement() if requirement is None else requirement
    stack = plan.stack
    base = f"pulumi/{stack.name}"
    env = _environment()
    where = ", ".join(f"{c.name} ({c.cloud.name} {c.region})" for c in plan.clusters)
    context = {
        "stack": stack.name,
        "environment": stack.environment,
        "generator": f"infra {__version__}",
        "description": f"GPU clusters of stack {stack.name}: {where}",
        "config": _config_entries(stack.name, plan),
    }
    requirements = [infra.line, PULUMI_REQUIREMENT]
    requirements += [
        cloud.pulumi_requirement for cloud in sorted(plan.clouds, key=lambda c: c.name)
    ]
    if sync_document(plan) or addons_document(plan):
        requirements.append(PULUMI_KUBERNETES_REQUIREMENT)
    return {
        f"{base}/Pulumi.yaml": env.get_template("pulumi/Pulumi.yaml.j2").render(context),
        f"{base}/Pulumi.{stack.environment}.yaml": env.get_template(
            "pulumi/Pulumi.stack.yaml.j2"
        ).render(context),
        f"{base}/__main__.py": env.get_template("pulumi/__main__.py.j2").render(context),
        f"{base}/stack.json": json.dumps(stack_document(plan), indent=2, sort_keys=True) + "\n",
        f"{base}/requirements.txt": (
            f"# Generated by infra {__version__} for stack {stack.name}; install with "
            "pip install -r requirements.txt\n"
            f"# {infra.origin}\n" + "".join(f"{r}\n" for r in requirements)
        ),
    }


def _root_variables(plan: DeployedStack) -> dict[str, RootVariable]:
    """Every root variable of the stack's Terraform roots: the cluster roots' (their names end
    with the cluster's, infra.clouds.base.variable_suffix) and the ``_dr`` root's."""
    variables = {v.name: v for cluster in plan.clusters for v in cluster.variables.values()}
    for call in plan.dr_calls:
        for variable in call.variables.values():
            variables[variable.name] = variable
    return variables


def _config_entries(project: str, plan: DeployedStack) -> list[dict[str, object]]:
    """The root variables (the cluster roots' and the ``_dr`` root's) as config keys, for
    Pulumi.<environment>.yaml.

    ``value`` is the JSON of a non-null default (JSON is YAML), ``None`` when the key has no
    default to write: required ones, which users must set, and null ones, which mean "off".
    """
    variables = _root_variables(plan)
    return [
        {
            "key": f"{project}:{name}",
            "name": name,
            "type": v.type,
            "description": v.description,
            "required": v.required,
            "value": None
            if v.required or v.default is None
            else json.dumps(v.default, sort_keys=True),
        }
        for name, v in sorted(variables.items())
    ]


def _yaml_str(value: object) -> str:
    # A JSON string is a valid YAML double-quoted scalar, escapes included.
    return json.dumps(str(value))


def _environment() -> jinja2.Environment:
    # StrictUndefined: a misspelt variable fails the render instead of printing nothing.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # YAML and Python, escaped by the filters below
    )
    env.filters["yaml_str"] = _yaml_str
    env.filters["py_str"] = lambda value: repr(str(value))
    return env
