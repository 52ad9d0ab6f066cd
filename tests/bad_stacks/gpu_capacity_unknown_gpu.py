# expect: {file}: s/clusters[0].gpu_capacity.H1000: unknown GPU 'H1000' (did you mean 'H100'? allowed: A10, A100-40GB, A100-80GB, A10G, H100, H200)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
                gpu_capacity={"H1000": 8}),
    ],
)
