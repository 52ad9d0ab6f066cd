"""The smallest useful stack: one AWS cluster with four L40S GPUs for experiments."""

from infra import Cluster, NodePool, Stack

stack = Stack(
    name="research-sandbox",
    owner="research",
    environment="dev",
    clusters=[
        Cluster(
            name="use1",
            cloud="aws",
            region="us-east-1",
            cidr="10.90.0.0/16",
            pools=[NodePool(name="l40s", gpu="L40S", gpus=4, spot=True)],
        ),
    ],
)
