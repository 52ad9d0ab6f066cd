# expect: {file}:4: syntax error: '(' was never closed
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(name="s", owner="ml",
