"""A refactoring of the components never replaces what users already deployed.

Pulumi identifies a resource by its URN: its name, its type and the types of its parents. Moving
a resource under a new sub-component changes its URN, and ``pulumi up`` would then delete it and
create a new one (a cluster, a bucket of checkpoints) unless the resource names its old URN as
an alias. ``tests/golden/pulumi-urns/<stack>.txt`` lists the URNs the example programs
registered before the components were split; every one must still be registered, or be an alias
of a registered resource. A resource that goes away on purpose is taken off the list by hand,
with the reason in the commit; ``INFRA_RECORD_URNS=1`` rewrites the lists from the current code.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.pulumi.conftest import EXAMPLE_STACKS

GOLDEN = ROOT / "tests" / "golden" / "pulumi-urns"


@pytest.mark.slow
@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_earlier_urn_is_still_registered_or_aliased(
    stack: str, programs: dict[str, Any]
) -> None:
    recorder = programs[stack]
    current = set(recorder.urns)
    reachable = current | {a for names in recorder.aliases.values() for a in names}
    path = GOLDEN / f"{stack}.txt"
    if os.environ.get("INFRA_RECORD_URNS") == "1":
        path.write_text("".join(f"{u}\n" for u in sorted(current)), encoding="utf-8")
        pytest.skip(f"recorded {len(current)} URNs in {path.relative_to(ROOT)}")
    earlier = path.read_text(encoding="utf-8").split()
    assert earlier, f"{path} is empty"
    lost = [u for u in earlier if u not in reachable]
    assert not lost, (
        f"{len(lost)} resource(s) of {stack} would be replaced on the next `pulumi up` (no "
        "resource has this URN or names it as an alias):\n" + "\n".join(lost[:20])
    )


def test_aliases_only_name_urns_that_are_not_registered(programs: dict[str, Any]) -> None:
    # An alias naming a URN that another resource holds would make two resources one.
    for stack in EXAMPLE_STACKS:
        recorder = programs[stack]
        current = set(recorder.urns)
        for urn, names in recorder.aliases.items():
            assert not (set(names) - {urn}) & current, (stack, urn, names)
