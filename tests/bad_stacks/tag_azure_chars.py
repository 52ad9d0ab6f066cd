# expect: {file}: s/tags.team/name: tag key has characters Azure does not allow (not allowed: < > % & \ ? /)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    tags={"team/name": "ml"},
    clusters=[
        Cluster(name="c", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpus=8)]),
    ],
)
