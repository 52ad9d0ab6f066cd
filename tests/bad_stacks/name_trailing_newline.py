# expect: {file}: llm-train\n/name: invalid stack name 'llm-train\n' (allowed: 1-24 lowercase letters, digits and '-', starting with a letter and not ending with '-')
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="llm-train\n", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
