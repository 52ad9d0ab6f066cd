"""LLM pre-training across three clouds, with regional disaster recovery.

The main H100 fleet runs in AWS us-east-1 over EFA. A pilot-light standby waits in us-west-2
(reservations held, nodes at zero) and Azure eastus runs a second, smaller H100 cluster over
InfiniBand that can also absorb AWS work. Fine-tuning on A100s runs over eRDMA in Alibaba Cloud
cn-beijing and, if that region fails, moves to AWS H100s.
"""

from infra import Cluster, DisasterRecovery, NodePool, Reservation, Stack

GPU_TAINT = "nvidia.com/gpu=present:NoSchedule"

stack = Stack(
    name="llm-train",
    owner="aml-infra",
    environment="prod",
    tags={"cost-center": "ml-1234", "team": "foundation-models"},
    clusters=[
        Cluster(
            name="aws-use1",
            cloud="aws",
            region="us-east-1",
            cidr="10.10.0.0/16",
            pools=[
                NodePool(name="h100", gpu="H100", gpus=256, max_gpus=256, rdma=True,
                         labels={"workload": "pretrain"}, taints=[GPU_TAINT],
                         # the team's On-Demand Capacity Reservation: 32 p5.48xlarge in one zone
                         reservation=Reservation(kind="capacity-reservation",
                                                 id="cr-0a1b2c3d4e5f60718",
                                                 instance_type="p5.48xlarge",
                                                 zone="us-east-1a", instances=32)),
                NodePool(name="system", instance_type="m7i.2xlarge", nodes=3),
            ],
            gpu_capacity={"H100": 512},  # quota and reservations held by the team here
        ),
        Cluster(
            name="aws-usw2",
            cloud="aws",
            region="us-west-2",
            cidr="10.11.0.0/16",
            pools=[NodePool(name="system", instance_type="m7i.2xlarge", nodes=2)],
            gpu_capacity={"H100": 256, "H200": 64},  # standby for aws-use1 lands here
        ),
        Cluster(
            name="az-eus",
            cloud="azure",
            region="eastus",
            cidr="10.20.0.0/16",
            pools=[
                NodePool(name="h100", gpu="H100", gpus=64, rdma=True, taints=[GPU_TAINT]),
                NodePool(name="system", instance_type="Standard_D4s_v5", nodes=3),
            ],
            gpu_capacity={"H100": 256},
        ),
        Cluster(
            name="ali-bj",
            cloud="alicloud",
            region="cn-beijing",
            cidr="10.30.0.0/16",
            pools=[
                NodePool(name="a100", gpu="A100-80GB", gpus=32, rdma=True,
                         labels={"workload": "finetune"}, taints=[GPU_TAINT]),
                NodePool(name="system", instance_type="ecs.g7.2xlarge", nodes=2),
            ],
            gpu_capacity={"A100-80GB": 64},
        ),
    ],
    dr=DisasterRecovery(
        rpo_minutes=15,
        rto_minutes=60,
        strategy="pilot-light",
        failover={
            "aws-use1": ["aws-usw2", "az-eus"],
            "aws-usw2": ["aws-use1"],  # holds only system nodes today; keeps its standby reachable
            "az-eus": ["aws-use1", "aws-usw2"],
            "ali-bj": ["aws-usw2"],
        },
        allow_gpu_substitution={"A100-80GB": ["H100", "H200"]},
        # Each cluster root keeps its state in its own region; _global and _dr keep theirs in
        # us-east-1, replicated to us-west-2 so the failover from us-east-1 can still apply _dr.
        state_region="aws:us-east-1",
        state_replica_region="us-west-2",
    ),
)
