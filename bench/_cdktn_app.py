"""CDK for Terraform (cdktn) synthesis of the AWS part of a synthetic estate: per AWS cluster a
TerraformStack with the AWS provider, the EKS cluster and one EksNodeGroup per pool (primary and
standby, the counts the real render wrote), synthesised to cdk.tf.json. Runs on the
bench/.venv-cdktn Python; prints the build+synth seconds (the whole process is timed outside,
jsii's Node.js start-up included).

usage: python bench/_cdktn_app.py COUNTS.json OUT_DIR
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from cdktn import App, TerraformStack
from cdktn_provider_aws.eks_cluster import EksCluster, EksClusterVpcConfig
from cdktn_provider_aws.eks_node_group import EksNodeGroup, EksNodeGroupScalingConfig
from cdktn_provider_aws.provider import AwsProvider


def main(counts_file: str, out: str) -> None:
    counts: dict[str, list[int]] = json.loads(Path(counts_file).read_text(encoding="utf-8"))
    started = time.perf_counter()
    app = App(outdir=out)
    for cluster, (primary, standby) in counts.items():
        stack = TerraformStack(app, cluster.replace("/", "-"))
        AwsProvider(stack, "aws", region="us-east-1")
        eks = EksCluster(
            stack,
            "cluster",
            name=cluster.replace("/", "-"),
            role_arn="arn:aws:iam::111122223333:role/eks",
            vpc_config=EksClusterVpcConfig(subnet_ids=["subnet-1", "subnet-2"]),
        )
        for index in range(primary + standby):
            size = 0 if index >= primary else 1
            EksNodeGroup(
                stack,
                f"p{index:03d}",
                cluster_name=eks.name,
                node_group_name=f"p{index:03d}",
                node_role_arn="arn:aws:iam::111122223333:role/nodes",
                subnet_ids=["subnet-1", "subnet-2"],
                instance_types=["p4de.24xlarge"],
                scaling_config=EksNodeGroupScalingConfig(
                    desired_size=size, min_size=size, max_size=2
                ),
                labels={"gpu": "A100-80GB"},
            )
    app.synth()
    print(f"build+synth {time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
