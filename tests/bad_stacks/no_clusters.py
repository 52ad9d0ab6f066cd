# expect: {file}: s/clusters: a stack needs at least one cluster
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(name="s", owner="ml", environment="prod", clusters=[])
