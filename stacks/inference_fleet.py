"""Inference fleets defined as a list of stacks: one per product, each in several regions.

Chat serving runs on L4s in two AWS regions and on A100s in Azure; embeddings run on A10s in
Azure and Alibaba Cloud. Spot capacity absorbs bursts above the on-demand floor.
"""

from infra import Cluster, DisasterRecovery, NodePool, Stack

SERVING = {"workload-class": "serving"}
GPU_TAINT = "nvidia.com/gpu=present:NoSchedule"


def chat_cluster(name: str, region: str, cidr: str, gpus: int) -> Cluster:
    return Cluster(
        name=name,
        cloud="aws",
        region=region,
        cidr=cidr,
        pools=[
            NodePool(name="l4", gpu="L4", gpus=gpus, min_gpus=gpus // 2, max_gpus=gpus * 2,
                     workload="inference", labels=SERVING, taints=[GPU_TAINT]),
            NodePool(name="l4-spot", gpu="L4", gpus=0, max_gpus=gpus, spot=True,
                     workload="inference", labels=SERVING, taints=[GPU_TAINT]),
            NodePool(name="system", instance_type="m6i.xlarge", nodes=2),
        ],
        gpu_capacity={"L4": gpus * 4},
    )


stacks = [
    Stack(
        name="chat-serving",
        owner="inference-platform",
        environment="prod",
        tags={"cost-center": "ml-2001", "product": "chat"},
        clusters=[
            chat_cluster("use2", "us-east-2", "10.40.0.0/16", gpus=32),
            chat_cluster("usw2", "us-west-2", "10.41.0.0/16", gpus=32),
            Cluster(
                name="az-eus2",
                cloud="azure",
                region="eastus2",
                cidr="10.42.0.0/16",
                pools=[
                    NodePool(name="a100", gpu="A100-80GB", gpus=8, max_gpus=16,
                             workload="inference", labels=SERVING, taints=[GPU_TAINT]),
                    NodePool(name="system", instance_type="Standard_D4s_v5", nodes=2),
                ],
                gpu_capacity={"A100-80GB": 32},
            ),
        ],
        dr=DisasterRecovery(
            rpo_minutes=60,
            rto_minutes=30,
            strategy="active-active",
            failover={"use2": ["usw2"], "usw2": ["use2"], "az-eus2": ["usw2"]},
            allow_gpu_substitution={"A100-80GB": ["L4"]},
            # The stack-wide roots' state: us-east-2 (the first cluster's), replicated to
            # us-west-2 so a failover can apply _dr while us-east-2 is down.
            state_region="aws:us-east-2",
            state_replica_region="us-west-2",
        ),
    ),
    Stack(
        name="embeddings",
        owner="search-ml",
        environment="prod",
        tags={"cost-center": "ml-2002", "product": "search"},
        clusters=[
            Cluster(
                name="az-wus3",
                cloud="azure",
                region="westus3",
                cidr="10.50.0.0/16",
                pools=[
                    NodePool(name="a10", gpu="A10", gpus=8, max_gpus=24, workload="inference",
                             labels=SERVING),
                    NodePool(name="system", instance_type="Standard_D2s_v5", nodes=2),
                ],
                gpu_capacity={"A10": 32},
            ),
            Cluster(
                name="ali-sh",
                cloud="alicloud",
                region="cn-shanghai",
                cidr="10.51.0.0/16",
                pools=[
                    NodePool(name="a10", gpu="A10", gpus=8, max_gpus=16, workload="inference",
                             labels=SERVING),
                ],
                gpu_capacity={"A10": 24},
            ),
        ],
        dr=DisasterRecovery(
            rpo_minutes=60,
            rto_minutes=45,
            strategy="warm-standby",
            failover={"az-wus3": ["ali-sh"], "ali-sh": ["az-wus3"]},
            # An embedding model fits one A10: the 2 x A10 nodes of Azure may carry the work of
            # Alibaba's 8 x A10 nodes (and the other way round).
            allow_shape_change=["A10"],
            # Search indexes are rebuilt from checkpoints: the sync job copies them between the
            # clouds every 5 minutes (the default), well within the 60-minute RPO.
            state_region="azure:westus3",
            state_replica_region="eastus",
        ),
    ),
]
