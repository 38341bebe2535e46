"""Real services on loopback, started and stopped by the deployment and fault tests.

Each is a real program from Debian's packages or PyPI, run as a child process on a free port
of 127.0.0.1 and stopped when its context ends (or the test process exits):

- `object_store()`: moto's S3 API server (`moto_server`), with a bucket made in it;
- `postgres_cluster()`: a PostgreSQL cluster of its own (initdb in a temporary folder), which a
  test may stop and start again without touching the database the suite runs on;
- `app_server()`: the app under gunicorn, configured only through environment variables, as
  a deployment configures it (`deployment_environment()`);
- `load_balancer()`: haproxy, round robin over app servers, checking each with /healthz;
- `connection_pooler()`: PgBouncer in transaction mode.

`bench/run.py`'s load phase uses the same functions. Nothing here is a stand-in: where a
program is missing the caller skips (or fails, in CI) with `require()`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PG_BIN = Path("/usr/lib/postgresql")
STARTUP_SECONDS = 30

_RUNNING: list[Process] = []


PROGRAMS = ("gunicorn", "haproxy", "pgbouncer", "moto_server", "initdb", "pg_ctl")


def require_deployment() -> None:
    """Skip the calling test unless it can start every service (and runs on PostgreSQL).

    On SQLite these tests are skipped: a deployment runs on PostgreSQL. A missing program is a
    skip on a developer's machine and a failure where PEEL_REQUIRE_DEPLOY=1 (CI).
    """
    import pytest
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("deployment tests run on PostgreSQL (DATABASE_URL=postgres://...)")
    absent = missing(*PROGRAMS)
    if absent:
        message = f"deployment tests need {', '.join(absent)} (Debian's packages; .ci/run)"
        if os.environ.get("PEEL_REQUIRE_DEPLOY") == "1":
            pytest.fail(message + ": PEEL_REQUIRE_DEPLOY=1")
        pytest.skip(message)


def missing(*programs: str) -> list[str]:
    """The programs of `programs` that are not installed."""
    return [name for name in programs if find_program(name) is None]


def find_program(name: str) -> str | None:
    if name in {"initdb", "pg_ctl"}:
        versions = sorted(PG_BIN.glob("*/bin/" + name), key=lambda path: int(path.parts[-3]))
        return str(versions[-1]) if versions else None
    if (BIN / name).exists():
        return str(BIN / name)
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def as_user(user: str, argv: list[str]) -> list[str]:
    """`argv` run as `user` when this process is root (PostgreSQL and PgBouncer refuse root)."""
    return ["runuser", "-u", user, "--", *argv] if os.geteuid() == 0 else argv


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check: Callable[[], bool], what: str, seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not happen within {seconds:g} s")


@dataclass
class Process:
    """A child process with its output in a log file, stopped at exit if still running."""

    name: str
    argv: list[str]
    log: Path
    env: Mapping[str, str] | None = None
    user: str | None = None
    popen: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Process:
        argv = self.argv
        if self.user:
            argv = as_user(self.user, argv)
        with open(self.log, "ab") as log:
            self.popen = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(self.env) if self.env is not None else None,
                cwd=ROOT,
                start_new_session=True,
            )
        _RUNNING.append(self)
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 10) -> None:
        if not self.running:
            return
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(seconds)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for_port(self, port: int, seconds: float = STARTUP_SECONDS) -> None:
        def listening() -> bool:
            if not self.running:
                raise RuntimeError(f"{self.name} exited:\n{self.output()[-3000:]}")
            return port_open(port)

        wait_until(listening, f"{self.name} listening on port {port}", seconds)


@atexit.register
def _stop_all() -> None:
    for process in reversed(_RUNNING):
        with contextlib.suppress(Exception):
            process.stop(seconds=5)


# The object store ---------------------------------------------------------------------------


@dataclass
class ObjectStore:
    """moto's S3 server and one bucket in it. `stop()` and `start()` take it down and back."""

    port: int
    bucket: str
    process: Process

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """What an app server needs to keep its evidence in this bucket."""
        return {
            "PEEL_EVIDENCE_STORAGE": "s3",
            "PEEL_S3_BUCKET": self.bucket,
            "PEEL_S3_ENDPOINT_URL": self.endpoint,
            "PEEL_S3_REGION": "eu-west-2",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any key
        }

    def stop(self) -> None:
        self.process.stop()

    def start(self) -> None:
        self.process.start().wait_for_port(self.port)

    def client(self):
        import boto3

        env = self.environment()
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=env["PEEL_S3_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    def create_bucket(self) -> None:
        """Make the bucket: moto keeps everything in memory, so a restarted store has none."""
        self.client().create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )

    def keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return [item["Key"] for item in listing.get("Contents", [])]


