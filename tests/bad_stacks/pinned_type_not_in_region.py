# expect: {file}: s/clusters[0].pools[0].instance_type: 'p5en.48xlarge' is not offered in AWS us-east-1 (offered in: us-west-2)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", instance_type="p5en.48xlarge", nodes=1)]),
    ],
)
