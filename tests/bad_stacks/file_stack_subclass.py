# expect: {file}: stack: cannot pass MyStack (defined in the stack file) out of the stack file (allowed: infra's models holding str, int, float, bool, None, list, tuple and dict values)
from infra import Cluster, DisasterRecovery, NodePool, Stack


class MyStack(Stack):
    """Stack files run in a child process: only infra's own classes come back from it."""


stack = MyStack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
