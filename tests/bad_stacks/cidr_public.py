# expect: {file}: s/clusters[0].cidr: '8.8.0.0/16' is not a private network (allowed: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="8.8.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
