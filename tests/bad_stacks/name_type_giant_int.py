# expect: {file}: <stack>/name: expected a string, got an integer of 5001 digits
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name=10**5000, owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
