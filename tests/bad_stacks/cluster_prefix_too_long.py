# expect: {file}: a-very-long-stack-name/clusters[0].name: 'a-very-long-stack-name-a-very-long-cluster-name' is 47 characters (allowed: stack and cluster names together at most 39, as cloud resource names are built from them)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="a-very-long-stack-name", owner="ml", environment="prod",
    clusters=[
        Cluster(name="a-very-long-cluster-name", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
