# expect: {file}: s/clusters[0].pools[0].rdma: no A10 type with InfiniBand in eastus (offered: Standard_NV36ads_A10_v5, Standard_NV6ads_A10_v5)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='A10', gpus=2, rdma=True)]),
    ],
)
