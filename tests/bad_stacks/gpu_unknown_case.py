# expect: {file}: s/clusters[0].pools[0].gpu: unknown GPU 'a10g' (did you mean 'A10G'? allowed: A10, A100-40GB, A100-80GB, A10G, H100, H200)
# expect: {file}: s/clusters[1].cloud: unknown cloud 'AWS' (did you mean 'aws'? allowed: alicloud, aws, azure)
# expect: {file}: s/clusters[2].region: unknown AWS region 'US-WEST-2' (did you mean 'us-west-2'? allowed: us-east-1, us-west-2)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="a10g", gpus=8)]),
        Cluster(name="d", cloud="AWS", region="us-east-1", cidr="10.1.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
        Cluster(name="e", cloud="aws", region="US-WEST-2", cidr="10.2.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
