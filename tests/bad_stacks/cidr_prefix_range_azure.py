# The Azure cluster module takes VNets of /16 to /20 (modules/azure-gpu-cluster, cidr); /21 used to validate.
# expect: {file}: s/clusters[0].cidr: prefix /21 is not allowed for Azure networks (allowed: /16 to /20)
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="azure", region="eastus", cidr="10.0.0.0/21",
                pools=[NodePool(name="gpu", gpu="H100", gpus=8)]),
    ],
)
