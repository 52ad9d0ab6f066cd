# expect: {file}: s/tags.aliyun-team: tags may not start with 'aliyun' or 'acs:' on Alibaba Cloud (reserved)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    tags={"aliyun-team": "ml"},
    clusters=[
        Cluster(name="c", cloud="alicloud", region="cn-beijing", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='A10', gpus=1)]),
    ],
)
