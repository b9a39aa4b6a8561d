"""The Kubernetes base stays in step with the services: names, ports, probes, limits."""

import base64
import json
import re
from pathlib import Path

import pytest
import yaml

from tools.access import kubernetes

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "k8s" / "base"
SERVICES = ("reporting", "registry", "health", "education", "protection")


def documents(path: Path) -> dict[str, dict]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(path.read_text())}


def default_port(service: str) -> int:
    config = (ROOT / "services" / service / "config.yml").read_text()
    return int(re.search(r"WEB_SERVER_ADDRESS: \$\{\w+:0\.0\.0\.0:(\d+)\}", config).group(1))


def test_the_base_lists_every_service_file():
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert {f"{service}.yaml" for service in SERVICES} <= set(kustomization["resources"])


@pytest.mark.parametrize("service", SERVICES)
def test_each_deployment_runs_its_service_on_its_port_with_probes_and_limits(service):
    docs = documents(BASE / f"{service}.yaml")
    container = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == service
    assert container["args"] == ["nameko", "run", "--config", f"services/{service}/config.yml",
                                 f"services.{service}.service"]
    assert container["ports"] == [{"name": "http", "containerPort": default_port(service)}]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert docs["Service"]["spec"]["ports"][0]["port"] == default_port(service)


@pytest.mark.parametrize("service", SERVICES)
def test_nameko_run_finds_exactly_the_one_service_in_each_module(service):
    from nameko.cli.run import import_service

    assert [cls.name for cls in import_service(f"services.{service}.service")] == [service]


def referenced_secrets_and_config_maps() -> set[tuple[str, str]]:
    """Every Secret and ConfigMap the base's Deployments name (env, envFrom, volumes)."""
    found = set()
    for path in sorted((ROOT / "deploy" / "k8s" / "base").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            pod = (document or {}).get("spec", {}).get("template", {}).get("spec")
            if document.get("kind") != "Deployment" or not pod:
                continue
            for container in pod["containers"]:
                for env in container.get("env", []):
                    ref = env.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        found.add(("Secret", ref["name"]))
            for volume in pod.get("volumes", []):
                if "secret" in volume:
                    found.add(("Secret", volume["secret"]["secretName"]))
                if "configMap" in volume:
                    found.add(("ConfigMap", volume["configMap"]["name"]))
    return found


def test_tools_access_kubernetes_prints_every_secret_and_config_map_the_services_need(tmp_path, monkeypatch):
    monkeypatch.setenv("BROKER_USER_PREFIX", "ecd-")
    made = {(m["kind"], m["metadata"]["name"]) for m in kubernetes.manifests(tmp_path)}
    by_hand = {("Secret", "ecd-secrets")}  # database and notes keys: made by the operator (README)
    assert referenced_secrets_and_config_maps() - by_hand == made
    trust = next(m for m in kubernetes.manifests(tmp_path) if m["kind"] == "ConfigMap")
    assert sorted(trust["data"]) == ["dev.jwks.json", "issuers.json", "services.jwks.json"]
    assert "PRIVATE KEY" not in json.dumps(trust["data"])


def test_the_committed_broker_users_are_what_tools_access_derives_from_the_services():
    path = ROOT / "deploy" / "k8s" / "topology" / "broker-users.yaml"
    committed = list(yaml.safe_load_all(path.read_text()))
    assert committed == kubernetes.topology("ecd-")
    assert [d["kind"] for d in committed].count("User") == len(SERVICES)


def test_each_operator_user_imports_a_secret_tools_access_prints_with_username_and_password(tmp_path,
                                                                                            monkeypatch):
    monkeypatch.setenv("BROKER_USER_PREFIX", "ecd-")
    secrets = {m["metadata"]["name"]: m["data"] for m in kubernetes.manifests(tmp_path)
               if m["kind"] == "Secret"}
    for user in (d for d in kubernetes.topology("ecd-") if d["kind"] == "User"):
        data = secrets[user["spec"]["importCredentialsSecret"]["name"]]
        assert (sorted(data), base64.b64decode(data["username"]).decode()) == (
            ["password", "username"], user["metadata"]["name"])


def test_each_database_secret_tools_access_prints_is_the_basic_auth_of_the_role_named_as_its_service(
        tmp_path, monkeypatch):
    """CloudNativePG's managed role reads a kubernetes.io/basic-auth Secret whose username is the role."""
    monkeypatch.setenv("BROKER_USER_PREFIX", "ecd-")
    secrets = {m["metadata"]["name"]: m for m in kubernetes.manifests(tmp_path) if m["kind"] == "Secret"}
    for service in SERVICES:
        secret = secrets[f"ecd-{service}-db"]
        assert (secret["type"], secret["metadata"]["labels"]) == ("kubernetes.io/basic-auth",
                                                                  {"cnpg.io/reload": "true"})
        assert base64.b64decode(secret["data"]["username"]).decode() == service
        assert len(base64.b64decode(secret["data"]["password"])) == 32
    again = {m["metadata"]["name"]: m for m in kubernetes.manifests(tmp_path) if m["kind"] == "Secret"}
    assert again["ecd-health-db"]["data"] == secrets["ecd-health-db"]["data"]  # made once, then reused
