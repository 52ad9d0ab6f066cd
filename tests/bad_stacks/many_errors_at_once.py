# expect: {file}: s/clusters[0].pools[0].gpu: unknown GPU 'H10' (did you mean 'H100'? allowed: A10, A100-40GB, A100-80GB, A10G, H100, H200)
# expect: {file}: s/clusters[1].pools[0].name: invalid pool name 'gpu-pool' for AKS (allowed: 1-12 lowercase letters and digits, starting with a letter)
# expect: {file}: s/clusters[1].cidr: '10.0.0.0/16' overlaps 'c' (10.0.0.0/16) (allowed: a network no other cluster of the stack uses)
# expect: {file}: s/dr.failover.c[0]: unknown cluster 'e' (allowed: d)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H10", gpus=8)]),
        Cluster(name="d", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name="gpu-pool", gpu="H100", gpus=12)]),
    ],
    dr=DisasterRecovery(rpo_minutes=15, rto_minutes=60, failover={"c": ["e"]}),
)
