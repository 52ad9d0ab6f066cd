# AKS admin groups are Entra ID group object ids (GUIDs), each listed once (case does not
# make another group); a group's display name or a user's UPN is not an object id.
# expect: {file}: s/clusters[0].admins[0]: invalid admin 'platform-oncall' (allowed: Entra ID group object ids (GUIDs), e.g. 00000000-0000-0000-0000-000000000000)
# expect: {file}: s/clusters[0].admins[2]: admin '0A1B2C3D-0000-4000-8000-00000000AB12' is listed twice (first at clusters[0].admins[1])
# expect: {file}: s/clusters[0].admins[3]: invalid admin '0a1b2c3d00004000800000000000ab12' (allowed: Entra ID group object ids (GUIDs), e.g. 00000000-0000-0000-0000-000000000000)
from infra import Cluster, NodePool, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name="gpu", gpu="H100", gpus=8)],
                admins=("platform-oncall",
                        "0a1b2c3d-0000-4000-8000-00000000ab12",
                        "0A1B2C3D-0000-4000-8000-00000000AB12",
                        "0a1b2c3d00004000800000000000ab12")),
    ],
)
