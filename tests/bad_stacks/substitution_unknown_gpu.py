# expect: {file}: s/dr.allow_gpu_substitution.H100[0]: unknown GPU 'H300' (did you mean 'H200'? allowed: A10, A100-40GB, A100-80GB, A10G, H100, H200)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    dr=DisasterRecovery(rpo_minutes=15, rto_minutes=60,
                        allow_gpu_substitution={"H100": ["H300"]}),
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
