# expect: {file}: s/clusters[0].kubernetes_version: Kubernetes '1.20' is not supported by EKS (allowed: 1.32, 1.33)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
                kubernetes_version="1.20"),
    ],
)
