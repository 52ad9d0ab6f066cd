# expect: {file}: s/clusters[0].zones: 5 zones (allowed: at most 4 for Alibaba Cloud clusters, as the network is split into one subnet range per zone)
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="alicloud", region="cn-beijing", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="A10", gpus=1)],
                zones=["cn-beijing-a", "cn-beijing-g", "cn-beijing-h", "cn-beijing-i",
                       "cn-beijing-j"]),
    ],
)
