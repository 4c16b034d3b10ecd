"""config.py: `.github/schemagate.yaml` is read as `.yml` is, and every duration says its unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemagate.config import Overrides, configure, load
from schemagate.errors import InputError


def _write(root: Path, name: str, text: str) -> Path:
    path = root / ".github" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_the_yaml_spelling_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, "schemagate.yaml", "lock_timeout: 10s\non_drift: warn\n")
    config = load(None)
    assert (config.lock_timeout, config.on_drift) == ("10s", "warn")
    assert config.path is not None and config.path.resolve() == path.resolve()


def test_both_spellings_at_once_are_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "schemagate.yml", "seed: true\n")
    _write(tmp_path, "schemagate.yaml", "seed: false\n")
    with pytest.raises(InputError) as caught:
        load(None)
    assert "two config files, .github/schemagate.yml and .github/schemagate.yaml: keep one" in str(
        caught.value
    )


@pytest.mark.parametrize("key", ["lock_timeout", "statement_timeout", "lock_wait"])
def test_a_duration_without_its_unit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "schemagate.yml", f"{key}: 10\n")
    with pytest.raises(InputError) as caught:
        load(None)
    assert str(caught.value).endswith(f"line 1: {key}: 10 has no unit; write e.g. 10s or 10ms")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "lock_timeout", "statement_timeout", "lock_wait"),
    [
        ("lock_timeout: 10s\nstatement_timeout: 2min\nlock_wait: 90s\n", "10s", "2min", 90.0),
        ("lock_timeout: 0\nstatement_timeout: '0'\nlock_wait: 500ms\n", "0", "0", 0.5),
        ("lock_timeout: 1 h\nlock_wait: 1min\n", "1 h", "0", 60.0),
    ],
)
def test_durations_with_units_are_taken(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    lock_timeout: str,
    statement_timeout: str,
    lock_wait: float,
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "schemagate.yml", text)
    config = load(None)
    assert (config.lock_timeout, config.statement_timeout, config.lock_wait) == (
        lock_timeout,
        statement_timeout,
        lock_wait,
    )


@pytest.mark.parametrize("value", ["soon", "5 minutes", "-1s", "1.5s", "597h"])
def test_a_duration_that_is_no_duration_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "schemagate.yml", f"lock_timeout: '{value}'\n")
    with pytest.raises(InputError, match="lock_timeout must be"):
        load(None)


def test_a_flag_or_input_without_a_unit_is_refused_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        configure(Overrides(lock_timeout="10", statement_timeout="5s"))
    assert str(caught.value) == "lock timeout: '10' has no unit; write e.g. 10s or 10ms"
    assert configure(Overrides(lock_timeout="10s", statement_timeout="0")).lock_timeout == "10s"
