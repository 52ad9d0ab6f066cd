# AKS and ACK node pools hold at most 1000 nodes (the modules' node_pools validation); up to 5000 used to validate.
# expect: {file}: s/clusters[0].pools[0].nodes: 1001 nodes at most is above the AKS limit per node pool (allowed: max_nodes up to 1000; split the pool)
# expect: {file}: s/clusters[1].pools[0].max_gpus: 1001 nodes at most is above the ACK limit per node pool (allowed: max_nodes up to 1000; split the pool)
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name="cpu", instance_type="Standard_D4s_v5", nodes=1001)]),
        Cluster(name="d", cloud="alicloud", region="cn-beijing", cidr="10.1.0.0/16",
                pools=[NodePool(name="p", gpu="A10", gpus=1, max_gpus=1001)]),
    ],
)
