# expect: {file}: s/clusters[0].pools[0].gpu: unknown GPU 'H10' (did you mean 'H100'? allowed: A10, A100-40GB, A100-80GB, A10G, H100, H200)
import os
import subprocess
import sys

from infra import Cluster, DisasterRecovery, NodePool, Stack

# All of it goes to stderr while the file loads: stdout stays the CLI's alone.
print("loading")
os.write(1, b"written to fd 1\n")
subprocess.run([sys.executable, "-c", "print('from a subprocess')"], check=True)

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H10", gpus=8)]),
    ],
)
