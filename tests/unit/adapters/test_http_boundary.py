"""The one HTTP boundary: one client factory, no proxies from the environment, one error translation."""

from __future__ import annotations

import ast
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from oob_console.adapters.bgp.looking_glass_http import RipestatLookingGlass
from oob_console.adapters.http_httpx import Timeouts, new_client, status_error, translate_errors
from oob_console.adapters.importers.netbox import NetBoxClient
from oob_console.adapters.notifiers.matrix import MatrixChannel
from oob_console.adapters.notifiers.pagerduty import PagerDutyChannel
from oob_console.adapters.notifiers.slack import SlackChannel
from oob_console.adapters.notifiers.webhook import WebhookChannel
from oob_console.adapters.providers.aws import AwsByoipBackend
from oob_console.adapters.providers.cloudflare import CloudflareBackend
from oob_console.core.bgp.desired import RouteRow
from oob_console.core.bgp.intent import make_route
from oob_console.core.notice import Notice
from oob_console.errors import (
    AuthError,
    ConfigError,
    DeadlineError,
    NotFoundError,
    OobError,
    RefusedError,
    UnavailableError,
)

PKG = Path(__file__).resolve().parents[3] / "oob_console"
FACTORY = PKG / "adapters" / "http_httpx.py"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
PREFIX = "203.0.113.0/24"
N = Notice(id="0123456789abcdef", site="sjc1", severity="critical", text="backbone down", created=1_790_000_000.0)


# --- no client is built anywhere else --------------------------------------------------------------

_BUILDERS = {"Client", "AsyncClient", "request", "stream", "get", "post", "put", "patch", "delete", "head",
             "options"}  # httpx's top-level helpers build a client with trust_env=True


def _client_builders(path: Path) -> list[str]:
    """Each place in ``path`` that builds an httpx client (or uses a helper that does)."""
    tree = ast.parse(path.read_text(), str(path))
    aliases = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import)
               for a in n.names if a.name == "httpx"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "httpx":
            found += [f"{node.lineno}: from httpx import {a.name}" for a in node.names if a.name in _BUILDERS]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _BUILDERS
              and isinstance(node.func.value, ast.Name) and node.func.value.id in aliases):
            found.append(f"{node.lineno}: {node.func.value.id}.{node.func.attr}(")
    return found


def test_only_the_factory_builds_an_httpx_client() -> None:
    bad = [f"{path.relative_to(PKG)}:{where}" for path in sorted(PKG.rglob("*.py")) if path != FACTORY
           for where in _client_builders(path)]
    assert not bad, "build HTTP clients with oob_console.adapters.http_httpx.new_client:\n" + "\n".join(bad)


def test_the_scan_sees_a_client_being_built(tmp_path: Path) -> None:
    assert [w.split(": ")[1] for w in _client_builders(FACTORY)] == ["httpx.Client("]
    bad = tmp_path / "bad.py"
    bad.write_text("import httpx as h\nfrom httpx import AsyncClient\nh.post('http://x/')\nh.Timeout(1)\n")
    assert _client_builders(bad) == ["2: from httpx import AsyncClient", "3: h.post("]


def test_the_factory_never_trusts_the_environment_and_always_has_timeouts() -> None:
    with new_client() as client:
        assert client.trust_env is False and client.follow_redirects is False
        t = client.timeout
        assert None not in (t.connect, t.read, t.write, t.pool)
        assert client.headers["User-Agent"] == "oob-console"
    assert Timeouts(connect=1, read=4).as_httpx() == httpx.Timeout(connect=1, read=4, write=4, pool=4)
    assert Timeouts.every(7).as_httpx() == httpx.Timeout(7)


# --- no adapter honours proxy variables ------------------------------------------------------------

