# expect: {file}: s/dr.failover.c[0]: unknown cluster 'e' (allowed: d)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    dr=DisasterRecovery(rpo_minutes=15, rto_minutes=60, failover={"c": ["e"]}),
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
        Cluster(name="d", cloud="aws", region="us-east-1", cidr="10.1.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
