"""The EFA interfaces of an RDMA pool's launch template, laid out as the EC2 guide documents.

A node gets the fabric bandwidth the catalog advertises only with an EFA on every network card
its type has (one EFA per card: the EC2 User Guide's "EFA limitations"). The layout follows
"Maximize network bandwidth on Amazon EC2 instances with multiple network cards"
(docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html):

- the primary interface (network card 0, device 0) is an ENA interface (``interface``): an
  EFA-only interface cannot be the primary one;
- where network card 0 supports EFA, an EFA-only interface on card 0, device 1;
- one EFA-only interface on device 0 of every further card.

For p5.48xlarge and p5e.48xlarge that is the guide's P5/P5e "Use case 1" (ENA on card 0 device
0, EFA-only on card 0 device 1 and on cards 1-31 device 0: 3,200 Gbps of EFA, one private IP
per node, which the VPC CNI's pod addressing on the primary interface needs); P6-B200 likewise
on 8 cards, P6-B300's "Use case 1" leaves its ENA-only card 0 without an EFA (cards 1-16).

The per-type facts (network cards, maximum EFA interfaces, whether card 0 takes one) are in
``data/network.csv``, each row with its sources. Both the Terraform module and the Pulumi
component receive the layout as the ``efa_layout`` input (see :func:`pool_layouts`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from infra.errors import InfraError
from infra.values import Value

__all__ = [
    "INTERFACE_TYPES",
    "EfaInterface",
    "EfaLayoutError",
    "NetworkFacts",
    "efa_layout",
    "layout_from_input",
    "missing_facts_problem",
    "network_facts",
    "pool_layouts",
]

# The launch template's network_interfaces.interface_type values (EC2 API
# LaunchTemplateInstanceNetworkInterfaceSpecificationRequest InterfaceType: interface | efa |
# efa-only; hashicorp/aws accepts efa-only since 5.74.0, CHANGELOG #39882).
INTERFACE_TYPES = ("interface", "efa", "efa-only")
ENA = "interface"
EFA_ONLY = "efa-only"


class EfaLayoutError(InfraError):
    """An RDMA pool whose EFA layout cannot be built or is not one EC2 accepts."""


@dataclass(frozen=True, slots=True)
class NetworkFacts:
    """One row of ``data/network.csv``: what DescribeInstanceTypes says of a type's network."""

    instance_type: str
    network_cards: int
    max_efa_interfaces: int
    card0_efa: bool
    source: str


@dataclass(frozen=True, slots=True)
class EfaInterface:
    """One ``network_interfaces`` block of a launch template."""

    network_card_index: int
    device_index: int
    interface_type: str

    def as_input(self) -> dict[str, Value]:
        """The module input's object (``efa_layout`` list entry)."""
        return {
            "network_card_index": self.network_card_index,
            "device_index": self.device_index,
            "interface_type": self.interface_type,
        }

    @property
    def is_efa(self) -> bool:
        """Whether the interface carries an EFA device (``efa`` or ``efa-only``)."""
        return self.interface_type != ENA


def _read_facts(text: str) -> dict[str, NetworkFacts]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    facts: dict[str, NetworkFacts] = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        fact = NetworkFacts(
            instance_type=row["instance_type"],
            network_cards=int(row["network_cards"]),
            max_efa_interfaces=int(row["max_efa_interfaces"]),
            card0_efa={"true": True, "false": False}[row["card0_efa"]],
            source=row["source"],
        )
        if fact.instance_type in facts:
            raise EfaLayoutError(f"data/network.csv: {fact.instance_type} is listed twice")
        facts[fact.instance_type] = fact
    return facts


@cache
def network_facts() -> Mapping[str, NetworkFacts]:
    """Instance type -> its network facts, from the package's ``data/network.csv``."""
    text = resources.files("infra.clouds.aws").joinpath("data", "network.csv")
    return _read_facts(text.read_text(encoding="utf-8"))


