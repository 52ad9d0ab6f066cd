# expect: {file}: s/clusters[0].pools[0].name: invalid pool name 'gpu-pool' for AKS (allowed: 1-12 lowercase letters and digits, starting with a letter)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name='gpu-pool', gpu='H100', gpus=8)]),
    ],
)
