# expect: {file}: s/name: duplicate stack name 's' (also in {file})
from infra import Cluster, DisasterRecovery, NodePool, Stack

stacks = [
    Stack(
        name="s", owner="ml", environment="prod",
        clusters=[
            Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                    pools=[NodePool(name="p", gpu="H100", gpus=8)]),
        ],
    ),
    Stack(
        name="s", owner="ml", environment="prod",
        clusters=[
            Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.1.0.0/16",
                    pools=[NodePool(name="p", gpu="H100", gpus=8)]),
        ],
    ),
]
