# expect: {file}: s/clusters[0].pools[0].nodes: expected an integer, got float 2.5
# expect: {file}: s/dr: expected a DisasterRecovery, got str 'none'
from infra import Cluster, DisasterRecovery, NodePool, Stack

base = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
# model_copy(update=...) skips validation: `infra validate` must not.
cluster = base.clusters[0].model_copy(
    update={"pools": [NodePool.model_construct(name="p", instance_type="m7i.2xlarge", nodes=2.5)]}
)
stack = base.model_copy(update={"clusters": [cluster], "dr": "none"})
