"""Local HTTP servers speaking the documented shapes of the provider APIs we drive.

- :class:`CloudflareApi`: the BYOIP BGP Prefixes API (``/accounts/{id}/addressing/prefixes``,
  ``.../bgp/prefixes``, ``PATCH .../bgp/prefixes/{id}`` with ``on_demand.advertised``),
  the v4 envelope, Bearer tokens, and 429 + ``Retry-After`` on demand.
- :class:`AwsEc2Api`: the EC2 Query API for BYOIP (``AdvertiseByoipCidr``,
  ``WithdrawByoipCidr``, ``DescribeByoipCidrs``), XML answers, SigV4 checked
  against the secret it was given, the documented "at most once every 10
  seconds" enforced (``RequestLimitExceeded``), and a propagation delay before
  the state reads ``advertised``.

Both record every request so tests can check what was sent and when.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from oob_console.adapters.providers.aws import sigv4_authorization


@dataclass
class Seen:
    method: str
    path: str
    body: Any
    at: float = field(default_factory=time.time)
    status: int = 0


class _Server:
    def __init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = owner.handle(self.command, self.path, dict(self.headers), raw)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PATCH = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.seen: list[Seen] = []
        self.lock = threading.Lock()

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def __enter__(self) -> _Server:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class CloudflareApi(_Server):
    def __init__(self, *, account: str, token: str, cidr: str, asn: int = 64500) -> None:
        super().__init__()
        self.account, self.token = account, token
        self.throttle = 0  # answer this many next requests with 429
        self.bgp = {"id": "bgp0123", "cidr": cidr, "asn": asn, "asn_prepend_count": 0,
                    "on_demand": {"advertised": False, "advertised_modified_at": None, "on_demand_enabled": True,
                                  "on_demand_locked": False}}
        self.ip_prefix = {"id": "pfx0123", "cidr": cidr, "account_id": account, "on_demand_enabled": True}

    @staticmethod
    def _json(status: int, result: Any = None, errors: list[dict[str, Any]] | None = None
              ) -> tuple[int, dict[str, str], bytes]:
        body = {"success": not errors, "errors": errors or [], "messages": [], "result": result}
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], bytes]:
        body = json.loads(raw) if raw else None
        seen = Seen(method, path, body)
        with self.lock:
            self.seen.append(seen)
            out = self._route(method, path, headers, body)
            seen.status = out[0]
            return out

    def _route(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], bytes]:
        if self.throttle > 0:
            self.throttle -= 1
            status, hdrs, data = self._json(429, None, [{"code": 971, "message": "Please wait and consider "
                                                         "throttling your request speed"}])
            return status, {**hdrs, "Retry-After": "1"}, data
        if headers.get("Authorization") != f"Bearer {self.token}":
            return self._json(403, None, [{"code": 10000, "message": "Authentication error"}])
        base = f"/client/v4/accounts/{self.account}/addressing/prefixes"
        pid, bid = self.ip_prefix["id"], self.bgp["id"]
        if method == "GET" and path == base:
            return self._json(200, [self.ip_prefix])
        if method == "GET" and path == f"{base}/{pid}/bgp/prefixes":
            return self._json(200, [self.bgp])
        if path == f"{base}/{pid}/bgp/prefixes/{bid}":
            if method == "GET":
                return self._json(200, self.bgp)
            if method == "PATCH":
                if self.bgp["on_demand"]["on_demand_locked"]:
                    return self._json(400, None, [{"code": 1003, "message": "prefix is locked"}])
                if "asn_prepend_count" in body:
                    if not 0 <= body["asn_prepend_count"] <= 3:
                        return self._json(400, None, [{"code": 1002, "message": "asn_prepend_count 0-3"}])
                    self.bgp["asn_prepend_count"] = body["asn_prepend_count"]
                if "on_demand" in body:
                    self.bgp["on_demand"]["advertised"] = bool(body["on_demand"]["advertised"])
                    self.bgp["on_demand"]["advertised_modified_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ")
                return self._json(200, self.bgp)
        return self._json(404, None, [{"code": 1000, "message": f"not found: {path}"}])


_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"


class AwsEc2Api(_Server):
    def __init__(self, *, access_key: str, secret_key: str, cidr: str, region: str = "us-east-1",
                 propagation: float = 1.0) -> None:
        super().__init__()
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self.propagation = propagation
        self.cidr = cidr
        self.target = "provisioned"
        self.changed = 0.0
        self.last_change_call: float | None = None
        self.limited = 0  # how many RequestLimitExceeded answers we gave

    def state(self) -> str:
        if time.time() - self.changed < self.propagation:
            return "advertised" if self.target == "provisioned" else "provisioned"
        return self.target

    def _error(self, status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
        xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
               f"<Message>{message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>")
        return status, {"Content-Type": "text/xml"}, xml.encode()

    def _ok(self, action: str, inner: str) -> tuple[int, dict[str, str], bytes]:
        xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{_NS}\">"
               f"<requestId>req-2</requestId>{inner}</{action}Response>")
        return 200, {"Content-Type": "text/xml;charset=UTF-8"}, xml.encode()

    def _cidr_xml(self, tag: str) -> str:
        return (f"<{tag}><cidr>{self.cidr}</cidr><description>lab</description><state>{self.state()}</state>"
                f"</{tag}>")

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], bytes]:
        params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        seen = Seen(method, path, params)
        with self.lock:
            self.seen.append(seen)
            out = self._route(headers, raw, params)
            seen.status = out[0]
            return out

    def _route(self, headers: dict[str, str], raw: bytes, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        amz_date = headers.get("X-Amz-Date", "")
        signed = {"Content-Type": headers.get("Content-Type", ""), "Host": headers.get("Host", ""),
                  "X-Amz-Date": amz_date}
        if "X-Amz-Security-Token" in headers:  # temporary credentials: the token is signed too
            signed["X-Amz-Security-Token"] = headers["X-Amz-Security-Token"]
        expected = sigv4_authorization(method="POST", url=f"http://{headers.get('Host')}/", headers=signed, body=raw,
                                       region=self.region, service="ec2", access_key=self.access_key,
                                       secret_key=self.secret_key, amz_date=amz_date)
        if headers.get("Authorization") != expected:
            return self._error(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
        action = params.get("Action")
        if params.get("Version") != "2016-11-15":
            return self._error(400, "InvalidParameterValue", "bad Version")
        if action == "DescribeByoipCidrs":
            return self._ok(action, f"<byoipCidrSet>{self._cidr_xml('item')}</byoipCidrSet>")
        if action in ("AdvertiseByoipCidr", "WithdrawByoipCidr"):
            now = time.time()
            if self.last_change_call is not None and now - self.last_change_call < 10:
                self.limited += 1
                return self._error(503, "RequestLimitExceeded", "Request limit exceeded.")
            if params.get("Cidr") != self.cidr:
                return self._error(400, "InvalidByoipCidr.NotFound", f"The CIDR {params.get('Cidr')} does not "
                                   "exist (it must be the exact provisioned range)")
            self.last_change_call = now
            self.target = "advertised" if action == "AdvertiseByoipCidr" else "provisioned"
            self.changed = now
            return self._ok(action, self._cidr_xml("byoipCidr"))
        return self._error(400, "InvalidAction", f"unknown action {action}")
