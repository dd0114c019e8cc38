"""Pieces shared by the load and crash runs: a loopback-only server, browser-like logins, wrk.

The harness only ever talks to 127.0.0.0/8 (it refuses any other target), so it cannot be
pointed at a real deployment by mistake.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx2 as httpx

ROOT = Path(__file__).resolve().parents[1]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
PG_BASE = "postgres://warga:warga@127.0.0.1:5432"
LOGINS_PER_ADDRESS = 15  # below the login rate limit per client address (20 per 10 minutes)


def require_loopback(host: str) -> str:
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"refusing to load {host}: the harness only targets loopback addresses")
    return host


async def create_pg_database(base: str, name: str) -> str:
    """A fresh database on the PostgreSQL server at `base` (its role needs CREATEDB)."""
    import asyncpg

    conn = await asyncpg.connect(base.rstrip("/") + "/warga")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base.rstrip('/')}/{name}"


async def drop_pg_database(base: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(base.rstrip("/") + "/warga")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A portal (or baseline) process listening on 127.0.0.1:port."""

    argv: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, health_path: str = "/healthz", timeout: float = 120) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + health_path, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server did not become healthy: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown code runs, as in a power cut."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def portal_env(data_dir: Path, database_url: str, demo: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARGA_")}
    env.update({"WARGA_DATA_DIR": str(data_dir), "DATABASE_URL": database_url, "WARGA_DEMO": "1" if demo else "0",
                "WARGA_BASE_URL": "http://127.0.0.1", "PYTHONPATH": str(ROOT)})
    return env


def portal_server(data_dir: Path, database_url: str, port: int, workers: int = 1, demo: bool = True) -> Server:
    argv = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    return Server(argv, portal_env(data_dir, database_url, demo), port, data_dir / "server.log")


@dataclass(frozen=True)
class Session:
    cookie: str
    csrf: str


async def _login_one(client: httpx.AsyncClient, email: str, password: str, landing: str) -> Session:
    page = await client.get("/login")
    token = CSRF_RE.search(page.text)
    assert token, "login page without CSRF token"
    done = await client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": password})
    if done.status_code != 303:
        raise RuntimeError(f"login of {email} failed: {done.status_code}")
    landed = await client.get(landing)
    token = CSRF_RE.search(landed.text)
    assert token, f"{landing} has no CSRF token"
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return Session(cookie=cookie, csrf=token.group(1))


async def login_sessions(base_url: str, emails: Sequence[str], password: str, landing: str,
                         concurrency: int = 8) -> list[Session]:
    """Log residents in over HTTP like browsers do; each address of 127.0.0.0/8 logs a few in,
    so the per-address login rate limit is respected rather than switched off."""
    require_loopback(httpx.URL(base_url).host)
    sessions: list[Session | None] = [None] * len(emails)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(emails)):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            address = f"127.0.{1 + index // (LOGINS_PER_ADDRESS * 250)}.{2 + (index // LOGINS_PER_ADDRESS) % 250}"
            transport = httpx.AsyncHTTPTransport(local_address=address)
            async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=60) as client:
                sessions[index] = await _login_one(client, emails[index], password, landing)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return [s for s in sessions if s is not None]


# ------------------------------------------------------------------------------------ wrk

WRK_SCRIPT = r"""
-- Rotates through prepared requests (one line each: method \t path \t cookie \t csrf \t body);
-- thread t of T sends lines t, t+T, t+2T, ... in order and counts its responses by status class.
-- (wrk's response() cannot tell which request it answers, so acknowledgements are derived from
-- each thread's position in its rotation: see WrkResult.acknowledged.)
local requests = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    local method, path, cookie, csrf, body = line:match("^(%S+)\t(%S+)\t([^\t]*)\t([^\t]*)\t(.*)$")
    table.insert(requests, {method, path, cookie, csrf, body})
  end
  counter = id - 1
  step = tonumber(args[2])
  ok, redirects, client_errors, server_errors, responses = 0, 0, 0, 0, 0
end

function request()
  local r = requests[(counter % #requests) + 1]
  counter = counter + step
  local headers = {}
  if r[3] ~= "" then headers["Cookie"] = r[3] end
  if r[4] ~= "" then headers["X-CSRF-Token"] = r[4] end
  if r[1] == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  return wrk.format(r[1], r[2], headers, r[5] ~= "" and r[5] or nil)
end

function response(status, headers, body)
  responses = responses + 1
  if status == 303 or status == 302 then redirects = redirects + 1
  elseif status >= 500 then server_errors = server_errors + 1
  elseif status >= 400 then client_errors = client_errors + 1
  else ok = ok + 1 end
end

function done(summary, latency, requests_)
  local ok_, red, c4, c5, per = 0, 0, 0, 0, {}
  for _, t in ipairs(threads) do
    ok_ = ok_ + t:get("ok"); red = red + t:get("redirects")
    c4 = c4 + t:get("client_errors"); c5 = c5 + t:get("server_errors")
    table.insert(per, string.format("[%d, %d]", t:get("id"), t:get("responses")))
  end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, ' ..
    '"ok": %d, "redirects": %d, "client_errors": %d, "server_errors": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "per_thread": [%s]}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, ok_, red, c4, c5,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, table.concat(per, ",")))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    cookie: str = ""
    csrf: str = ""
    body: str = ""

    def line(self) -> str:
        return "\t".join((self.method, self.path, self.cookie, self.csrf, self.body))


def form(pairs: Sequence[tuple[str, object]]) -> str:
    return urlencode([(k, str(v)) for k, v in pairs])


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50: float  # milliseconds
    p95: float
    p99: float
    max: float
    ok: int
    redirects: int
    client_errors: int
    server_errors: int
    socket_errors: int
    timeouts: int
    per_thread: tuple[tuple[int, int], ...]  # (thread id from 1, responses received)
    connections: int = 0
    count: int = 0  # prepared requests rotated through

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.client_errors + self.server_errors + self.socket_errors + self.timeouts

    def acknowledged(self) -> set[int]:
        """0-based indexes of prepared requests certainly answered, assuming no errors.

        Thread t sends its lines in rotation order and has at most one request in flight per
        connection, so all but its last `connections / threads` requests were answered.
        """
        threads = len(self.per_thread)
        in_flight = -(-self.connections // threads)
        done: set[int] = set()
        for thread, responses in self.per_thread:
            for position in range(max(0, responses - in_flight)):
                done.add((thread - 1 + position * threads) % self.count)
                if len(done) == self.count:
                    return done
        return done


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def run_wrk(base_url: str, requests: Sequence[Request], *, connections: int, seconds: float,
            threads: int = 2) -> WrkResult:
    require_loopback(httpx.URL(base_url).host)
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp) / "rotate.lua", Path(tmp) / "requests.tsv"
        script.write_text(WRK_SCRIPT)
        data.write_text("\n".join(r.line() for r in requests) + "\n")
        out = subprocess.run(
            [wrk_binary(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
             "-s", str(script), base_url, "--", str(data), str(threads)],
            capture_output=True, text=True)
    if out.returncode != 0 or "WRK_JSON " not in out.stdout:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}")
    line = next(l for l in out.stdout.splitlines() if l.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    raw["per_thread"] = tuple(tuple(pair) for pair in raw["per_thread"])
    return WrkResult(**raw, connections=connections, count=len(requests))


@contextlib.contextmanager
def temporary_dir(keep: bool = False) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="warga-bench-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)
