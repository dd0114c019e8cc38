"""The operator CLI, run as a real process against a real SQLite file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-data")
    result = _run(path, "demo")
    assert result.returncode == 0, result.stderr
    assert "admin@warga.demo" in result.stdout  # passwords printed on first load only
    return path


def _run(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WARGA_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "portal", *args], input=stdin, text=True,
                          capture_output=True, env=env, cwd=ROOT, timeout=120)


def _db(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / "warga.sqlite3")


def test_demo_is_idempotent_and_seeds_bandung(data_dir: Path) -> None:
    again = _run(data_dir, "demo")
    assert again.returncode == 0 and "admin@warga.demo" not in again.stdout
    with _db(data_dir) as db:
        assert db.execute("SELECT count(*) FROM kecamatan").fetchone()[0] == 30
        assert db.execute("SELECT count(*) FROM kelurahan").fetchone()[0] == 151
        assert db.execute("SELECT name FROM kelurahan WHERE code='32.73.01.1001'").fetchone()[0] == "Sukarasa"
        assert db.execute("SELECT count(*) FROM agency").fetchone()[0] >= 30
        roles = ("admin", "council", "moderator", "officer", "panelist", "resident")
        for role in roles:
            assert db.execute("SELECT count(*) FROM user WHERE email = ?", (f"{role}@warga.demo",)).fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM proposal").fetchone()[0] >= 50
        assert db.execute("SELECT count(*) FROM pb_cycle").fetchone()[0] >= 2
        assert db.execute("SELECT count(*) FROM panels_inspection").fetchone()[0] >= 3
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert oct((data_dir / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert oct((data_dir / "nik_key").stat().st_mode & 0o777) == "0o600"


def test_users_create_grant_revoke(data_dir: Path) -> None:
    made = _run(data_dir, "users", "create", "--email", "Petugas@Example.id", "--name", "Petugas",
                "--role", "officer", "--agency", "Dishub", "--password-stdin", stdin="a long password\n")
    assert made.returncode == 0, made.stderr
    dup = _run(data_dir, "users", "create", "--email", "petugas@example.id", "--name", "X",
               "--password-stdin", stdin="a long password\n")
    assert dup.returncode == 2
    assert _run(data_dir, "users", "grant", "--email", "petugas@example.id", "--role", "council").returncode == 0
    assert _run(data_dir, "users", "revoke", "--email", "petugas@example.id", "--role", "officer").returncode == 0
    with _db(data_dir) as db:
        roles = db.execute("SELECT role FROM user_role JOIN user ON user.id = user_role.user_id "
                           "WHERE email='petugas@example.id'").fetchall()
    assert roles == [("council",)]
    missing_agency = _run(data_dir, "users", "grant", "--email", "petugas@example.id", "--role", "officer")
    assert missing_agency.returncode == 2


def test_audit_verify_and_backup(data_dir: Path, tmp_path: Path) -> None:
    ok = _run(data_dir, "audit", "verify")
    assert ok.returncode == 0 and "audit chain ok" in ok.stdout
    target = tmp_path / "backup.sqlite3"
    backup = _run(data_dir, "backup", str(target))
    assert backup.returncode == 0, backup.stderr
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM kelurahan").fetchone()[0] == 151


def test_audit_verify_reports_tampering(data_dir: Path, tmp_path: Path) -> None:
    # Tamper with a copy of the demo city (loading another one takes half a minute).
    for name in ("secret_key", "nik_key"):
        shutil.copy2(data_dir / name, tmp_path / name)
    with _db(data_dir) as source, _db(tmp_path) as copy:
        source.backup(copy)
    assert _run(tmp_path, "audit", "verify").returncode == 0
    with _db(tmp_path) as db:
        db.execute("DROP TRIGGER audit_event_no_update")
        row = db.execute("SELECT id FROM audit_event ORDER BY id LIMIT 1 OFFSET 2").fetchone()[0]
        db.execute("UPDATE audit_event SET tag='forged' WHERE id=?", (row,))
    bad = _run(tmp_path, "audit", "verify")
    assert bad.returncode == 1 and f"BROKEN at row {row}" in bad.stdout


def test_worker_once(data_dir: Path) -> None:
    result = _run(data_dir, "worker", "--once")
    assert result.returncode == 0 and "ran" in result.stdout
