# expect: {file}:5: stack file called sys.exit(0) before it finished; a stack file must run to its end and define `stack` or `stacks`
import sys

from infra import Cluster, DisasterRecovery, NodePool, Stack
sys.exit(0)
