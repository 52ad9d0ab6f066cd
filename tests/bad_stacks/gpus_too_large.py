# expect: {file}: s/clusters[0].pools[0].gpus: an integer of 5001 digits is too large (allowed: 0 to 80000)
# expect: {file}: s/clusters[0].pools[1].nodes: 5001 is too large (allowed: 0 to 5000)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=10**5000),
                       NodePool(name="q", instance_type="m7i.2xlarge", nodes=5001)]),
    ],
)
