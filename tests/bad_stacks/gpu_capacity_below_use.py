# expect: {file}: s/clusters[0].gpu_capacity.H100: 16 is below the 32 H100 GPUs the cluster's pools may use (allowed: at least 32)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpus=16, max_gpus=32)],
                gpu_capacity={"H100": 16}),
    ],
)
