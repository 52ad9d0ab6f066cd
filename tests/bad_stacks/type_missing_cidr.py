# expect: {file}: s/clusters[0].cidr: required field is missing
from infra import Cluster, DisasterRecovery, NodePool, Stack

stack = Stack(name="s", owner="ml", environment="prod",
              clusters=[Cluster(name="c", cloud="aws", region="us-east-1")])
