# expect: {file}: s/clusters[0].cloud: unknown cloud 'awz' (did you mean 'aws'? allowed: alicloud, aws, azure)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="awz", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)]),
    ],
)
