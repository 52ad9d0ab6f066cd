# expect: {file}: s/clusters[0].pools[0].rdma: instance type 'm7i.2xlarge' has no EFA in us-east-1
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', instance_type='m7i.2xlarge', nodes=2, rdma=True)]),
    ],
)
