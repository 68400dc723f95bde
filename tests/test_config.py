"""Config errors are one line naming the file and the field; every number has a checked range.

Covers issue 12 point 4: out-of-range, non-finite and boolean numbers in newsmon.yaml (top level,
fetch keys and the alerts/smtp/retention sections), environment overrides, files that are not
UTF-8, not YAML or not a mapping (newsmon.yaml, feeds.yaml and alerts.yaml), and the CLI exiting
with that one line and no traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.alerts.rules import load_rules
from pipeline.config import (
    BLOCKS,
    SETTINGS,
    ConfigError,
    Range,
    load_feeds,
    load_settings,
    load_yaml,
    parse_settings,
)
from tests.support.paths import ROOT

REPO_SETTINGS = ROOT / "config" / "newsmon.yaml"


def write(tmp_path: Path, text: str, name: str = "feeds.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, loader: Callable[[Path], Any] = load_feeds) -> str:
    with pytest.raises(ConfigError) as info:
        loader(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def settings_error(tmp_path: Path, text: str) -> str:
    """The error of a newsmon.yaml holding ``text``, with the file path replaced by FILE."""
    path = write(tmp_path, text, "newsmon.yaml")
    return error_of(path, load_settings).replace(str(path), "FILE")


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """The overrides below are set by the tests that need them, never inherited."""
    for var in (
        "ELASTICSEARCH_URL",
        "NEWSMON_INDEX_PREFIX",
        "NEWSMON_KIBANA_URL",
        "NEWSMON_ALLOW_PRIVATE",
        "NEWSMON_RETENTION_MONTHS",
        "NEWSMON_SMTP_PORT",
        "NEWSMON_SETTINGS",
        "NEWSMON_ES_REPLICAS",
    ):
        monkeypatch.delenv(var, raising=False)


# --------------------------------------------------------------------------- feeds.yaml


def test_valid_feeds_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "feeds:\n  - url: https://example.org/rss\n    name: Example\n"
        "    tags: [world]\n    language: en\n    interval: 30\n",
    )
    (feed,) = load_feeds(path)
    assert (feed.url, feed.name, feed.tags, feed.language, feed.interval_minutes) == (
        "https://example.org/rss",
        "Example",
        ("world",),
        "en",
        30,
    )


def test_missing_field_names_it(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "feeds:\n  - url: https://example.org/rss\n"))
    assert "feeds[0].name" in message and "missing" in message


def test_bad_url_names_it(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "feeds:\n  - url: ftp:/nope\n    name: X\n"))
    assert "feeds[0].url" in message and "ftp:/nope" in message


def test_bad_yaml_gives_line(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "feeds:\n  - url: [unclosed\n    name: X\n"))
    assert "invalid YAML" in message and "line" in message


def test_unknown_field_and_duplicates(tmp_path: Path) -> None:
    assert "feeds[0].urll" in error_of(write(tmp_path, "feeds:\n  - urll: https://a.org/\n"))
    dup = "feeds:\n  - {url: 'https://a.org/r', name: A}\n  - {url: 'https://a.org/r', name: B}\n"
    assert "duplicate" in error_of(write(tmp_path, dup))


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("0", "must be between 1 and 10080, not 0"),
        ("true", "must be an integer between 1 and 10080, not a boolean (true)"),
        (".nan", "must be a finite number between 1 and 10080, not nan"),
    ],
)
def test_feed_interval_range(tmp_path: Path, interval: str, expected: str) -> None:
    path = write(tmp_path, f"feeds:\n  - url: https://a.org/r\n    name: A\n    interval: {interval}\n")
    assert error_of(path) == f"{path}: feeds[0].interval: {expected}"


def test_missing_file(tmp_path: Path) -> None:
    assert "file not found" in error_of(tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- newsmon.yaml


def test_settings_validation(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "max_bytes: lots\n", "newsmon.yaml"), load_settings)
    assert "max_bytes" in message and "integer" in message
    message = error_of(write(tmp_path, "pol_interval: 3\n", "newsmon.yaml"), load_settings)
    assert "pol_interval" in message and "unknown" in message


# One row per bad value of issue 12 point 4, then the other numeric keys and sections.
BAD_SETTINGS = [
    ("poll_interval_minutes: 0", "poll_interval_minutes: must be between 1 and 10080, not 0"),
    ("max_backoff_minutes: -5", "max_backoff_minutes: must be between 1 and 43200, not -5"),
    ("retries: -3", "retries: must be between 0 and 10, not -3"),
    ("max_bytes: 0", "max_bytes: must be between 1024 and 1000000000, not 0"),
    ("total_timeout: -1", "total_timeout: must be greater than 0 and at most 3600, not -1"),
    (
        "total_timeout: .nan",
        "total_timeout: must be a finite number greater than 0 and at most 3600, not nan",
    ),
    ("retries: true", "retries: must be an integer between 0 and 10, not a boolean (true)"),
    ("poll_interval_minutes: 10081", "poll_interval_minutes: must be between 1 and 10080, not 10081"),
    (
        "poll_interval_minutes: .inf",
        "poll_interval_minutes: must be a finite number between 1 and 10080, not inf",
    ),
    ("poll_interval_minutes:", "poll_interval_minutes: must be an integer between 1 and 10080, not null"),
    ("retries: 2.5", "retries: must be an integer between 0 and 10, not 2.5"),
    ("retries: '2'", "retries: must be an integer between 0 and 10, not a string ('2')"),
    ("retries: 11", "retries: must be between 0 and 10, not 11"),
    ("connect_timeout: 0", "connect_timeout: must be greater than 0 and at most 300, not 0"),
    (
        "connect_timeout: -.inf",
        "connect_timeout: must be a finite number greater than 0 and at most 300, not -inf",
    ),
    ("per_host_delay: -0.5", "per_host_delay: must be between 0 and 60, not -0.5"),
    ("per_host_delay: false", "per_host_delay: must be a number between 0 and 60, not a boolean (false)"),
    ("fetch_concurrency: 0", "fetch_concurrency: must be between 1 and 256, not 0"),
    ("per_host_concurrency: 0", "per_host_concurrency: must be between 1 and 64, not 0"),
    ("max_redirects: -1", "max_redirects: must be between 0 and 20, not -1"),
    ("max_bytes: 1023", "max_bytes: must be between 1024 and 1000000000, not 1023"),
    ("analyze: 1", "analyze: must be true or false, not 1"),
    ("entities: fast", "entities: must be head or spacy, not 'fast'"),
    ("kibana_url: localhost:5601", "kibana_url: not an http(s) URL: 'localhost:5601'"),
    ("index_prefix: News", "index_prefix: not a valid lower-case index prefix: 'News'"),
    (
        "allow_private: 127.0.0.1",
        "allow_private: must be a list of CIDRs or host names, not a string ('127.0.0.1')",
    ),
    ("allow_private: [127.0.0.1/33]", "allow_private[0]: not a valid IP address or CIDR: '127.0.0.1/33'"),
    ("allow_private: [10]", "allow_private[0]: must be a CIDR or a host name, not 10"),
    ("allow_private: ['bad host']", "allow_private[0]: not a valid host name: 'bad host'"),
    ("alerts: {lookback_hours: -1}", "alerts.lookback_hours: must be between 0 and 8760, not -1"),
    (
        "alerts: {overlap_seconds: .nan}",
        "alerts.overlap_seconds: must be a finite number between 0 and 3600, not nan",
    ),
    ("alerts: {lease_seconds: 5}", "alerts.lease_seconds: must be between 30 and 86400, not 5"),
    (
        "alerts: {lookback_hours: true}",
        "alerts.lookback_hours: must be a number between 0 and 8760, not a boolean (true)",
    ),
    ("alerts: {lookback_hour: 3}", "alerts.lookback_hour: unknown setting"),
    ("alerts: [1]", "alerts: must be a mapping of setting: value, not a list"),
    ("smtp: {port: 0}", "smtp.port: must be between 1 and 65535, not 0"),
    ("smtp: {port: 70000}", "smtp.port: must be between 1 and 65535, not 70000"),
    ("smtp: {ssl: 'yes'}", "smtp.ssl: must be true or false, not a string ('yes')"),
    ("smtp: {password: hunter2}", "smtp.password: unknown setting (secrets come from the environment only)"),
    ("retention: {months: 0}", "retention.months: must be between 1 and 1200, not 0"),
    ("retention: {months: 12.5}", "retention.months: must be an integer between 1 and 1200, not 12.5"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_SETTINGS, ids=[row[0] for row in BAD_SETTINGS])
def test_bad_setting_is_one_line_naming_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    assert settings_error(tmp_path, text + "\n") == f"FILE: {expected}"


def test_good_values_reach_settings_and_fetch_policy(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "poll_interval_minutes: 1\nretries: 0\nmax_bytes: 5.0e+6\ntotal_timeout: 0.5\n"
        "per_host_delay: 0\nmax_redirects: 0\nallow_private: [127.0.0.1/32, '::1', localhost]\n"
        "alerts: {lookback_hours: 0, overlap_seconds: 30}\nsmtp: {host: mail.example.org, port: 2525}\n"
        "retention: {months: 3}\n",
        "newsmon.yaml",
    )
    settings = load_settings(path)
    assert settings.poll_interval_minutes == 1
    policy = settings.fetch
    assert (policy.retries, policy.max_bytes, policy.total_timeout, policy.per_host_delay) == (
        0,
        5_000_000,
        0.5,
        0.0,
    )
    assert isinstance(policy.max_bytes, int) and isinstance(policy.per_host_delay, float)
    assert policy.allow_private == ("127.0.0.1/32", "::1", "localhost")
    assert policy.connect_timeout == 5.0  # untouched keys keep FetchPolicy's defaults
    assert settings.extra["alerts"] == {"lookback_hours": 0.0, "overlap_seconds": 30.0}
    assert settings.extra["smtp"] == {"host": "mail.example.org", "port": 2525}
    assert settings.retention_months == 3


def test_not_a_mapping_at_the_top(tmp_path: Path) -> None:
    assert (
        settings_error(tmp_path, "- retries: 2\n")
        == "FILE: must be a mapping of key: value at the top, not a list"
    )
    assert settings_error(tmp_path, "just words\n") == (
        "FILE: must be a mapping of key: value at the top, not a string ('just words')"
    )
    assert parse_settings(None) == parse_settings({})  # an empty file is the defaults


def test_explicitly_named_settings_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absent = tmp_path / "newsmon.yml"
    assert error_of(absent, load_settings) == f"{absent}: file not found"
    monkeypatch.setenv("NEWSMON_SETTINGS", str(absent))
    with pytest.raises(ConfigError, match="file not found"):
        load_settings()


# --------------------------------------------------------------------------- environment


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("NEWSMON_RETENTION_MONTHS", "0", "must be between 1 and 1200, not 0"),
        ("NEWSMON_RETENTION_MONTHS", "twelve", "must be an integer between 1 and 1200, not 'twelve'"),
        ("NEWSMON_SMTP_PORT", "25x", "must be an integer between 1 and 65535, not '25x'"),
        ("NEWSMON_SMTP_PORT", "99999", "must be between 1 and 65535, not 99999"),
        ("ELASTICSEARCH_URL", "localhost:9200", "not an http(s) URL: 'localhost:9200'"),
        ("NEWSMON_KIBANA_URL", "ftp://kibana", "not an http(s) URL: 'ftp://kibana'"),
        ("NEWSMON_INDEX_PREFIX", "a*b", "not a valid lower-case index prefix: 'a*b'"),
    ],
)
def test_environment_overrides_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, var: str, value: str, expected: str
) -> None:
    path = write(tmp_path, "retries: 2\n", "newsmon.yaml")
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == f"environment: {var}: {expected}"


def test_environment_overrides_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "retention: {months: 3}\nallow_private: [10.0.0.0/8]\n", "newsmon.yaml")
    monkeypatch.setenv("NEWSMON_RETENTION_MONTHS", "6")
    monkeypatch.setenv("NEWSMON_ALLOW_PRIVATE", "127.0.0.1/32, localhost")
    monkeypatch.setenv("NEWSMON_INDEX_PREFIX", "other")
    settings = load_settings(path)
    assert (settings.retention_months, settings.index_prefix) == (6, "other")
    assert settings.fetch.allow_private == ("127.0.0.1/32", "localhost")
    monkeypatch.setenv("NEWSMON_ALLOW_PRIVATE", "127.0.0.1/32,10.0.0.0/40")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert (
        str(info.value)
        == "environment: NEWSMON_ALLOW_PRIVATE[1]: not a valid IP address or CIDR: '10.0.0.0/40'"
    )


# --------------------------------------------------------------------------- decoding, all three files


def _load_rules(path: Path) -> Any:
    return load_rules(path)


LOADERS = [("newsmon.yaml", load_settings), ("feeds.yaml", load_feeds), ("alerts.yaml", _load_rules)]
LOADER_IDS = [name for name, _ in LOADERS]


@pytest.mark.parametrize(("name", "loader"), LOADERS, ids=LOADER_IDS)
def test_file_not_utf8(tmp_path: Path, name: str, loader: Callable[[Path], Any]) -> None:
    path = tmp_path / name
    path.write_bytes("# réglages\n".encode() + "name: caf\u00e9\n".encode("latin-1"))
    assert error_of(path, loader) == f"{path}: not UTF-8 text: byte 0xe9 at line 2 (save it as UTF-8)"


@pytest.mark.parametrize(("name", "loader"), LOADERS, ids=LOADER_IDS)
def test_yaml_syntax_error_names_line(tmp_path: Path, name: str, loader: Callable[[Path], Any]) -> None:
    path = write(tmp_path, "# comment\nretries: 2\nfeeds: [unclosed\nrules: x\n", name)
    message = error_of(path, loader)
    assert re.fullmatch(re.escape(f"{path}: invalid YAML at line ") + r"4, column \d+: .+", message), message


@pytest.mark.parametrize(("name", "loader"), LOADERS, ids=LOADER_IDS)
def test_top_level_not_a_mapping(tmp_path: Path, name: str, loader: Callable[[Path], Any]) -> None:
    path = write(tmp_path, "- a\n- b\n", name)
    assert error_of(path, loader) == f"{path}: must be a mapping of key: value at the top, not a list"


def test_other_undecodable_yaml_is_one_line(tmp_path: Path) -> None:
    nul = write(tmp_path, "retries: 2\nname: a\x00b\n", "nul.yaml")
    assert error_of(nul, load_yaml) == f"{nul}: invalid YAML at line 2: unacceptable character #x0000"
    date = write(tmp_path, "when: 2024-13-01\n", "date.yaml")
    assert error_of(date, load_yaml) == f"{date}: invalid YAML value: month must be in 1..12"
    deep = write(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    assert error_of(deep, load_yaml) == f"{deep}: invalid YAML: nested too deeply"
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert error_of(folder, load_yaml) == f"{folder}: cannot read: Is a directory"
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfretries: 1\n")
    assert load_yaml(bom) == {"retries": 1}


# --------------------------------------------------------------------------- the repository's own files


def test_repository_config_is_valid() -> None:
    assert load_feeds(ROOT / "config" / "feeds.yaml")
    load_settings(REPO_SETTINGS)


def test_ranges_documented_in_newsmon_yaml_match_the_checks() -> None:
    """Every numeric key's ``[min-max]`` / ``(min-max]`` comment is the range enforced, and the
    commented-out example sections are valid once uncommented."""
    text = REPO_SETTINGS.read_text(encoding="utf-8")
    documented: dict[str, str] = {}
    block = ""
    for line in text.splitlines():
        match = re.match(r"^(#\s?)?(\s*)([a-z_]+):[^#]*#\s*([\[(])(\d+)-(\d+)\]", line)
        top = re.match(r"^#?\s?([a-z_]+):\s*(#.*)?$", line)
        if top and not line.startswith("#   "):
            block = top.group(1) if top.group(1) in BLOCKS else ""
        if match:
            key = f"{block}.{match.group(3)}" if match.group(2) and block else match.group(3)
            documented[key] = f"{match.group(4)}{match.group(5)}-{match.group(6)}]"
    tables = {"": SETTINGS, **{f"{name}.": checks for name, checks in BLOCKS.items()}}
    enforced = {
        prefix + key: f"{'(' if check.above else '['}{check.low:.0f}-{check.high:.0f}]"
        for prefix, checks in tables.items()
        for key, check in checks.items()
        if isinstance(check, Range)
    }
    assert documented == enforced
    examples = text.split("# Optional sections", 1)[1].split("\n", 1)[1]
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") else line.lstrip("#") for line in examples.splitlines()
    )
    settings = parse_settings(yaml.safe_load(uncommented), REPO_SETTINGS)
    assert set(settings.extra) == set(BLOCKS)


# --------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"poll_interval_minutes: 0\n", "poll_interval_minutes: must be between 1 and 10080, not 0"),
        (b"retries: -3\n", "retries: must be between 0 and 10, not -3"),
        (
            b"total_timeout: .nan\n",
            "total_timeout: must be a finite number greater than 0 and at most 3600, not nan",
        ),
        (b"retries: 2\nnote: caf\xe9\n", "not UTF-8 text: byte 0xe9 at line 2 (save it as UTF-8)"),
        (
            b"retries: 2\nfeeds: [a\nb: c\n",
            "invalid YAML at line 3, column 2: expected ',' or ']', but got ':'",
        ),
    ],
    ids=["poll0", "retries-3", "nan", "latin1", "yaml"],
)
@pytest.mark.parametrize("command", [["run", "--once"], ["watch"]], ids=["run", "watch"])
def test_cli_exits_with_one_line(tmp_path: Path, content: bytes, expected: str, command: list[str]) -> None:
    path = tmp_path / "newsmon.yaml"
    path.write_bytes(content)
    env = {**os.environ, "NEWSMON_SETTINGS": str(path)}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"config error: {path}: {expected}\n"
    assert proc.stdout == ""


@pytest.mark.parametrize(("text", "expected"), [("", 25), ("40", 40)])
def test_env_number_defaults_and_parses(monkeypatch, text, expected) -> None:
    from pipeline.config import env_number

    monkeypatch.setenv("NEWSMON_FEEDS_PER_TASK", text)
    assert env_number("NEWSMON_FEEDS_PER_TASK", 25, 1, 10_000) == expected


@pytest.mark.parametrize("text", ["0", "-3", "2.5", "lots", "100001"])
def test_env_number_is_range_checked(monkeypatch, text) -> None:
    from pipeline.config import ConfigError, env_number

    monkeypatch.setenv("NEWSMON_FEEDS_PER_TASK", text)
    with pytest.raises(
        ConfigError,
        match=r"^environment: NEWSMON_FEEDS_PER_TASK: must be (an integer )?between 1 and 10000, not",
    ):
        env_number("NEWSMON_FEEDS_PER_TASK", 25, 1, 10_000)
