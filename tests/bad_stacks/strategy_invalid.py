# expect: {file}: s/dr.strategy: unknown strategy 'pilot_light' (did you mean 'pilot-light'? allowed: active-active, pilot-light, warm-standby)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    dr=DisasterRecovery(rpo_minutes=15, rto_minutes=60, strategy="pilot_light"),
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
