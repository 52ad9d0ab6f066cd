# expect: {file}: s/clusters[0].pools[0]: a pool needs a GPU or an instance type (allowed: gpu= with gpus=, or instance_type= with nodes=)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', nodes=3)]),
    ],
)