@pytest.fixture
def target() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server answering every adapter's request well enough; the paths it was asked for."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(self.path)
            if self.command == "POST" and self.path == "/":  # the EC2 Query API answers XML
                body = (b'<DescribeByoipCidrsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                        b"<byoipCidrSet/></DescribeByoipCidrsResponse>")
            else:
                body = json.dumps({"results": [], "next": None, "success": True, "errors": [], "result": [],
                                   "data": {"rrcs": []}, "event_id": "$e", "dedup_key": "k"}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every proxy variable points at a port where nothing listens: a request sent there fails."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for var in PROXY_VARS:
        monkeypatch.setenv(var, f"http://127.0.0.1:{port}")
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)


def _row() -> RouteRow:
    route = make_route(PREFIX, origin_as=64500)
    return RouteRow("up", PREFIX, "announced", route, "bgp-x", 1, 0.0)


def _drive(base: str) -> dict[str, Callable[[], object]]:
    """One call per HTTP adapter, each to ``base``."""
    cloudflare = CloudflareBackend("cf", account_id="acct", token=lambda: "t", api_url=f"{base}/client/v4")
    aws = AwsByoipBackend("aws", region="us-east-1", access_key_id=lambda: "AK", secret_access_key=lambda: "SK",
                          endpoint=base)
    return {
        "cloudflare": lambda: cloudflare.advertised([_row()]),  # answers "not found": a stage, not a raise
        "aws": lambda: aws.call("DescribeByoipCidrs"),
        "looking glass": lambda: RipestatLookingGlass(base).visible(PREFIX, 64500),
        "netbox": lambda: list(NetBoxClient(base, "tok").paginate("dcim/devices")),
        "pagerduty": lambda: PagerDutyChannel("pd", routing_key=lambda: "RK", url=f"{base}/v2/enqueue").send(N),
        "slack": lambda: SlackChannel("s", webhook_url=lambda: f"{base}/services/T/B/X").send(N),
        "matrix": lambda: MatrixChannel("m", homeserver=base, room="!r:x", access_token=lambda: "T").send(N),
        "webhook": lambda: WebhookChannel("h", url=lambda: f"{base}/hook").send(N),
    }


def test_the_proxy_variables_would_be_honoured_by_a_default_client(proxied: None,
                                                                   target: tuple[str, list[str]]) -> None:
    base, seen = target
    with httpx.Client() as plain, pytest.raises(httpx.TransportError):  # the trap this module guards against
        plain.get(f"{base}/control")
    assert seen == []


@pytest.mark.parametrize("adapter", ["cloudflare", "aws", "looking glass", "netbox", "pagerduty", "slack",
                                     "matrix", "webhook"])
def test_no_adapter_honours_proxy_variables(proxied: None, target: tuple[str, list[str]], adapter: str) -> None:
    base, seen = target
    _drive(base)[adapter]()  # raises if it went to the (dead) proxy
    assert seen, f"{adapter} did not reach its target"


def test_persistent_clients_do_not_trust_the_environment(proxied: None) -> None:
    base = "http://127.0.0.1:9"
    clients = [
        CloudflareBackend("cf", account_id="a", token=lambda: "t", api_url=base).http.client,
        AwsByoipBackend("aws", region="r", access_key_id=str, secret_access_key=str, endpoint=base).http.client,
        RipestatLookingGlass(base)._client,
        NetBoxClient(base, "tok")._http,
    ]
    assert [c.trust_env for c in clients] == [False] * 4
    assert all(c.follow_redirects is False for c in clients)


# --- one translation of failures --------------------------------------------------------------------

def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return new_client(timeouts=Timeouts(connect=2, read=3, write=4, pool=5), transport=httpx.MockTransport(handler))


def _failing(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc
    return handler


@pytest.mark.parametrize(("exc", "kind", "text"), [
    (httpx.ConnectTimeout("t"), DeadlineError, "NetBox did not answer within 2s (ConnectTimeout)"),
    (httpx.ReadTimeout("t"), DeadlineError, "NetBox did not answer within 3s (ReadTimeout)"),
    (httpx.WriteTimeout("t"), DeadlineError, "within 4s"),
    (httpx.PoolTimeout("t"), DeadlineError, "within 5s"),
    (httpx.ConnectError("[Errno 111] Connection refused"), UnavailableError,
     "cannot reach NetBox: ConnectError: [Errno 111] Connection refused"),
    (httpx.RemoteProtocolError("Server disconnected"), UnavailableError, "cannot reach NetBox: RemoteProtocolError"),
    (httpx.UnsupportedProtocol("ftp://s3cret@x"), ConfigError, "malformed URL (UnsupportedProtocol"),
])
def test_transport_failures_are_translated_once(exc: Exception, kind: type[OobError], text: str) -> None:
    client = _client(_failing(exc))
    with pytest.raises(kind) as info, translate_errors(client, "NetBox", where="https://nb", hint="check --url"):
        client.get("https://nb/api/")
    assert text in info.value.message and info.value.where == "https://nb"
    assert "s3cret" not in str(info.value)
    assert isinstance(info.value.__cause__, httpx.HTTPError)


def test_a_timeout_has_its_own_hint_and_a_malformed_url_never_shows() -> None:
    client = _client(_failing(httpx.ReadTimeout("t")))
    with pytest.raises(DeadlineError) as late, translate_errors(client, "AWS", where="w", hint="uplink",
                                                                timeout_hint="may have been made"):
        client.get("https://x/")
    assert late.value.hint == "may have been made"
    with pytest.raises(ConfigError) as bad, translate_errors(client, "it", where="channel s", url_hint="url_ref"):
        client.get("https://hooks.example:SECRETTOKEN/x")
    assert "SECRETTOKEN" not in str(bad.value) and bad.value.hint == "url_ref"


def _answer(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "https://api/"))


@pytest.mark.parametrize(("status", "plain", "with_credential", "wording_api"), [
    (200, None, None, None),
    (204, None, None, None),
    (301, UnavailableError, UnavailableError, UnavailableError),
    (400, UnavailableError, UnavailableError, RefusedError),
    (401, UnavailableError, AuthError, AuthError),
    (403, UnavailableError, AuthError, AuthError),
    (404, UnavailableError, UnavailableError, NotFoundError),
    (408, UnavailableError, UnavailableError, UnavailableError),
    (429, UnavailableError, UnavailableError, UnavailableError),
    (500, UnavailableError, UnavailableError, UnavailableError),
    (503, UnavailableError, UnavailableError, UnavailableError),
])
def test_what_an_answer_means(status: int, plain: type | None, with_credential: type | None,
                              wording_api: type | None) -> None:
    def kind(error: OobError | None) -> type | None:
        return None if error is None else type(error)

    resp = _answer(status)
    assert kind(status_error(resp, "X", where="w")) is plain
    assert kind(status_error(resp, "X", where="w", credential="token")) is with_credential
    assert kind(status_error(resp, "X", where="w", credential="token", refusals=True)) is wording_api


def test_answer_wording() -> None:
    auth = status_error(_answer(403), "NetBox", where="w", credential="token", hint="check --token-file")
    assert auth is not None and auth.message == "NetBox refused the token (HTTP 403)" and auth.hint
    no = status_error(_answer(400), "Cloudflare", where="w", detail="1002: bad", refusals=True)
    assert no is not None and no.message == "Cloudflare said no (HTTP 400): 1002: bad"
    down = status_error(_answer(502), "looking glass", where="w")
    assert down is not None and down.message == "looking glass answered HTTP 502"


def test_the_adapters_keep_their_error_types() -> None:
    def answer(status: int, body: Any) -> Callable[[httpx.Request], httpx.Response]:
        return lambda request: httpx.Response(status, json=body)

    lg = RipestatLookingGlass("https://lg", transport=httpx.MockTransport(answer(403, {})))
    with pytest.raises(UnavailableError, match="looking glass answered HTTP 403"):
        lg.visible(PREFIX, 64500)
    cf = CloudflareBackend("cf", account_id="a", token=lambda: "t", api_url="https://cf",
                           transport=httpx.MockTransport(answer(403, {"success": False, "errors": [
                               {"code": 10000, "message": "Authentication error"}]})))
    with pytest.raises(AuthError, match=r"Cloudflare refused the API token \(HTTP 403\) 10000: Authentication"):
        cf._find(PREFIX)
    cf = CloudflareBackend("cf", account_id="a", token=lambda: "t", api_url="https://cf",
                           transport=httpx.MockTransport(answer(200, {"success": False, "errors": []})))
    with pytest.raises(RefusedError, match=r"said no \(HTTP 200\): no error text"):
        cf._find(PREFIX)
    dead = CloudflareBackend("cf", account_id="a", token=lambda: "t", api_url="https://cf",
                             transport=httpx.MockTransport(_failing(httpx.ConnectError("refused"))))
    with pytest.raises(UnavailableError) as info:
        dead._find(PREFIX)
    assert info.value.message == "cannot reach Cloudflare API: ConnectError: refused"
