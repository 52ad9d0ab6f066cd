# expect: {file}: s/clusters[0].cidr: '10.0.0.1/16' has host bits set (did you mean '10.0.0.0/16'?)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.1/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
