"""The resilience suite: load held, reloads under load, a PostgreSQL restart, hostile uploads,
and faults during uploads followed by check_media. Every check is pass/fail with its figures."""

import http.client
import json
import random
import re
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import server
from .corpus import DOCUMENT, MARKERS, corpus
from .server import BIN, DATA, RESULTS, ROOT, Gunicorn, django_env, wrk

CRASH_SIGNS = ("WORKER TIMEOUT", "was sent SIGKILL", "Worker exited", "exited with code")


@dataclass
class Check:
    name: str
    passed: bool
    figures: str
    details: dict = field(default_factory=dict)


def django_side(database: str, *args: str) -> dict:
    out = subprocess.run(
        [str(BIN / "python"), "bench/django_side.py", *args],
        cwd=ROOT,
        env=django_env(database),
        text=True,
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def mixed_paths(targets: dict) -> list[str]:
    paths = targets["paths"]
    keys = [
        "home",
        "search",
        "search_distance",
        "search_page1",
        "search_deep",
        "profile",
        "profile_quiet",
        "compare",
    ]
    return [paths[key] for key in keys]


# -- load ---------------------------------------------------------------------------------


def load_held(gunicorn: Gunicorn, targets: dict, seconds: int) -> Check:
    result = wrk(
        gunicorn.base, "/", connections=32, seconds=seconds, paths=mixed_paths(targets), timeout="10s"
    )
    return Check(
        f"load held: 32 connections × {seconds}s, mixed pages",
        result["errors"] == 0 and result["non_2xx"] == 0 and result["requests"] > 0,
        f"{result['requests']} requests, {result['rps']}/s, p99 {result['p99_ms']:.0f} ms, "
        f"non-2xx {result['non_2xx']}, socket errors {sum(result['socket_errors'].values())}",
        result,
    )


def reload_under_load(gunicorn: Gunicorn, targets: dict, seconds: int) -> Check:
    boots_before = gunicorn.log_count("Booting worker")
    outcome = {}

    def run():
        outcome.update(
            wrk(
                gunicorn.base, "/", connections=32, seconds=seconds, paths=mixed_paths(targets), timeout="10s"
            )
        )

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(seconds * 0.25)
    gunicorn.hup()
    time.sleep(seconds * 0.35)
    gunicorn.hup()
    thread.join()
    time.sleep(1)
    boots = gunicorn.log_count("Booting worker") - boots_before
    ok = outcome.get("errors", 1) == 0 and outcome.get("non_2xx", 1) == 0 and boots > 0
    return Check(
        f"gunicorn HUP twice under load (32 connections × {seconds}s)",
        ok,
        f"{outcome.get('requests')} requests, non-2xx {outcome.get('non_2xx')}, "
        f"socket errors {sum(outcome.get('socket_errors', {}).values())}, workers booted by the reloads {boots}",
        outcome,
    )


def postgres_restart() -> Check:
    """Delegates to bench/pg_restart.py (its own PostgreSQL on its own port), if present."""
    script = ROOT / "bench" / "pg_restart.py"
    if not script.exists():
        return Check("PostgreSQL restart under load", False, "bench/pg_restart.py is not there yet")
    summary_file = RESULTS / "pg_restart.json"
    summary_file.unlink(missing_ok=True)
    # The issue asks for recovery within 2 s of PostgreSQL accepting connections again.
    out = subprocess.run(
        [str(BIN / "python"), str(script), "--recovery-limit", "2", "--json", str(summary_file)],
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=False,
    )
    (RESULTS / "pg_restart.log").write_text(out.stdout + out.stderr)
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    figures = {key: value for key, value in summary.items() if not isinstance(value, (list, dict))}
    return Check(
        "PostgreSQL restart under load (bench/pg_restart.py, recovery limit 2 s)",
        out.returncode == 0,
        f"exit {out.returncode}; "
        + (", ".join(f"{k} {v}" for k, v in list(figures.items())[:8]) or out.stderr[-200:]),
        summary,
    )


# -- uploads ------------------------------------------------------------------------------


class Owner:
    """A logged-in owner talking to the running server over HTTP, as a browser would."""

    def __init__(self, gunicorn: Gunicorn, database: str):
        self.port = gunicorn.port
        info = django_side(database, "session", "bench-owner@bench.smpfinder.example")
        self.cookies = info["cookies"]
        self.practitioner = info["practitioner"]
        self.practitioner_id = info["practitioner_id"]

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method, path, body=b"", headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(
                method,
                path,
                body=body,
                headers={"Host": "127.0.0.1", "Cookie": self._cookie_header(), **(headers or {})},
            )
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, data, dict(response.getheaders())
        finally:
            conn.close()

    def form_path(self, form: str) -> str:
        if form == DOCUMENT:
            return f"/dashboard/practitioners/{self.practitioner}/certifications/new/"
        return f"/dashboard/practitioners/{self.practitioner}/portfolio/"

    def csrf(self, path: str) -> str:
        status, body, headers = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status} {headers.get('Location', '')}")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1).decode()

    def upload(self, form: str, filename: str, content_type: str, data: bytes, headers=None, timeout=30):
        path = self.form_path(form)
        token = self.csrf(path)
        if form == DOCUMENT:
            fields = {"issuing_body": "Bench Academy", "certificate_number": "B-1", "issued_on": "2024-01-10",
                      "expires_on": "2028-01-10"}  # fmt: skip
            file_field = "document"
        else:
            fields = {"stage": "healed", "months_since_treatment": "6", "sessions_done": "3",
                      "treatment_type": "hairline", "caption": "", "consent": "on"}  # fmt: skip
            file_field = "image"
        body, boundary = multipart(
            {"csrfmiddlewaretoken": token, **fields}, file_field, filename, content_type, data
        )
        started = time.perf_counter()
        status, response, _ = self.request(
            "POST",
            path,
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})},
            timeout=timeout,
        )
        return status, response, time.perf_counter() - started


