# expect: {file}: s/clusters[0].pools[0].instance_type: unknown AWS instance type 'p5.48xlarg' (did you mean 'p5.48xlarge'? allowed: g5.12xlarge, g5.48xlarge, m7i.2xlarge, p4d.24xlarge, p5.48xlarge, p5en.48xlarge)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpus=8, instance_type='p5.48xlarg')]),
    ],
)
