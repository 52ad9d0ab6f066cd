# The EKS node group is "<stack>-<cluster>-<pool>" (<= 63), so pool keys have at most 22 characters; 23-63 used to validate.
# expect: {file}: s/clusters[0].pools[0].name: invalid pool name 'abcdefghijklmnopqrstuvw' for EKS (allowed: 1-22 lowercase letters, digits and '-', starting with a letter and not ending with '-')
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="abcdefghijklmnopqrstuvw", gpu="H100", gpus=8)]),
    ],
)
