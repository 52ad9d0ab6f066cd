# expect: {file}: defines neither `stack` nor `stacks` (allowed: stack = Stack(...) or stacks = [Stack(...), ...])
from infra import Cluster, DisasterRecovery, NodePool, Stack

stacks_ = []
