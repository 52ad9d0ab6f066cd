# expect: {file}:5: EOFError: EOF when reading a line
from infra import Cluster, DisasterRecovery, NodePool, Stack

# A stack file reads nothing from stdin: it cannot wait for an answer nobody gives.
owner = input("owner? ")
