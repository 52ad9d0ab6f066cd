# EKS access entries take IAM role or user ARNs: not an assumed-role session, not a bare
# account, not another cloud's id; a principal can be in one access entry only.
# expect: {file}: s/clusters[0].admins[1]: invalid admin 'arn:aws:sts::111122223333:assumed-role/oncall/alice' (allowed: IAM role or user ARNs arn:aws:iam::<12-digit account>:role/<name> or :user/<name>, e.g. arn:aws:iam::111122223333:role/oncall)
# expect: {file}: s/clusters[0].admins[2]: invalid admin 'arn:aws:iam::1111:role/oncall' (allowed: IAM role or user ARNs arn:aws:iam::<12-digit account>:role/<name> or :user/<name>, e.g. arn:aws:iam::111122223333:role/oncall)
# expect: {file}: s/clusters[0].admins[3]: admin 'arn:aws:iam::111122223333:role/oncall' is listed twice (first at clusters[0].admins[0])
# expect: {file}: s/clusters[0].admins[4]: invalid admin '00000000-0000-0000-0000-000000000000' (allowed: IAM role or user ARNs arn:aws:iam::<12-digit account>:role/<name> or :user/<name>, e.g. arn:aws:iam::111122223333:role/oncall)
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="H100", gpus=8)],
                admins=("arn:aws:iam::111122223333:role/oncall",
                        "arn:aws:sts::111122223333:assumed-role/oncall/alice",
                        "arn:aws:iam::1111:role/oncall",
                        "arn:aws:iam::111122223333:role/oncall",
                        "00000000-0000-0000-0000-000000000000")),
    ],
)
