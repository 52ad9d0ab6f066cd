# Every cluster module requires max_nodes >= 1; nodes=0 and gpus=0 used to validate.
# expect: {file}: s/clusters[0].pools[0].nodes: a pool needs room for at least one node (allowed: nodes >= 1, or gpus/max_gpus of at least one node; the cluster modules require max_nodes >= 1)
# expect: {file}: s/clusters[0].pools[1].gpus: a pool needs room for at least one node (allowed: nodes >= 1, or gpus/max_gpus of at least one node; the cluster modules require max_nodes >= 1)
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="cpu", instance_type="m7i.2xlarge", nodes=0),
                       NodePool(name="gpu", gpu="H100", gpus=0)]),
    ],
)
