# expect: {file}: stack file closed stdout (sys.stdout.close() or os.close(1)); a stack file may write to stdout but must not close it
import sys

from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
sys.stdout.close()
