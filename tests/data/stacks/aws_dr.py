"""An AWS-only stack with DR, so its _dr root can be validated with the local AWS provider."""

from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="aws-dr",
    owner="ml",
    environment="prod",
    clusters=[
        Cluster(
            name="use1",
            cloud="aws",
            region="us-east-1",
            cidr="10.60.0.0/16",
            pools=[NodePool(name="h100", gpu="H100", gpus=16, rdma=True)],
            gpu_capacity={"H100": 32},
        ),
        Cluster(
            name="usw2",
            cloud="aws",
            region="us-west-2",
            cidr="10.61.0.0/16",
            gpu_capacity={"H100": 32},
        ),
    ],
    dr=DisasterRecovery(rpo_minutes=15, rto_minutes=60, failover={"use1": ["usw2"]}),
)
