# expect: {file}: s/clusters[0].zones[1]: unknown us-east-1 zone 'us-east-1z' (did you mean 'us-east-1c'? allowed: us-east-1a, us-east-1b, us-east-1c)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
                zones=["us-east-1a", "us-east-1z"]),
    ],
)
