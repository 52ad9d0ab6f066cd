# expect: {file}: s/tags.aws:team: tags may not start with 'aws:' on AWS (reserved prefix)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    tags={"aws:team": "ml"},
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
