# ACK permissions take a RAM user id or a RAM role id (numeric ids; the kind must be written,
# as "user:<id>" or "role:<id>"), not a RAM ARN or a name.
# expect: {file}: s/clusters[0].admins[0]: invalid admin '2367000000000001' (allowed: RAM users or roles by id, user:<RAM user id> or role:<RAM role id> (digits))
# expect: {file}: s/clusters[0].admins[1]: invalid admin 'acs:ram::1234567890123456:role/oncall' (allowed: RAM users or roles by id, user:<RAM user id> or role:<RAM role id> (digits))
# expect: {file}: s/clusters[0].admins[3]: admin 'role:3000000000000002' is listed twice (first at clusters[0].admins[2])
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="alicloud", region="cn-beijing", cidr="10.0.0.0/16",
                pools=[NodePool(name="p", gpu="A10", gpus=1)],
                admins=("2367000000000001",
                        "acs:ram::1234567890123456:role/oncall",
                        "role:3000000000000002",
                        "role:3000000000000002",
                        "user:2367000000000001")),
    ],
)
