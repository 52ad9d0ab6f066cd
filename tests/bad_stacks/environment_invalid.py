# expect: {file}: s/environment: invalid environment 'Prod' (allowed: 1-16 lowercase letters, digits and '-', starting with a letter, e.g. prod, staging)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="Prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
