# expect: {file}: s/clusters[0].pools[0].taints[0]: invalid taint 'gpu=true:NoSchedul' (allowed: key=value:Effect or key:Effect, Effect one of NoExecute, NoSchedule, PreferNoSchedule)
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name='p', gpu='H100', gpus=8, taints=['gpu=true:NoSchedul'])]),
    ],
)
