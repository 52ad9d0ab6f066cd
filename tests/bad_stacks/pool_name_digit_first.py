# EKS and ACK pool keys must start with a letter (modules/*-gpu-cluster node_pools); digit-first names used to validate.
# expect: {file}: s/clusters[0].pools[0].name: invalid pool name '8gpu' for EKS (allowed: 1-22 lowercase letters, digits and '-', starting with a letter and not ending with '-')
# expect: {file}: s/clusters[1].pools[0].name: invalid pool name '1a' for ACK (allowed: 1-22 lowercase letters, digits and '-', starting with a letter and not ending with '-')
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="8gpu", gpu="H100", gpus=8)]),
        Cluster(name="d", cloud="alicloud", region="cn-beijing", cidr="10.1.0.0/16",
                pools=[NodePool(name="1a", gpu="A10", gpus=1)]),
    ],
)
