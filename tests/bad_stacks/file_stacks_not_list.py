# expect: {file}: stacks: expected a list of Stack, got str
from infra import Cluster, DisasterRecovery, NodePool, Stack

stacks = "s"
