# The Alibaba Cloud cluster module takes VPCs of /16 to /20; /13 and /24 used to validate.
# expect: {file}: s/clusters[0].cidr: prefix /13 is not allowed for Alibaba Cloud networks (allowed: /16 to /20)
# expect: {file}: s/clusters[1].cidr: prefix /24 is not allowed for Alibaba Cloud networks (allowed: /16 to /20)
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="alicloud", region="cn-beijing", cidr="10.0.0.0/13",
                pools=[NodePool(name="p", gpu="A10", gpus=1)]),
        Cluster(name="d", cloud="alicloud", region="cn-beijing", cidr="10.8.0.0/24",
                pools=[NodePool(name="p", gpu="A10", gpus=1)]),
    ],
)
