# An AWS reservation is checked offline against its pool: the kind is one AWS sells, the id is
# a cr- id, it holds the pool's instance type in one of the cluster's zones, a spot pool takes
# none, the pool may not grow past the instances (EC2 refuses launches beyond a targeted
# reservation), a Capacity Block needs the contract's hourly_rate and must not have ended.
# expect: {file}: s/clusters[0].pools[0].reservation.kind: unknown AWS reservation kind 'capacity-reservation-group' (did you mean 'capacity-reservation'? allowed: capacity-block, capacity-reservation)
# expect: {file}: s/clusters[0].pools[1].reservation.id: invalid capacity-reservation id 'cr-XYZ' (allowed: an EC2 capacity reservation id cr-<8 to 17 hex digits>, e.g. cr-0123456789abcdef0)
# expect: {file}: s/clusters[0].pools[1].reservation.instance_type: 'p4d.24xlarge' is not the pool's instance type (allowed: p5.48xlarge; a reservation holds one instance type)
# expect: {file}: s/clusters[0].pools[1].reservation.zone: 'us-west-2a' is not a zone of the cluster (allowed: us-east-1a, us-east-1b, us-east-1c)
# expect: {file}: s/clusters[0].pools[2].reservation: a spot pool cannot launch into a reservation (allowed: spot=False with a reservation, or no reservation)
# expect: {file}: s/clusters[0].pools[3].reservation.instances: the pool may grow to 4 nodes but the reservation holds 2 and AWS refuses launches beyond it (allowed: max nodes <= 2)
# expect: {file}: s/clusters[0].pools[4].reservation.hourly_rate: required for a capacity-block: it has no public fixed rate (allowed: the USD per instance-hour your contract says)
# expect: {file}: s/clusters[0].pools[4].reservation.ends: the reservation ended on 2020-01-31 (allowed: today or a later date)
from infra import Cluster, NodePool, Reservation, Stack


def cr(kind="capacity-reservation", id="cr-0123456789abcdef0", instance_type="p5.48xlarge",
       zone="us-east-1a", instances=1, **more):
    return Reservation(kind=kind, id=id, instance_type=instance_type, zone=zone,
                       instances=instances, **more)


stack = Stack(
    name="s", owner="ml", environment="prod",
    clusters=[
        Cluster(name="c", cloud="aws", region="us-east-1", cidr="10.0.0.0/16",
                zones=("us-east-1a", "us-east-1b", "us-east-1c"),
                pools=[NodePool(name="a", gpu="H100", gpus=8,
                                reservation=cr(kind="capacity-reservation-group")),
                       NodePool(name="b", gpu="H100", gpus=8,
                                reservation=cr(id="cr-XYZ", instance_type="p4d.24xlarge",
                                               zone="us-west-2a")),
                       NodePool(name="c", gpu="H100", gpus=8, spot=True, reservation=cr()),
                       NodePool(name="d", gpu="H100", gpus=16, max_gpus=32,
                                reservation=cr(instances=2)),
                       NodePool(name="e", gpu="H100", gpus=8,
                                reservation=cr(kind="capacity-block", ends="2020-01-31"))]),
    ],
)
