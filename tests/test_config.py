"""Config errors are one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, load_feeds, load_settings


def write(tmp_path: Path, text: str, name: str = "feeds.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, loader=load_feeds) -> str:
    with pytest.raises(ConfigError) as info:
        loader(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


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


def test_missing_file(tmp_path: Path) -> None:
    assert "file not found" in error_of(tmp_path / "absent.yaml")


def test_settings_validation(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "max_bytes: lots\n", "newsmon.yaml"), load_settings)
    assert "max_bytes" in message and "integer" in message
    message = error_of(write(tmp_path, "pol_interval: 3\n", "newsmon.yaml"), load_settings)
    assert "pol_interval" in message and "unknown" in message


def test_repository_config_is_valid() -> None:
    assert load_feeds(Path(__file__).parent.parent / "config" / "feeds.yaml")
    load_settings(Path(__file__).parent.parent / "config" / "newsmon.yaml")
