# expect: {file}: s/clusters[0].pools[0].labels.bad key: invalid label key 'bad key' (allowed: [prefix/]name, name up to 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpus=8, labels={'bad key': 'x'})]),
    ],
)