def missing_facts_problem(instance_type: str) -> str | None:
    """Why an RDMA pool on ``instance_type`` cannot be laid out, or None (for the validator)."""
    if instance_type in network_facts():
        return None
    return (
        f"instance type {instance_type!r} has no EFA network facts in "
        f"infra/clouds/aws/data/network.csv (allowed: {', '.join(sorted(network_facts()))})"
    )


def efa_layout(instance_type: str) -> tuple[EfaInterface, ...]:
    """Every interface of an RDMA node of ``instance_type``, in the EC2 guide's order.

    Decision for a type without network facts: an error naming it, never a guess (a single EFA
    would run NCCL at a fraction of the type's bandwidth without anyone noticing)."""
    problem = missing_facts_problem(instance_type)
    if problem:
        raise EfaLayoutError(problem)
    facts = network_facts()[instance_type]
    interfaces = [EfaInterface(0, 0, ENA)]
    if facts.card0_efa:
        interfaces.append(EfaInterface(0, 1, EFA_ONLY))
    interfaces.extend(EfaInterface(card, 0, EFA_ONLY) for card in range(1, facts.network_cards))
    layout = tuple(interfaces)
    efas = sum(i.is_efa for i in layout)
    if efas != facts.max_efa_interfaces:
        raise EfaLayoutError(
            f"data/network.csv: {instance_type}: the layout has {efas} EFA interfaces but the "
            f"type takes {facts.max_efa_interfaces} (allowed: card0_efa and network_cards that "
            "agree with max_efa_interfaces)"
        )
    return layout


def pool_layouts(pools: Mapping[str, Value], *, where: str) -> dict[str, Value]:
    """The ``efa_layout`` module input: RDMA pool -> its interfaces (non-RDMA pools: none).

    ``pools`` is the module's ``node_pools`` input; ``where`` ("<stack>/<cluster>") prefixes
    errors."""
    layouts: dict[str, Value] = {}
    for key, pool in pools.items():
        if not isinstance(pool, Mapping) or not pool.get("rdma"):
            continue
        instance_type = str(pool["instance_type"])
        try:
            layouts[key] = [i.as_input() for i in efa_layout(instance_type)]
        except EfaLayoutError as error:
            raise EfaLayoutError(f"{where}/node_pools/{key}: {error}") from None
    return layouts


def _index(value: object) -> int | None:
    """A network card or device index (a whole number >= 0; JSON may give 1.0), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value >= 0 and value == int(value) else None


def layout_from_input(key: str, raw: Sequence[Mapping[str, object]]) -> tuple[EfaInterface, ...]:
    """One pool's ``efa_layout`` entry as interfaces, checked as the module's validation blocks
    check it: known types, the primary interface first on card 0 device 0 and not EFA-only, no
    card and device used twice."""
    interfaces: list[EfaInterface] = []
    for entry in raw:
        card, device = _index(entry.get("network_card_index")), _index(entry.get("device_index"))
        kind = entry.get("interface_type")
        if card is None or device is None:
            raise EfaLayoutError(
                f"efa_layout[{key}]: network_card_index and device_index must be whole numbers "
                f">= 0 (got {entry.get('network_card_index')!r}, {entry.get('device_index')!r})"
            )
        if not isinstance(kind, str) or kind not in INTERFACE_TYPES:
            raise EfaLayoutError(
                f"efa_layout[{key}]: interface_type {kind!r} (allowed: {', '.join(INTERFACE_TYPES)})"
            )
        interfaces.append(EfaInterface(card, device, kind))
    if not interfaces or interfaces[0].network_card_index or interfaces[0].device_index:
        raise EfaLayoutError(f"efa_layout[{key}]: the first interface must be card 0, device 0")
    if interfaces[0].interface_type == EFA_ONLY:
        raise EfaLayoutError(f"efa_layout[{key}]: the primary interface cannot be efa-only")
    slots = [(i.network_card_index, i.device_index) for i in interfaces]
    if len(set(slots)) != len(slots):
        raise EfaLayoutError(f"efa_layout[{key}]: a network card and device index repeat")
    return tuple(interfaces)
