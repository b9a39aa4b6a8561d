"""What the rendered overlays ask of the operators and of Kubernetes that no schema can see: a broker
volume above its disk alarm, autoscalers left to count replicas, connections for every pool. Each test
failed on 18fa6d3 (the second review of issue 20's manifests)."""

import re

import pytest

from shared.plumbing.db import make_engine
from tests.unit.test_k8s_manifests import OVERLAYS, deployments, named, of_kind, rendered

BYTES = {"": 1, "k": 1024, "kiB": 1024, "kB": 1000, "M": 1024**2, "MiB": 1024**2, "MB": 1000**2,
         "G": 1024**3, "GiB": 1024**3, "GB": 1000**3}  # rabbitmq.conf's information units
QUANTITY = {"Mi": 1024**2, "Gi": 1024**3, "M": 1000**2, "G": 1000**3}  # Kubernetes' (those used here)
QUORUM_WAL_BYTES = 512 * 1024**2  # a quorum queue node's WAL file grows to this before it rolls over
EXT4_USABLE = 0.9  # of a fresh ext4 volume, free to a non-root process (5 % reserved, journal, inodes)


def quantity(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([A-Za-z]*)", text).groups()
    return int(number) * QUANTITY[unit]


def broker_disk_floor(cluster: dict) -> int:
    config = cluster["spec"]["rabbitmq"]["additionalConfig"]
    number, unit = re.search(r"^disk_free_limit\.absolute\s*=\s*(\d+)(\w*)$", config, re.M).groups()
    return int(number) * BYTES[unit]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_rabbitmq_node_starts_with_more_free_disk_than_its_alarm_floor(overlay):
    """Below disk_free_limit RabbitMQ blocks every publishing connection: a volume that starts under
    the floor (plus a quorum WAL file) never accepts an event."""
    cluster = named(rendered(overlay), "RabbitmqCluster", "rabbitmq")
    usable = quantity(cluster["spec"]["persistence"]["storage"]) * EXT4_USABLE
    assert broker_disk_floor(cluster) + QUORUM_WAL_BYTES < usable


def test_prod_leaves_the_replica_count_of_an_autoscaled_deployment_to_its_autoscaler():
    """Kubernetes' HPA docs: a spec.replicas in the manifest resets the autoscaler's count at every apply."""
    documents = rendered("prod")
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(documents, "HorizontalPodAutoscaler")}
    assert scaled == {"registry", "reporting"}
    assert {name: d["spec"].get("replicas") for name, d in deployments("prod").items() if name in scaled} == {
        "registry": None, "reporting": None}


def test_prod_postgresql_takes_every_connection_the_services_pools_may_open_at_their_largest():
    documents = rendered("prod")
    engine = make_engine("postgresql+psycopg2://review:review@127.0.0.1:5432/review")  # never connects
    per_process = engine.pool.size() + engine.pool._max_overflow
    largest = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"]
               for h in of_kind(documents, "HorizontalPodAutoscaler")}
    processes = sum(largest[name] if name in largest else d["spec"]["replicas"]
                    for name, d in deployments("prod").items())
    parameters = named(documents, "Cluster", "ecd-postgres")["spec"]["postgresql"]["parameters"]
    superuser_reserved = 3  # PostgreSQL's default superuser_reserved_connections
    assert processes * per_process <= int(parameters["max_connections"]) - superuser_reserved
