# expect: {file}: s/dr.failover.c[0]: a cluster cannot fail over to itself ('c')
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    dr=DisasterRecovery(rpo_minutes=15, rto_minutes=60, failover={"c": ["c"]}),
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
