# expect: {file}: s/owner: 'ml\ud800' has control or invisible characters (allowed: printable text)
from infra import Cluster, DisasterRecovery, NodePool, Stack

# A lone surrogate in the owner used to pass validation and crash render (it is hashed into
# globally unique names and cannot be encoded).
stack = Stack(
    name="s", owner="ml\ud800", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
