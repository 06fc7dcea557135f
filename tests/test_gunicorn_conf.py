"""smpfinder/gunicorn.conf.py: worker count, timeouts, reload behaviour, structured logs."""

import datetime
import json
import logging
import os
import runpy
from pathlib import Path
from unittest import mock

import pytest

CONFIG = Path(__file__).resolve().parent.parent / "smpfinder" / "gunicorn.conf.py"


def load(**environment: str) -> dict:
    keep = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    with mock.patch.dict(os.environ, {**keep, **environment}, clear=True):
        return runpy.run_path(str(CONFIG))


def test_workers_are_two_per_cpu_plus_one_capped_at_eight():
    config = load()
    cpus = len(os.sched_getaffinity(0))
    assert config["workers"] == min(2 * cpus + 1, 8)


def test_worker_count_and_cap_come_from_the_environment():
    assert load(GUNICORN_WORKERS="3")["workers"] == 3
    assert load(GUNICORN_MAX_WORKERS="1")["workers"] == 1


def test_bad_numbers_stop_the_server_with_a_clear_message():
    with pytest.raises(SystemExit, match="GUNICORN_TIMEOUT must be an integer"):
        load(GUNICORN_TIMEOUT="thirty")


def test_reload_timeouts_and_recycling():
    config = load()
    assert config["preload_app"] is False  # HUP loads the new code into new workers
    assert config["timeout"] == 30
    assert config["graceful_timeout"] == 30
    assert config["max_requests"] > 0
    assert 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["accesslog"] == "-"
    assert config["bind"] == "127.0.0.1:8000"
    assert config["control_socket_disable"] is True


def test_bind_follows_port_or_gunicorn_bind():
    assert load(PORT="9001")["bind"] == "127.0.0.1:9001"
    assert load(GUNICORN_BIND="0.0.0.0:80")["bind"] == "0.0.0.0:80"


class _Response:
    status = "200 OK"
    sent = 1234


def test_access_log_is_one_json_object_even_with_quotes_in_the_request(capsys):
    from gunicorn.config import Config

    logger_class = load()["logger_class"]
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = logger_class(cfg)
    environ = {
        "REMOTE_ADDR": "10.0.0.7",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": '/practitioners/"quoted"/',
        "QUERY_STRING": 'near="Miami"\n{"forged": 1}',
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": 'agent "with quotes"',
        "HTTP_X_REQUEST_ID": "abc123",
        "RAW_URI": "/",
    }
    logger.access(_Response(), None, environ, datetime.timedelta(milliseconds=42))
    for handler in logger.access_log.handlers:
        handler.flush()

    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["status"] == 200
    assert entry["path"] == '/practitioners/"quoted"/'
    assert entry["query"] == 'near="Miami"\n{"forged": 1}'
    assert entry["user_agent"] == 'agent "with quotes"'
    assert entry["duration_ms"] == 42.0
    assert entry["request_id"] == "abc123"
    assert entry["bytes"] == 1234
    logging.getLogger("gunicorn.access").handlers.clear()
