# expect: {file}: s/clusters[0].cidr: prefix /24 is not allowed for AWS networks (allowed: /16 to /20)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/24",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
