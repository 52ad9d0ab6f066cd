# expect: {file}: s/tags.team\n: tag has control or invisible characters (allowed: printable text)
# expect: {file}: s/tags.tier\ud800: tag has control or invisible characters (allowed: printable text)
from infra import Cluster, DisasterRecovery, NodePool, Stack

# Azure and Alibaba Cloud tag rules let these through: a newline in a key broke the rendered
# HCL, a lone surrogate in a key crashed the Alibaba Cloud tag check.
stack = Stack(
    name="s", owner="ml", environment="prod",
    tags={"team\n": "x", "tier\ud800": "gold"},
    clusters=[
        Cluster(name="c", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
        Cluster(name="d", cloud="alicloud", region="cn-beijing", cidr="10.1.0.0/16",
                pools=[NodePool(name="p", gpu="A10", gpus=1)]),
    ],
)
