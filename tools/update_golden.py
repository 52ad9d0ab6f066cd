"""Regenerate the golden renders of the example stacks: ``make golden``.

Renders every file in stacks/ on its own into tests/golden/render/<file stem>/ (all targets,
shipped catalog). Module copies are left out: the tests check they equal modules/ byte for byte.
Review the result as a diff before committing it.

The rendered Pulumi projects' requirements.txt pins infra as installed where the render runs (an
editable install names its checkout's path); golden renders set ``$INFRA_PULUMI_REQUIREMENT`` to
``GOLDEN_REQUIREMENT`` instead, so that they are the same bytes on every machine.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra import __version__
from infra.catalog import default_catalog
from infra.pipeline import resolve_paths
from infra.pulumi.emit import REQUIREMENT_ENV
from infra.render import TARGETS, render_stacks

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "render"
# A placeholder (.invalid never resolves) in the form a team would pin: a git URL at a revision.
GOLDEN_REQUIREMENT = f"infra @ git+https://example.invalid/infra.git@v{__version__}"


@contextmanager
def golden_requirement() -> Iterator[None]:
    """``$INFRA_PULUMI_REQUIREMENT`` set to ``GOLDEN_REQUIREMENT`` inside the block."""
    previous = os.environ.get(REQUIREMENT_ENV)
    os.environ[REQUIREMENT_ENV] = GOLDEN_REQUIREMENT
    try:
        yield
    finally:
        if previous is None:
            del os.environ[REQUIREMENT_ENV]
        else:
            os.environ[REQUIREMENT_ENV] = previous


def render_example(stack_file: Path, out: Path) -> None:
    resolution = resolve_paths([str(stack_file)])
    if not resolution.ok:
        raise SystemExit("\n".join(str(p) for p in resolution.problems))
    with golden_requirement():
        render_stacks(resolution.stacks, out, list(TARGETS), default_catalog())


def main() -> int:
    examples = sorted((ROOT / "stacks").glob("*.py"))
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    with tempfile.TemporaryDirectory() as scratch:
        for example in examples:
            out = Path(scratch) / example.stem
            render_example(example, out)
            shutil.rmtree(out / "modules", ignore_errors=True)
            shutil.copytree(out, GOLDEN / example.stem)
    print(f"golden renders of {len(examples)} example files written to {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
