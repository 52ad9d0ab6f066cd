# expect: {file}: s/clusters[0].name: invalid cluster name 'c\x1b[31m' (allowed: 1-24 lowercase letters, digits and '-', starting with a letter and not ending with '-')
# expect: {file}: s/clusters[0].pools[0].labels.tier\u202e: invalid label key 'tier\u202e' (allowed: [prefix/]name, name up to 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c\x1b[31m", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8, labels={"tier\u202e": "gold"})]),
    ],
)
