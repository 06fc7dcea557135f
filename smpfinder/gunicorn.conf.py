"""gunicorn settings for production and `make serve`.

Every value can be changed from the environment (GUNICORN_*), so the same file serves a
laptop and a fleet of app servers behind a load balancer. The app servers keep no state:
sessions and the cache live in Redis, files in object storage, data in PostgreSQL.

`kill -HUP <master pid>` starts fresh workers that load the current code (the app is not
preloaded in the master), then retires the old ones once they finish their requests.
"""

import json
import logging
import os
import time
import traceback

from gunicorn.glogging import Logger


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, not {value!r}") from None


def _cpu_count() -> int:
    # The CPUs this process may use (a container's share), not the whole machine's.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"
# The usual 2 × cores + 1, capped: each worker holds a database connection.
workers = _env_int("GUNICORN_WORKERS", min(2 * _cpu_count() + 1, _env_int("GUNICORN_MAX_WORKERS", 8)))
worker_class = "sync"
# Slow uploads and S3 writes fit well inside this; a stuck worker is killed and replaced.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (staggered by the jitter) so slow leaks never add up.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 200)
preload_app = False
# Trust X-Forwarded-Proto only from the load balancer (see SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
# gunicorn's control socket sits at one fixed path per user, which clashes when several
# servers run on one machine; signals (HUP, TERM) do the same job.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
limit_request_line = 8190
limit_request_fields = 100
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat files in memory, off a possibly slow disk

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or "-"  # "-" is stdout
errorlog = os.environ.get("GUNICORN_ERROR_LOG") or "-"  # "-" is stderr
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"


class JsonLogger(Logger):
    """One JSON object per line for access and error logs, like the app's own logs."""

    def setup(self, cfg):
        super().setup(cfg)
        formatter = _JsonErrorFormatter()
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "remote": environ.get("REMOTE_ADDR", "-"),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR", ""),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING", ""),
            "protocol": environ.get("SERVER_PROTOCOL"),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "referer": environ.get("HTTP_REFERER", ""),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
            "request_id": environ.get("HTTP_X_REQUEST_ID", ""),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(entry))
        except Exception:
            self.exception("could not write the access log entry")


class _JsonErrorFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry)


logger_class = JsonLogger


def post_worker_init(worker):
    # Load the offline gazetteer before the worker takes requests: otherwise the first place
    # search after every start, reload (HUP) or recycle waits about two seconds for it.
    from practitioners.places import load_indexes

    load_indexes()
