# expect: {file}: <stack>/name: expected a string, got int 5
# expect: {file}: <stack>/environment: required field is missing
# expect: {file}: <stack>/clusters[0].pools[0].gpus: expected an integer, got str '8'
from infra import Cluster, DisasterRecovery, NodePool, Stack

# model_construct skips validation: `infra validate` must not.
stack = Stack.model_construct(
    name=5, owner="ml",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool.model_construct(name="p", gpu="H100", gpus="8")]),
    ],
)
