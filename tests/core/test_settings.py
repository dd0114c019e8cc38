"""Settings read from the environment: defaults, the data directory's generated secrets, and a
clear refusal of a bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.settings import Settings


def test_defaults_and_generated_secrets_are_kept(tmp_path: Path) -> None:
    first = Settings.from_env({"WARGA_DATA_DIR": str(tmp_path)})
    assert first.notify_every_seconds == 120
    assert first.database_url == f"sqlite://{tmp_path / 'warga.sqlite3'}"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert Settings.from_env({"WARGA_DATA_DIR": str(tmp_path)}).secret_key == first.secret_key


def test_notification_interval_is_configurable(tmp_path: Path) -> None:
    env = {"WARGA_DATA_DIR": str(tmp_path), "WARGA_NOTIFY_EVERY_SECONDS": "30"}
    assert Settings.from_env(env).notify_every_seconds == 30


@pytest.mark.parametrize("value", ["0", "-5", "2.5", "soon"])
def test_bad_notification_interval_is_refused_by_name(tmp_path: Path, value: str) -> None:
    env = {"WARGA_DATA_DIR": str(tmp_path), "WARGA_NOTIFY_EVERY_SECONDS": value}
    with pytest.raises(ValueError, match="WARGA_NOTIFY_EVERY_SECONDS"):
        Settings.from_env(env)


def test_cli_and_server_name_the_bad_setting_without_a_traceback(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "WARGA_DATA_DIR": str(tmp_path), "WARGA_NOTIFY_EVERY_SECONDS": "0"}
    for command in (["-m", "portal", "migrate"], ["server.py", "--port", "1"]):
        done = subprocess.run([sys.executable, *command], cwd=root, env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 1, done
        assert "warga: WARGA_NOTIFY_EVERY_SECONDS must be" in done.stderr
        assert "Traceback" not in done.stderr
