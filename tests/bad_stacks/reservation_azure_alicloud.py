# Azure takes the ARM id of a capacity reservation group; Alibaba Cloud an elasticity assurance
# (eap-) or capacity reservation (crp-) id; each in a zone of its cluster.
# expect: {file}: s/clusters[0].pools[0].reservation.id: invalid capacity-reservation-group id 'crg-1' (allowed: the ARM id of a capacity reservation group, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Compute/capacityReservationGroups/<name>)
# expect: {file}: s/clusters[0].pools[0].reservation.zone: '4' is not a zone of the cluster (allowed: 1, 2, 3)
# expect: {file}: s/clusters[1].pools[0].reservation.id: invalid elasticity-assurance id 'crp-bp67acfmxazb4ph1' (allowed: an elasticity assurance id eap-<lowercase letters and digits>)
# expect: {file}: s/clusters[1].pools[0].reservation.ends: 'next year' is not a date (allowed: YYYY-MM-DD)
from infra import Cluster, NodePool, Reservation, Stack

stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="az", cloud="azure", region="eastus", cidr="10.0.0.0/16",
                pools=[NodePool(name="h100", gpu="H100", gpus=8,
                                reservation=Reservation(
                                    kind="capacity-reservation-group", id="crg-1",
                                    instance_type="Standard_ND96isr_H100_v5", zone="4",
                                    instances=1))]),
        Cluster(name="ali", cloud="alicloud", region="cn-beijing", cidr="10.1.0.0/16",
                pools=[NodePool(name="a10", gpu="A10", gpus=1,
                                instance_type="ecs.gn7i-c8g1.2xlarge",
                                reservation=Reservation(
                                    kind="elasticity-assurance", id="crp-bp67acfmxazb4ph1",
                                    instance_type="ecs.gn7i-c8g1.2xlarge", zone="cn-beijing-a",
                                    instances=1, ends="next year"))]),
    ],
)
