# expect: {file}: s/clusters[0].pools[1].name: duplicate pool name 'p' (first at clusters[0].pools[0])
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8), NodePool(name="p", instance_type="m7i.2xlarge", nodes=2)]),
    ],
)
