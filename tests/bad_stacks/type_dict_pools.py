# expect: {file}: s/clusters[0].pools: expected a list, got dict {'p': NodePool(name='p', gpu='H100', gpus=8, instance_typ...
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools={"p": NodePool(name="p", gpu="H100", gpus=8)}),
    ],
)
