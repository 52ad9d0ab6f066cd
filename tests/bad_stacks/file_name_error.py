# expect: {file}:4: NameError: name 'NAME' is not defined
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(name=NAME, owner="ml", environment="prod", clusters=[])
