"""Run pieces for the benchmarks: databases, gunicorn in production settings, and wrk."""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
LUA = ROOT / "bench" / "wrk" / "report.lua"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "")  # set by private_redis() when empty
SECRET_KEY = "bench-" + secrets.token_urlsafe(40)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_env(database: str, **extra) -> dict[str, str]:
    """The environment production would have, pointed at a benchmark database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "GUNICORN_", "AWS_", "REDIS_", "CACHE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"{PG}/{database}",
        REDIS_URL=REDIS_URL or os.environ.get("BENCH_PRIVATE_REDIS_URL", "redis://127.0.0.1:6379/9"),
        # Separate cache keys per database: the 10k and 100k runs share one Redis.
        CACHE_KEY_PREFIX=f"bench-{database}",
        # Files per database, so check_media --sweep on one never sees another's files.
        MEDIA_ROOT=str(DATA / database / "media"),
        PRIVATE_MEDIA_ROOT=str(DATA / database / "private-media"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class private_redis:  # noqa: N801 (used as a context manager)
    """A Redis of our own on a free port: other work on a shared machine flushes the shared one,
    which would make cache misses (price medians, the place index) part of the figures."""

    def __enter__(self):
        if REDIS_URL or not shutil.which("redis-server"):
            return self
        port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.1)
        os.environ["BENCH_PRIVATE_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        return self

    def __exit__(self, *exc):
        process = getattr(self, "process", None)
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        os.environ.pop("BENCH_PRIVATE_REDIS_URL", None)


def drain(port: int, limit: float = 120) -> float:
    """Wait until the server answers the bare view quickly: requests wrk left queued are done."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        t0 = time.monotonic()
        try:
            if get(port, "/bench/bare/", timeout=limit)[0] == 200 and time.monotonic() - t0 < 0.2:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.5)
    return time.monotonic() - started


def manage(database: str, *args: str, check: bool = True, capture: bool = False, **env_extra):
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=django_env(database, **env_extra),
        check=check,
        text=True,
        capture_output=capture,
    )


def psql(sql: str, database: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", f"{PG}/{database}", "-XAtqc", sql], check=True, text=True, capture_output=True
    )
    return out.stdout.strip()


def ensure_database(name: str) -> None:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"unexpected database name {name!r}")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":  # noqa: S608 (checked above)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def count_practitioners(name: str) -> int:
    try:
        return int(psql("SELECT count(*) FROM practitioners_practitioner", name) or 0)
    except subprocess.CalledProcessError:
        return 0


def prepare_database(name: str, practitioners: int, reseed: bool, log) -> dict:
    """Create, migrate and (unless it already holds that many) seed a benchmark database."""
    ensure_database(name)
    manage(name, "migrate", "--no-input", "-v", "0")
    have = count_practitioners(name)
    timings = RESULTS / f"seed-{name}.json"
    if reseed or have != practitioners:
        log(f"seeding {name} with {practitioners:,} practitioners (have {have:,})")
        manage(
            name, "seed_scale", "--practitioners", str(practitioners), "--reset", "--timings", str(timings)
        )
    else:
        log(f"{name} already holds {have:,} practitioners; reusing it (--reseed to load again)")
    return json.loads(timings.read_text()) if timings.exists() else {}


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    print("wrk is missing; installing it with apt-get", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
    wrk = shutil.which("wrk")
    if not wrk:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        wrk = shutil.which("wrk")
    return wrk


@dataclass
class Gunicorn:
    database: str
    name: str = "bench"
    workers: int | None = None
    extra_env: dict = field(default_factory=dict)
    app: str = "smpfinder.wsgi"
    port: int = 0
    process: subprocess.Popen | None = None

    def __post_init__(self):
        self.port = self.port or free_port()
        self.error_log = RESULTS / f"gunicorn-{self.name}-error.log"
        self.access_log = RESULTS / f"gunicorn-{self.name}-access.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "Gunicorn":
        env = django_env(
            self.database,
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_ERROR_LOG=str(self.error_log),
            GUNICORN_ACCESS_LOG=str(self.access_log),
            **({"GUNICORN_WORKERS": str(self.workers)} if self.workers else {}),
            **self.extra_env,
        )
        for log in (self.error_log, self.access_log):
            log.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), self.app, "-c", "smpfinder/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start; see {self.error_log}")
            try:
                if get(self.port, "/bench/bare/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout}s; see {self.error_log}")

    def hup(self) -> None:
        os.kill(self.process.pid, signal.SIGHUP)

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], text=True, capture_output=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]

    def log_count(self, text: str) -> int:
        if not self.error_log.exists():
            return 0
        return self.error_log.read_text(errors="replace").count(text)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def get(port: int, path: str, headers: dict | None = None, timeout: float = 10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def wrk(
    base: str,
    path: str = "/",
    *,
    connections: int = 32,
    threads: int = 2,
    seconds: float = 10,
    paths: list[str] | None = None,
    timeout: str = "5s",
) -> dict:
    """Run wrk once and return its figures (requests/s, latency percentiles in ms, statuses)."""
    command = [
        ensure_wrk(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout}",
        "-s",
        str(LUA),
        base + path,
    ]
    if paths:
        command += ["--", *paths]
    out = subprocess.run(command, text=True, capture_output=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    status = raw["status"]
    socket_errors = sum(raw["socket_errors"].values())
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": raw["latency_us"]["p50"] / 1000,
        "p95_ms": raw["latency_us"]["p95"] / 1000,
        "p99_ms": raw["latency_us"]["p99"] / 1000,
        "max_ms": raw["latency_us"]["max"] / 1000,
        "non_2xx": status["3xx"] + status["4xx"] + status["5xx"] + status["other"],
        "status": status,
        "socket_errors": raw["socket_errors"],
        "errors": status["4xx"] + status["5xx"] + status["other"] + socket_errors,
        "connections": connections,
        "seconds": round(seconds_run, 2),
    }
