from __future__ import annotations

import pydantic
import pytest

from infra import Cluster, DisasterRecovery, NodePool, Stack, StackError


def small_stack(**overrides: object) -> Stack:
    fields: dict[str, object] = {
        "name": "s",
        "owner": "ml",
        "environment": "prod",
        "clusters": [
            Cluster(
                name="c",
                cloud="aws",
                region="us-east-1",
                cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
            )
        ],
    }
    fields.update(overrides)
    return Stack(**fields)


def test_objects_are_frozen() -> None:
    stack = small_stack()
    with pytest.raises(pydantic.ValidationError):
        stack.clusters[0].pools[0].gpus = 16  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        stack.name = "other"  # type: ignore[misc]


def test_lists_become_tuples_and_defaults_apply() -> None:
    stack = small_stack()
    assert isinstance(stack.clusters, tuple)
    pool = stack.clusters[0].pools[0]
    assert (pool.workload, pool.rdma, pool.spot, pool.taints) == ("training", False, False, ())
    assert stack.dr is None


def test_component_errors_are_reported_by_the_stack_with_full_path() -> None:
    bad_pool = NodePool(name="p", gpu="H100", gpus=1.5)  # does not raise on its own
    with pytest.raises(StackError) as caught:
        small_stack(
            clusters=[
                Cluster(
                    name="c",
                    cloud="aws",
                    region="us-east-1",
                    cidr="10.0.0.0/16",
                    pools=[NodePool(name="ok", gpu="H100", gpus=8), bad_pool],
                ),
            ]
        )
    (problem,) = caught.value.problems
    assert problem.path == "clusters[0].pools[1].gpus"
    assert problem.stack == "s"
    assert problem.file.endswith("test_model.py")
    assert str(problem).endswith("s/clusters[0].pools[1].gpus: expected an integer, got float 1.5")


def test_every_type_error_of_a_stack_at_once() -> None:
    with pytest.raises(StackError) as caught:
        Stack(
            name="s",
            owner="ml",
            environment="prod",
            clusters=[{"name": "c"}],
            dr=DisasterRecovery(rpo_minutes="15", rto_minutes=60),
        )
    paths = [p.path for p in caught.value.problems]
    assert paths == [
        "clusters[0].cloud",
        "clusters[0].region",
        "clusters[0].cidr",
        "dr.rpo_minutes",
    ]


def test_unknown_field_suggests_the_close_one() -> None:
    with pytest.raises(StackError) as caught:
        small_stack(
            clusters=[
                Cluster(
                    name="c",
                    cloud="aws",
                    region="us-east-1",
                    cidr="10.0.0.0/16",
                    pools=[NodePool(name="p", gpu="H100", gpuss=8)],
                ),
            ]
        )
    message = caught.value.problems[0].message
    assert message.startswith("unknown field 'gpuss' (did you mean 'gpus'?")


def test_json_schema_names_the_fields() -> None:
    schema = Stack.model_json_schema()
    assert {"name", "owner", "environment", "clusters", "dr", "tags"} <= set(schema["properties"])
    assert "NodePool" in schema["$defs"]
