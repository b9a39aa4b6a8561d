"""The Kubernetes base stays in step with the services: names, ports, probes, limits."""

import re
from pathlib import Path

import pytest
import yaml

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
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert docs["Service"]["spec"]["ports"][0]["port"] == default_port(service)


@pytest.mark.parametrize("service", SERVICES)
def test_nameko_run_finds_exactly_the_one_service_in_each_module(service):
    from nameko.cli.run import import_service

    assert [cls.name for cls in import_service(f"services.{service}.service")] == [service]
