# expect: {file}: s/clusters[0].cidr: invalid CIDR '10.0.0.0/33' (allowed: an IPv4 network like 10.10.0.0/16)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/33",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
