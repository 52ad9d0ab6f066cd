# expect: {file}: s/dr.rpo_minutes: 1441 is too large (allowed: 1 to 1440)
# expect: {file}: s/dr.rto_minutes: 10081 is too large (allowed: 1 to 10080)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    dr=DisasterRecovery(rpo_minutes=1441, rto_minutes=10081),
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
