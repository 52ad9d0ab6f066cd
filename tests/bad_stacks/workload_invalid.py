# expect: {file}: s/clusters[0].pools[0].workload: unknown workload 'train' (did you mean 'training'? allowed: inference, training)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpus=8, workload='train')]),
    ],
)