@contextlib.contextmanager
def object_store(folder: Path, bucket: str = "peel-evidence") -> Iterator[ObjectStore]:
    """moto's S3 API server on a free port, with `bucket` made (its data lives in memory)."""
    port = free_port()
    process = Process(
        "moto_server",
        [find_program("moto_server") or "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        folder / "moto.log",
    )
    store = ObjectStore(port, bucket, process)
    store.start()
    try:
        store.create_bucket()
        yield store
    finally:
        process.stop()


# PostgreSQL ---------------------------------------------------------------------------------


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster of its own on a free port, trust auth for `postgres`."""

    data: Path
    port: int
    log: Path

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _pg_ctl(self, *args: str) -> None:
        argv = [
            find_program("pg_ctl") or "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "30",
            *args,
        ]
        subprocess.run(as_user("postgres", argv), check=True, capture_output=True, text=True)

    def start(self) -> None:
        self._pg_ctl(
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=on",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-m", mode, "stop")

    def create_database(self, name: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.url())
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()


@contextlib.contextmanager
def postgres_cluster(folder: Path) -> Iterator[PostgresCluster]:
    """initdb into `folder`/pgdata and start it; stopped (immediately) when the context ends."""
    data = folder / "pgdata"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
    initdb = [
        find_program("initdb") or "initdb",
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    ]
    subprocess.run(as_user("postgres", initdb), check=True, capture_output=True, text=True)
    cluster = PostgresCluster(data, free_port(), folder / "postgres.log")
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop("immediate")


# The app ------------------------------------------------------------------------------------


def deployment_environment(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """An app server's environment, production settings (DEBUG off) as README's deploy has it.

    TLS ends at the load balancer, which says so in X-Forwarded-Proto; the static files are
    collected once into `folder`/static (`collect_static`).
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PEEL_", "DATABASE_URL", "PYTEST", "COV_"))
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "peel.settings",
            "DJANGO_SECRET_KEY": "deployment-test-secret-key-not-for-production-use",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_BEHIND_TLS_PROXY": "1",
            "DJANGO_STATIC_ROOT": str(folder / "static"),
            "MEDIA_ROOT": str(folder / "media"),
            "DATABASE_URL": database_url,
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONPATH": str(ROOT),
        }
    )
    environment.update(extra)
    return environment


def collect_static(environment: Mapping[str, str]) -> None:
    """The production settings serve static files from a manifest: collect them once."""
    if Path(environment["DJANGO_STATIC_ROOT"], "staticfiles.json").exists():
        return
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=dict(environment),
        check=True,
        capture_output=True,
        text=True,
    )


def shared_static_root() -> Path:
    """A STATIC_ROOT that every run collects into once, named by what it is collected from.

    collectstatic with the production storage (compressing every file) takes half a minute
    on a busy machine; the name changes when a file under static/ or Django's version does,
    so a run never serves a stale collection. Pass it as DJANGO_STATIC_ROOT.
    """
    import hashlib

    import django

    digest = hashlib.sha256(django.__version__.encode())
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return Path(tempfile.gettempdir()) / f"peel-static-{digest.hexdigest()[:16]}"


def collect_static_once(environment: Mapping[str, str]) -> None:
    """`collect_static` into a fresh folder renamed into place: a half-collected folder (a run
    stopped part-way, another test collecting at the same time) is never served."""
    target = Path(environment["DJANGO_STATIC_ROOT"])
    if (target / "staticfiles.json").exists():
        return
    partial = Path(tempfile.mkdtemp(prefix=target.name + "-", dir=target.parent))
    partial.chmod(0o755)
    collect_static({**environment, "DJANGO_STATIC_ROOT": str(partial)})
    try:
        partial.rename(target)
    except OSError:  # collected by someone else meanwhile
        shutil.rmtree(partial, ignore_errors=True)


def migrate(environment: Mapping[str, str]) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=dict(environment),
        check=True,
        capture_output=True,
        text=True,
    )


@dataclass
class AppServer:
    name: str
    port: int
    process: Process
    # How long one /healthz may take to answer while starting; longer where every request
    # waits for a fresh worker (`max_requests=1`): a check given up on would still be served
    # later, by a worker that then exits, and the next check would wait for the next one.
    check_seconds: float = 2

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.stop()

    def start(self) -> None:
        """Started once its workers answer /healthz (whatever the database's state)."""
        self.process.start().wait_for_port(self.port)
        wait_until(self.answers, f"{self.name} answering /healthz")

    def answers(self) -> bool:
        try:
            get(self.url + "/healthz", seconds=self.check_seconds)
        except OSError:
            return False
        return True


