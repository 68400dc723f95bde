"""docker-compose.yml, checked without Docker (no engine here): it parses, images are pinned,
services are health-checked and wait for what they need, every variable is documented in
.env.example, and the published ports are the ones the README documents."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.support.paths import ROOT

COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
# what the README's "Production (Docker Compose)" section documents: service -> host ports
PORTS = {"elasticsearch": {9200}, "kibana": {5601}, "airflow-apiserver": {8080}, "mailpit": {8025, 1025}}
# ${X} is set from .env; $${X} is the container's own variable (not interpolated by compose)
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}")
CONDITIONS = {"service_healthy", "service_completed_successfully", "service_started"}


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def one_shot() -> set[str]:
    """Services others wait on to *complete* (set-up jobs that exit)."""
    return {
        name
        for svc in services().values()
        for name, dep in (svc.get("depends_on") or {}).items()
        if isinstance(dep, dict) and dep.get("condition") == "service_completed_successfully"
    }


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return values


def test_compose_parses_with_the_expected_services() -> None:
    names = set(services())
    assert {
        "elasticsearch",
        "kibana",
        "postgres",
        "mailpit",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-init",
        "newsmon-init",
    } <= names


def test_images_are_pinned_or_built() -> None:
    for name, svc in services().items():
        assert "image" in svc or "build" in svc, name
        image = svc.get("image", "")
        if "build" in svc:
            continue
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and "/" not in tag, f"{name}: {image!r}"
        assert re.search(r"\d", tag), f"{name}: tag {tag!r} is not a version"


def test_elastic_stack_versions_match() -> None:
    es = services()["elasticsearch"]["image"].rpartition(":")[2]
    kibana = services()["kibana"]["image"].rpartition(":")[2]
    assert es == kibana and es.startswith("9.")


def test_long_running_services_have_healthchecks_and_one_shots_do_not_restart() -> None:
    jobs = one_shot()
    assert {"airflow-init", "newsmon-init", "es-setup"} <= jobs
    for name, svc in services().items():
        if name in jobs:
            assert str(svc.get("restart", "no")) == "no", name
            continue
        check = svc.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name}: no healthcheck"


def test_depends_on_uses_conditions_on_checked_services() -> None:
    all_services = services()
    for name, svc in all_services.items():
        deps = svc.get("depends_on") or {}
        assert isinstance(deps, dict), f"{name}: depends_on needs the long form with conditions"
        for dep, spec in deps.items():
            assert dep in all_services, f"{name} depends on unknown {dep}"
            condition = spec.get("condition")
            assert condition in CONDITIONS - {"service_started"}, f"{name} -> {dep}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in all_services[dep], f"{dep} has no healthcheck"
    scheduler = all_services["airflow-scheduler"]["depends_on"]
    assert scheduler["newsmon-init"]["condition"] == "service_completed_successfully"
    assert all_services["kibana"]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"


def test_every_variable_is_documented_in_env_example() -> None:
    used = set(VARIABLE.findall(COMPOSE.read_text(encoding="utf-8")))
    documented = set(env_example())
    assert used, "expected ${VAR} references in docker-compose.yml"
    assert not used - documented, f"undocumented in .env.example: {sorted(used - documented)}"
    assert not documented - used, f"unused in docker-compose.yml: {sorted(documented - used)}"


def test_security_on_and_secrets_only_from_env() -> None:
    es = services()["elasticsearch"]["environment"]
    assert es["xpack.security.enabled"] == "true"
    assert es["ELASTIC_PASSWORD"] == "${ELASTIC_PASSWORD}"
    assert "-Xms${ES_HEAP}" in es["ES_JAVA_OPTS"]
    assert any("/usr/share/elasticsearch/data" in v for v in services()["elasticsearch"]["volumes"])
    text = COMPOSE.read_text(encoding="utf-8")
    for key, value in env_example().items():
        if "PASSWORD" in key or "SECRET" in key or "KEY" in key:
            assert not value or value not in text, f"{key}'s example value is hard-coded"


def test_airflow_runs_local_executor_on_postgres() -> None:
    env = services()["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT" in env and "AIRFLOW_CONN_SMTP_DEFAULT" in env
    assert services()["airflow-apiserver"]["command"] == "api-server"
    assert services()["airflow-dag-processor"]["command"] == "dag-processor"
    assert services()["airflow-triggerer"]["command"] == "triggerer"


def published_ports() -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for name, svc in services().items():
        for port in svc.get("ports") or []:
            parts = str(port).split(":")
            assert len(parts) == 3 and parts[0] == "127.0.0.1", f"{name}: bind {port} to 127.0.0.1"
            found.setdefault(name, set()).add(int(parts[1]))
    return found


def test_published_ports_are_the_documented_ones() -> None:
    assert published_ports() == PORTS
    header = COMPOSE.read_text(encoding="utf-8").split("services:")[0]
    for ports in PORTS.values():
        for port in ports:
            assert f"localhost:{port}" in header


def test_readme_production_section_lists_the_ports() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^##+ Production \(Docker Compose\)\s*$(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, "README has no 'Production (Docker Compose)' section"
    section = match.group(1)
    for ports in PORTS.values():
        for port in ports:
            assert f"localhost:{port}" in section, f"README does not mention localhost:{port}"


def test_dockerfile_and_scripts_exist() -> None:
    build = services()["airflow-apiserver"]["build"]
    dockerfile = ROOT / build["dockerfile"]
    text = dockerfile.read_text(encoding="utf-8")
    assert re.search(r"^FROM apache/airflow:3\.\d+\.\d+-python3\.11$", text, re.M)
    for script in ("docker/newsmon-init.sh", "docker/es-setup.sh"):
        assert (ROOT / script).is_file() and (ROOT / script).read_text().startswith("#!")
    assert "python -m pipeline init" in (ROOT / "docker/newsmon-init.sh").read_text()
    assert "kibana import" in (ROOT / "docker/newsmon-init.sh").read_text()


def rendered_airflow_env() -> dict[str, str]:
    """The Airflow containers' environment with .env.example's values filled in."""
    values = env_example()
    env = services()["airflow-scheduler"]["environment"]
    return {key: VARIABLE.sub(lambda m: values[m.group(1)], str(value)) for key, value in env.items()}


def test_connections_render_to_valid_json() -> None:
    import json

    env = rendered_airflow_env()
    es = json.loads(env["AIRFLOW_CONN_ELASTICSEARCH_DEFAULT"])
    assert (es["host"], es["port"], es["login"]) == ("elasticsearch", 9200, "elastic")
    smtp = json.loads(env["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert (smtp["host"], smtp["port"]) == ("mailpit", 1025)
    assert smtp["extra"]["disable_ssl"] is True and smtp["extra"]["disable_tls"] is True
