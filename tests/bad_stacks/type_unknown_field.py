# expect: {file}: s/clusters[0].pools[0].gpu_count: unknown field 'gpu_count' (allowed: gpu, gpus, instance_type, labels, max_gpus, min_gpus, name, nodes, rdma, reservation, spot, taints, ... (1 more))
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpu_count=8)]),
    ],
)