def app_server(
    name: str,
    environment: Mapping[str, str],
    folder: Path,
    *,
    workers: int = 2,
    max_requests: int = 0,
    timeout: int = 30,
    access_log_format: str | None = None,
    preload: bool = False,
) -> AppServer:
    """gunicorn serving peel.wsgi on a free port, started; stopped at exit at the latest.

    `max_requests=1` gives every request a fresh worker: whatever a flow relies on must then
    live in the database or the object store, not in a worker's memory. `access_log_format`
    is gunicorn's (`%(p)s` is the worker's process id), in the server's log. `preload` imports
    the app once in gunicorn's master, so a fresh worker starts in milliseconds, not seconds.
    """
    port = free_port()
    argv = [
        find_program("gunicorn") or "gunicorn",
        "peel.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "5",
        "--access-logfile",
        "-",
        "--no-control-socket",
    ]
    if max_requests:
        argv += ["--max-requests", str(max_requests)]
    if access_log_format:
        argv += ["--access-logformat", access_log_format]
    if preload:
        argv.append("--preload")
    process = Process(name, argv, folder / f"{name}.log", env=environment)
    server = AppServer(name, port, process, check_seconds=STARTUP_SECONDS if max_requests else 2)
    server.start()
    return server


@dataclass
class LoadBalancer:
    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.stop()


HAPROXY = """\
global
    maxconn 1000
defaults
    mode http
    timeout connect 2s
    timeout check 10s
    timeout client 60s
    timeout server 60s
    option forwardfor
frontend web
    bind 127.0.0.1:{port}
    # TLS would end here in a deployment: tell the app the browser's request was HTTPS.
    http-request set-header X-Forwarded-Proto https
    default_backend app
backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # Which app server answered, for the tests.
    http-response set-header X-Served-By %s
{servers}
"""


def load_balancer(
    servers: list[AppServer], folder: Path, *, check_interval: str = "1s", name: str = "haproxy"
) -> LoadBalancer:
    """haproxy on a free port, round robin over `servers`, each checked on /healthz every
    `check_interval` (a longer one where every request costs a worker: `max_requests=1`).
    Its configuration is `folder`/`name`.cfg."""
    port = free_port()
    lines = "\n".join(
        f"    server {server.name} 127.0.0.1:{server.port}"
        f" check inter {check_interval} fall 3 rise 1"
        for server in servers
    )
    config = folder / f"{name}.cfg"
    config.write_text(HAPROXY.format(port=port, servers=lines), encoding="utf-8")
    process = Process(
        "haproxy",
        [find_program("haproxy") or "haproxy", "-f", str(config), "-db"],
        folder / f"{name}.log",
    ).start()
    process.wait_for_port(port)
    return LoadBalancer(port, process)


@dataclass
class ConnectionPooler:
    port: int
    process: Process

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


PGBOUNCER = """\
[databases]
* = host=127.0.0.1 port={pg_port}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
ignore_startup_parameters = {ignore}
unix_socket_dir =
logfile =
pidfile =
"""


def connection_pooler(
    pg_port: int,
    folder: Path,
    *,
    password: str = "",
    ignore_startup_parameters: str = "extra_float_digits,options",
) -> ConnectionPooler:
    """PgBouncer in transaction mode in front of PostgreSQL on `pg_port`.

    It logs in to PostgreSQL as `postgres` with `password` (none under trust auth). PgBouncer
    1.18 refuses a client that sends a startup parameter it does not know, `options` among
    them, unless `ignore_startup_parameters` lists it (and then drops it).
    """
    port = free_port()
    user = '"postgres" "{}"\n'.format(password.replace('"', '""'))
    (folder / "users.txt").write_text(user, encoding="utf-8")
    config = folder / "pgbouncer.ini"
    config.write_text(
        PGBOUNCER.format(
            pg_port=pg_port, port=port, folder=folder, ignore=ignore_startup_parameters
        ),
        encoding="utf-8",
    )
    user = None
    if os.geteuid() == 0:  # PgBouncer will not run as root
        user = "postgres"
        for path in (folder, config, folder / "users.txt"):
            shutil.chown(path, "postgres")
    process = Process(
        "pgbouncer",
        [find_program("pgbouncer") or "pgbouncer", str(config)],
        folder / "pgbouncer.log",
        user=user,
    ).start()
    process.wait_for_port(port)
    return ConnectionPooler(port, process)


def get(url: str, seconds: float = 5) -> tuple[int, bytes]:
    """A plain GET: the status and body, an HTTP error included, without following redirects."""
    request = urllib.request.Request(url)
    try:
        with _NO_REDIRECTS.open(request, timeout=seconds) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class _Refuse(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_NO_REDIRECTS = urllib.request.build_opener(_Refuse)


def temporary_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder
