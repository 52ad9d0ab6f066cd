# expect: {file}: s/owner: must not be empty (allowed: a team or person responsible)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner=" ", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
