# expect: {file}: s/clusters[1].cidr: '10.0.128.0/17' overlaps 'c' (10.0.0.0/16) (allowed: a network no other cluster of the stack uses)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
        Cluster(name="d", cloud="aws", region="us-east-1", cidr="10.0.128.0/17",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
