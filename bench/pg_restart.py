#!/usr/bin/env python3
"""Restart PostgreSQL under a running gunicorn and measure how the site behaves.

Starts a PRIVATE PostgreSQL (initdb + pg_ctl in a temporary folder, on a free port; never the
shared one on 5432), migrates it, starts gunicorn with the production settings and
smpfinder/gunicorn.conf.py, and sends requests in a loop while it stops PostgreSQL
(`pg_ctl stop -m fast`), keeps it down for a few seconds and starts it again.

It checks that every request during the outage got the friendly 503 page (with Retry-After,
no stack trace), that requests succeed again within seconds of PostgreSQL's return, and
that gunicorn was never restarted (same master, same workers). Prints a JSON summary and
exits non-zero if any check fails.

    .venv/bin/python bench/pg_restart.py [--outage 5] [--json results.json]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PATHS = ("/practitioners/", "/healthz")
FRIENDLY_TEXT = "Back in a moment"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(f"[pg_restart {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster. initdb refuses to run as root, so as root the
    cluster is created and run by the `postgres` system user (through runuser)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.logfile = folder / "postgres.log"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, *command], capture_output=True, text=True, check=check, timeout=120
        )

    def init(self) -> None:
        if self.as_user:
            shutil.chown(self.folder, user="postgres", group="postgres")
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-instructions",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.logfile),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def create_database(self, name: str) -> None:
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


@dataclass
class Sample:
    t: float  # seconds since the loop started
    path: str
    status: int
    ms: float
    # During an outage: the friendly 503 page (pages) or a JSON 503 naming the database
    # (/healthz), with no stack trace either way.
    clean_outage_answer: bool = False
    retry_after: str = ""
    traceback: bool = False
    error: str = ""


def request(base: str, path: str) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(
        base + path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "User-Agent": "pg_restart"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


class Load(threading.Thread):
    """Requests one after another (alternating pages) until stopped."""

    def __init__(self, base: str, started: float):
        super().__init__(daemon=True)
        self.base, self.started = base, started
        self.samples: list[Sample] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        index = 0
        while not self.stopping.is_set():
            path = PATHS[index % len(PATHS)]
            index += 1
            began = time.monotonic()
            try:
                status, body, headers = request(self.base, path)
                text = body.decode("utf-8", "replace")
                traceback = "Traceback" in text or 'File "' in text
                sample = Sample(
                    t=round(began - self.started, 3),
                    path=path,
                    status=status,
                    ms=round((time.monotonic() - began) * 1000, 1),
                    clean_outage_answer=status == 503
                    and not traceback
                    and _explains_outage(path, text, headers),
                    retry_after=headers.get("Retry-After", ""),
                    traceback=traceback,
                )
            except Exception as exc:  # a refused or reset connection is a failure worth recording
                sample = Sample(
                    t=round(began - self.started, 3),
                    path=path,
                    status=0,
                    ms=round((time.monotonic() - began) * 1000, 1),
                    error=exc.__class__.__name__,
                )
            self.samples.append(sample)
            time.sleep(0.05)


def _explains_outage(path: str, text: str, headers: dict) -> bool:
    if path == "/healthz":
        try:
            return json.loads(text)["checks"]["database"]["status"].startswith("error")
        except (ValueError, KeyError):
            return False
    return FRIENDLY_TEXT in text and bool(headers.get("Retry-After"))


def gunicorn_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--recovery-limit", type=float, default=5.0, help="seconds allowed to recover")
    parser.add_argument("--json", help="also write the summary to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="smpfinder-pg-restart-"))
    folder.chmod(0o755)
    postgres = PrivatePostgres(folder)
    gunicorn = None
    try:
        log(f"initdb in {folder}")
        postgres.init()
        postgres.start()
        postgres.create_database("smp_outage")
        log(f"PostgreSQL on 127.0.0.1:{postgres.port}")

        app_port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "smpfinder.settings",
            "DJANGO_SECRET_KEY": "pg-restart-" + os.urandom(24).hex(),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": postgres.url("smp_outage"),
            "STATIC_ROOT": str(folder / "static"),
            "MEDIA_ROOT": str(folder / "media"),
            "PRIVATE_MEDIA_ROOT": str(folder / "private"),
            "GUNICORN_BIND": f"127.0.0.1:{app_port}",
            "GUNICORN_WORKERS": "2",
            "LOG_LEVEL": "WARNING",
        }
        python = str(VENV_BIN / "python")
        started = time.monotonic()
        subprocess.run(
            [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        log(f"migrated in {time.monotonic() - started:.1f} s")
        subprocess.run(
            [python, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )

        access_log = (folder / "gunicorn.log").open("wb")
        gunicorn = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "smpfinder.wsgi", "-c", "smpfinder/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=access_log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{app_port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(base, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if gunicorn.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "gunicorn did not start:\n" + (folder / "gunicorn.log").read_text()[-3000:]
                )
            time.sleep(0.2)
        workers_before = gunicorn_pids(gunicorn.pid)
        log(f"gunicorn {gunicorn.pid} on {base}, workers {sorted(workers_before)}")

        load = Load(base, time.monotonic())
        load.start()
        time.sleep(2)
        stop_at = time.monotonic() - load.started
        postgres.stop("fast")
        stopped_at = time.monotonic() - load.started
        log(f"PostgreSQL stopped (fast) at {stopped_at:.2f} s")
        time.sleep(args.outage)
        start_at = time.monotonic() - load.started
        postgres.start()
        ready_at = time.monotonic() - load.started
        log(f"PostgreSQL accepting connections again at {ready_at:.2f} s")
        time.sleep(args.recovery_limit + 3)
        load.stopping.set()
        load.join(timeout=15)
        workers_after = gunicorn_pids(gunicorn.pid)
        master_alive = gunicorn.poll() is None

        samples = load.samples
        before = [s for s in samples if s.t < stop_at]
        during = [s for s in samples if stopped_at + 0.2 < s.t < start_at]
        after_ready = [s for s in samples if s.t >= ready_at]
        first_ok = next((s for s in after_ready if s.status == 200), None)
        recovered_at = first_ok.t if first_ok else None
        # After the first success, everything must succeed (no flapping).
        after_recovery = [s for s in after_ready if recovered_at is not None and s.t >= recovered_at]
        summary = {
            "requests": len(samples),
            "before_outage": {"count": len(before), "all_200": all(s.status == 200 for s in before)},
            "during_outage": {
                "count": len(during),
                "statuses": sorted({s.status for s in during}),
                "all_clean_503": bool(during) and all(s.clean_outage_answer for s in during),
                "slowest_ms": max((s.ms for s in during), default=None),
            },
            "postgres_stopped_at_s": round(stopped_at, 2),
            "postgres_ready_at_s": round(ready_at, 2),
            "first_success_after_ready_s": round(recovered_at - ready_at, 3) if first_ok else None,
            "first_success_after_start_command_s": round(recovered_at - start_at, 3) if first_ok else None,
            "after_recovery": {
                "count": len(after_recovery),
                "all_200": bool(after_recovery) and all(s.status == 200 for s in after_recovery),
            },
            "gunicorn": {
                "master_alive": master_alive,
                "same_workers": workers_before == workers_after,
                "workers_before": sorted(workers_before),
                "workers_after": sorted(workers_after),
            },
            "connection_errors": sum(1 for s in samples if s.status == 0),
            "transitions": [asdict(s) for s in _transitions(samples)],
        }
        checks = {
            "served before the outage": summary["before_outage"]["all_200"] and bool(before),
            "friendly 503 during the outage": summary["during_outage"]["all_clean_503"],
            "recovered within the limit": first_ok is not None
            and recovered_at - ready_at <= args.recovery_limit,
            "all good after recovery": summary["after_recovery"]["all_200"],
            "gunicorn never restarted": master_alive and workers_before == workers_after,
            "no refused connections": summary["connection_errors"] == 0,
        }
        summary["checks"] = checks
        summary["ok"] = all(checks.values())
        output = json.dumps(summary, indent=2)
        print(output)
        if args.json:
            Path(args.json).write_text(output)
        return 0 if summary["ok"] else 1
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=35)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        postgres.stop("immediate")
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _transitions(samples: list[Sample]) -> list[Sample]:
    """The samples where the answer changed: enough to read the timeline at a glance."""
    out, previous = [], None
    for sample in samples:
        if sample.status != previous:
            out.append(sample)
            previous = sample.status
    return out


if __name__ == "__main__":
    sys.exit(main())
