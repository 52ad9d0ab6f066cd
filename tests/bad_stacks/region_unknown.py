# expect: {file}: s/clusters[0].region: unknown AWS region 'us-east1' (did you mean 'us-east-1'? allowed: us-east-1, us-west-2)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
