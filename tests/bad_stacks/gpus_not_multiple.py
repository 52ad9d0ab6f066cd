# expect: {file}: s/clusters[0].pools[0].gpus: 12 must be a multiple of the GPUs per node of a type offered there (8 (p5.48xlarge))
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpus=12)]),
    ],
)
