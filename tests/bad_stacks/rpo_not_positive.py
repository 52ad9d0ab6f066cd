# expect: {file}: s/dr.rpo_minutes: 0 is not positive (allowed: minutes > 0)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    dr=DisasterRecovery(rpo_minutes=0, rto_minutes=60),
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
