"""AWS EC2 BYOIP: AdvertiseByoipCidr / WithdrawByoipCidr / DescribeByoipCidrs.

Documented behaviour this follows: the EC2 Query API (``POST`` form body,
``Version=2016-11-15``, XML answers in the ``http://ec2.amazonaws.com/doc/2016-11-15/``
namespace), signed with Signature Version 4. ``Cidr`` must be the exact
provisioned range; "you can perform this operation at most once every 10
seconds, even if you specify different address ranges each time" (the
preflight makes the console wait); routing follows "a few minutes" later. A
``ByoipCidr`` has a ``state``; ``advertised`` means AWS advertises it,
``provisioned`` means it does not. Errors come back as
``<Response><Errors><Error><Code/><Message/></Error></Errors>``; throttling is
``RequestLimitExceeded`` (HTTP 503), retried with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit

import httpx

from oob_console.adapters.providers.api_client import ProviderHttp
from oob_console.core.bgp.desired import Key, RouteRow
from oob_console.core.bgp.stages import Stage
from oob_console.errors import AuthError, OobError, RefusedError, UnavailableError
from oob_console.services.bgp.ports import SessionInfo

API_VERSION = "2016-11-15"
_THROTTLED = ("RequestLimitExceeded", "Throttling")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_authorization(*, method: str, url: str, headers: Mapping[str, str], body: bytes, region: str,
                        service: str, access_key: str, secret_key: str, amz_date: str) -> str:
    """The ``Authorization`` header of AWS Signature Version 4 (``headers`` are the ones signed)."""
    parts = urlsplit(url)
    query = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~"))
                   for k, _, v in (p.partition("=") for p in parts.query.split("&") if p))
    canonical_headers = "".join(f"{k.lower()}:{' '.join(v.split())}\n" for k, v in sorted(headers.items(),
                                                                                         key=lambda kv: kv[0].lower()))
    signed = ";".join(sorted(k.lower() for k in headers))
    canonical = "\n".join([method, parts.path or "/", "&".join(f"{k}={v}" for k, v in query), canonical_headers,
                           signed, hashlib.sha256(body).hexdigest()])
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), date), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"


def _strip(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node: ET.Element, name: str) -> ET.Element | None:
    return next((e for e in node.iter() if _strip(e.tag) == name), None)


def _text(node: ET.Element | None, name: str) -> str:
    found = _find(node, name) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


class AwsByoipBackend:
    kind = "aws"

    def __init__(self, upstream: str, *, region: str, access_key_id: Callable[[], str],
                 secret_access_key: Callable[[], str], endpoint: str = "", timeout: float = 30.0,
                 session_token: Callable[[], str] | None = None,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.upstream = upstream
        self.region = region
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token  # temporary credentials (STS): signed as X-Amz-Security-Token
        self.endpoint = endpoint or f"https://ec2.{region}.amazonaws.com"
        self.clock = clock
        self.http = ProviderHttp(self.endpoint, timeout=timeout, name="AWS EC2", transport=transport, sleep=sleep)

    def _sign(self, req: httpx.Request) -> None:
        amz_date = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
        headers = {"Content-Type": req.headers["Content-Type"], "Host": req.url.netloc.decode(),
                   "X-Amz-Date": amz_date}
        req.headers["X-Amz-Date"] = amz_date
        token = self.session_token() if self.session_token is not None else ""
        if token:  # part of the canonical request, as EC2 expects for temporary credentials
            headers["X-Amz-Security-Token"] = token
            req.headers["X-Amz-Security-Token"] = token
        req.headers["Authorization"] = sigv4_authorization(
            method=req.method, url=str(req.url), headers=headers, body=req.content, region=self.region,
            service="ec2", access_key=self.access_key_id(), secret_key=self.secret_access_key(), amz_date=amz_date)

    def call(self, action: str, **params: str) -> ET.Element:
        """One EC2 Query API action; the parsed XML answer.

        Raises:
            AuthError: credentials refused. RefusedError: AWS said no.
            UnavailableError / DeadlineError: no usable answer.
        """
        body = urlencode({"Action": action, "Version": API_VERSION, **params}).encode()
        resp = self.http.request("POST", "/", content=body, sign=self._sign,
                                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        if b"<!DOCTYPE" in resp.content or b"<!ENTITY" in resp.content:
            raise UnavailableError("AWS answer carries a DTD; refused", where=f"AWS {action}")
        try:
            root = ET.fromstring(resp.content)  # noqa: S314 - no DTDs (checked above); expat limits expansion
        except ET.ParseError as exc:
            raise UnavailableError(f"AWS answered HTTP {resp.status_code} without readable XML",
                                   where=f"AWS {action}") from exc
        if resp.status_code >= 400 or _strip(root.tag) == "Response":
            error = _find(root, "Error")
            code, message = _text(error, "Code"), _text(error, "Message")
            where = f"AWS {action} (request {_text(root, 'RequestID') or '?'})"
            if code in ("AuthFailure", "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch"):
                raise AuthError(f"AWS refused the credentials: {code}: {message}", where=where,
                                hint="the key needs ec2:AdvertiseByoipCidr, ec2:WithdrawByoipCidr, "
                                "ec2:DescribeByoipCidrs")
            if code in _THROTTLED or resp.status_code >= 500:
                raise UnavailableError(f"AWS: {code or resp.status_code}: {message}", where=where)
            raise RefusedError(f"AWS said no: {code}: {message}", where=where)
        return root

    def _state(self, cidr: str) -> str:
        root = self.call("DescribeByoipCidrs", MaxResults="100")
        for item in root.iter():
            if _strip(item.tag) == "item" and _text(item, "cidr") == cidr:
                return _text(item, "state")
        raise RefusedError(f"AWS has no BYOIP range {cidr} in {self.region}", hint="provision it first")

    def apply(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        out: dict[Key, Stage] = {}
        for row in rows:
            action = "AdvertiseByoipCidr" if row.desired == "announced" else "WithdrawByoipCidr"
            try:
                root = self.call(action, Cidr=row.prefix)
            except OobError as exc:
                out[row.key] = Stage("accepted", "failed", at=time.time(), detail=exc.one_line())
                continue
            state = _text(_find(root, "byoipCidr"), "state")
            out[row.key] = Stage("accepted", "done", at=time.time(), detail=f"{action} accepted, state {state or '?'}")
        return out

    def advertised(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        out: dict[Key, Stage] = {}
        for row in rows:
            want = "advertised" if row.desired == "announced" else "provisioned"
            try:
                state = self._state(row.prefix)
            except OobError as exc:
                out[row.key] = Stage("advertised", "pending", detail=exc.one_line())
                continue
            if state == want:
                out[row.key] = Stage("advertised", "done", at=time.time(), detail=f"AWS state {state}")
            elif state.startswith("failed"):
                out[row.key] = Stage("advertised", "failed", at=time.time(), detail=f"AWS state {state}")
            else:
                out[row.key] = Stage("advertised", "pending", detail=f"AWS state {state}, waiting for {want}")
        return out

    def sessions(self) -> list[SessionInfo]:
        host = urlsplit(self.endpoint).netloc
        return [SessionInfo(self.upstream, host, "api", None, "provider API (no BGP session)")]
