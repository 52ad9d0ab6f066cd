# expect: {file}: s/clusters[0].pools[0].max_gpus: 8 is below gpus=16 (allowed: max_gpus >= gpus)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpus=16, max_gpus=8)]),
    ],
)
