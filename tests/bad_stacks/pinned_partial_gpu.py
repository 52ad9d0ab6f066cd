# expect: {file}: s/clusters[0].pools[0].instance_type: 'Standard_NV6ads_A10_v5' has a fraction of a GPU (1/6); pin it with instance_type= and nodes= and no gpu= (allowed: whole-GPU types for gpu pools)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='A10', gpus=1, instance_type='Standard_NV6ads_A10_v5')]),
    ],
)
