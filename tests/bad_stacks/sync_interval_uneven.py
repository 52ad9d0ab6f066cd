# expect: {file}: s/dr.sync_interval_minutes: 7 does not divide an hour (allowed: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    dr=DisasterRecovery(
        rpo_minutes=30, rto_minutes=60, failover={"a": ["b"]}, sync_interval_minutes=7
    ),
    clusters=[
        Cluster(name="a", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
        Cluster(name="b", cloud="azure", region="eastus", cidr="10.1.0.0/16"),
    ],
)