def multipart(fields: dict, file_field: str, filename: str, content_type: str, data: bytes):
    boundary = "bench" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    # The file name goes on the wire as the client sent it, hostile bytes and all.
    quoted = filename.replace('"', "%22").encode("utf-8", "surrogateescape")
    parts.append(
        f"--{boundary}\r\n".encode()
        + f'Content-Disposition: form-data; name="{file_field}"; filename="'.encode()
        + quoted
        + f'"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), boundary


def rows(database: str, practitioner_id: int) -> tuple[int, int]:
    practitioner_id = int(practitioner_id)
    counts = server.psql(
        f"SELECT (SELECT count(*) FROM practitioners_portfolioitem WHERE practitioner_id = {practitioner_id}), "  # noqa: S608
        f"(SELECT count(*) FROM practitioners_certification WHERE practitioner_id = {practitioner_id})",
        database,
    )
    portfolio, documents = counts.split("|")
    return int(portfolio), int(documents)


def files_written_since(database: str, since: float) -> list[Path]:
    found = []
    for folder in (DATA / database / "media", DATA / database / "private-media"):
        if folder.exists():
            found += [p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime >= since]
    return found


def attack_corpus(gunicorn: Gunicorn, database: str) -> list[Check]:
    owner = Owner(gunicorn, database)
    files = corpus()
    boots_before = gunicorn.log_count("Booting worker")
    crashes_before = sum(gunicorn.log_count(sign) for sign in CRASH_SIGNS)
    started_at = time.time() - 1
    results = []
    for attack in files:
        before = rows(database, owner.practitioner_id)
        status, body, seconds = owner.upload(attack.form, attack.filename, attack.content_type, attack.data)
        after = rows(database, owner.practitioner_id)
        index = 1 if attack.form == DOCUMENT else 0
        stored = after[index] - before[index]
        outcome = (
            "reencode"
            if status == 302 and stored == 1
            else ("refuse" if status in (200, 400, 413) and stored == 0 else "unexpected")
        )
        ok = (
            status < 500
            and seconds < 1.0
            and outcome != "unexpected"
            and attack.expect in (outcome, "either")
        )
        results.append({
            "file": attack.key, "bytes": len(attack.data), "status": status, "seconds": round(seconds, 3),
            "outcome": outcome, "expected": attack.expect, "ok": ok,
        })  # fmt: skip
    leaked = []
    for path in files_written_since(database, started_at):
        content = path.read_bytes()
        leaked += [f"{path.name}: {marker.decode()}" for marker in MARKERS if marker in content]
    boots = gunicorn.log_count("Booting worker") - boots_before
    crashes = sum(gunicorn.log_count(sign) for sign in CRASH_SIGNS) - crashes_before
    (RESULTS / "attack-corpus.json").write_text(json.dumps(results, indent=2))
    five_xx = [r["file"] for r in results if r["status"] >= 500]
    slow = [f"{r['file']} {r['seconds']}s" for r in results if r["seconds"] >= 1.0]
    wrong = [
        f"{r['file']}: {r['outcome']} (expected {r['expected']}, HTTP {r['status']})"
        for r in results
        if not r["ok"] and r["status"] < 500 and r["seconds"] < 1
    ]
    return [
        Check(
            f"upload attack corpus: {len(files)} files refused or safely re-encoded",
            not wrong,
            f"{sum(r['outcome'] == 'refuse' for r in results)} refused, "
            f"{sum(r['outcome'] == 'reencode' for r in results)} re-encoded"
            + (f"; wrong: {wrong}" if wrong else ""),
            {"files": results},
        ),
        Check("upload attack corpus: 0 server errors", not five_xx, f"5xx: {five_xx or 0}"),
        Check(
            "upload attack corpus: 0 worker crashes",
            boots == 0 and crashes == 0,
            f"workers booted {boots}, crash lines {crashes}",
        ),
        Check(
            "upload attack corpus: each answered in under 1 s",
            not slow,
            f"slowest {max(r['seconds'] for r in results):.3f}s" + (f"; slow: {slow}" if slow else ""),
        ),
        Check(
            "upload attack corpus: no script, HTML or EXIF marker in any stored file",
            not leaked,
            f"{len(files_written_since(database, started_at))} files written; leaked: {leaked or 0}",
        ),
    ]


# -- faults -------------------------------------------------------------------------------


def check_media(database: str, *args: str) -> tuple[int, dict]:
    out = subprocess.run(
        [str(BIN / "python"), "manage.py", "check_media", "--json", *args],
        cwd=ROOT,
        env=django_env(database),
        text=True,
        capture_output=True,
        check=False,
    )
    start = out.stdout.find("{")
    return out.returncode, json.loads(out.stdout[start:]) if start >= 0 else {"error": out.stderr[-2000:]}


def faults(gunicorn: Gunicorn, database: str, photo: bytes, kills: int = 6) -> list[Check]:
    owner = Owner(gunicorn, database)
    statuses = {"after-storage-write": [], "db-down-at-commit": [], "worker-killed": []}
    for kind in ("after-storage-write", "db-down-at-commit"):
        for form, name, ctype, data in (
            ("portfolio", "photo.jpg", "image/jpeg", photo),
            (DOCUMENT, "certificate.jpg", "image/jpeg", photo),
        ):
            status, _, _ = owner.upload(form, name, ctype, data, headers={"X-Bench-Fault": kind})
            statuses[kind].append(status)
    rng = random.Random(7)
    for _ in range(kills):
        outcome = {}

        def send(outcome=outcome):
            try:
                outcome["status"] = owner.upload("portfolio", "photo.jpg", "image/jpeg", photo, timeout=20)[0]
            except (OSError, http.client.HTTPException) as error:
                outcome["status"] = type(error).__name__

        thread = threading.Thread(target=send)
        thread.start()
        time.sleep(rng.uniform(0.05, 0.6))
        for pid in gunicorn.worker_pids():
            subprocess.run(["kill", "-9", str(pid)], check=False)
        thread.join()
        statuses["worker-killed"].append(outcome.get("status"))
        # Let the master start new workers before the next round.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if server.get(gunicorn.port, "/bench/bare/", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
    try:
        alive = server.get(gunicorn.port, "/bench/bare/", timeout=10)[0] == 200
    except OSError:
        alive = False
    first_code, first = check_media(database, "--sweep", "--grace-minutes", "0")
    second_code, second = check_media(database, "--grace-minutes", "0")
    dangling = len(first.get("dangling", [])) + len(second.get("dangling", []))
    orphans_left = len(second.get("orphans_left", [])) + len(second.get("orphans_recent", []))
    (RESULTS / "faults.json").write_text(
        json.dumps({"statuses": statuses, "first": first, "second": second}, indent=2)
    )
    return [
        Check(
            "faults during uploads (storage error after write, database gone at commit, worker killed): "
            "the site keeps answering",
            alive,
            "; ".join(f"{kind}: {values}" for kind, values in statuses.items()),
            statuses,
        ),
        Check(
            "check_media after the faults: 0 rows pointing at missing files",
            dangling == 0 and "error" not in first,
            f"dangling {dangling}",
        ),
        Check(
            "check_media --sweep: 0 orphaned files afterwards",
            orphans_left == 0 and second_code == 0,
            f"swept {len(first.get('orphans_swept', []))}, left {orphans_left}",
        ),
    ]
