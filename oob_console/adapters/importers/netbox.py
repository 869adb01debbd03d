"""Import devices, console ports and cabled links from NetBox's REST API (httpx).

Explicit and one-off: ``oob inventory import netbox`` calls this; nothing
calls NetBox at run time. Reads ``/api/dcim/devices/`` (name, platform slug,
primary IP, site, role, tags), ``/api/dcim/console-ports/`` (the console
server and port at the far end of the cable path) and
``/api/dcim/interfaces/?cabled=true`` (links: interface, peer device and
interface, LAG).

The far end is the traced end of the cable path (``connected_endpoints``),
through any number of patch panels (front and rear ports); a NetBox that
does not send it is asked for the path (``/trace/``); a path that ends on a
panel port is reported, never taken for the peer. ``--filter`` selects the
devices; the console-port and interface queries are then scoped to exactly
those devices (``device_id``), so a filtered import never reads the whole
NetBox. Every list is followed through its ``next`` pages, and a ``next``
link must stay on the configured NetBox (same scheme, host, port and base
path): anything else is refused before the token is sent. A list that ends
short of its ``count``, or any failed page, fails the whole import: nothing is
written, nothing pruned. Every request has a timeout, redirects are not
followed and proxies are never used (the client is
:mod:`oob_console.adapters.http_httpx`'s). NetBox holds no BGP sessions or
host keys: those stay as they are in the local inventory (the merge keeps them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from oob_console.adapters.http_httpx import Timeouts, new_client, status_error, translate_errors
from oob_console.core.devices.inventory import ConsolePort, ConsoleServer, Device, Inventory, Link
from oob_console.core.devices.platforms import platform_from_alias
from oob_console.errors import ConfigError, UnavailableError

_PAGE = 1000  # NetBox's default MAX_PAGE_SIZE; a smaller server maximum is followed through `next`
_MAX_PAGES = 10000
_ID_CHUNK = 100  # device ids per component query (keeps the URL well under 8 KiB)
_LINK_KINDS = ("backbone", "access", "peering", "upstream", "mgmt", "other")
_PANEL_TYPES = ("dcim.frontport", "dcim.rearport")
_PANEL_URLS = ("/dcim/front-ports/", "/dcim/rear-ports/")


def _slug(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("slug") or value.get("name") or "")
    return str(value or "")


def _address(device: dict[str, Any]) -> str:
    ip = device.get("primary_ip") or device.get("primary_ip4") or device.get("primary_ip6") or {}
    return str(ip.get("address", "")).split("/")[0] if isinstance(ip, dict) else ""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def auth_header(token: str) -> str:
    """NetBox 4.5's v2 tokens (``nbt_<key>.<secret>``) go as ``Bearer``; v1 (40 hex) as ``Token``."""
    return f"Bearer {token}" if token.startswith("nbt_") else f"Token {token}"


class NetBoxClient:
    def __init__(self, url: str, token: str, *, timeout: float = 30.0, verify: bool | str = True) -> None:
        self.base = url.rstrip("/")
        if _origin(self.base)[0] not in ("http", "https") or not _origin(self.base)[1]:
            raise ConfigError(f"--url {url!r} is not an http(s) URL", where="--url",
                              hint="give NetBox's base URL, e.g. https://netbox.example.net")
        self.requests = 0
        self._http = new_client(
            headers={"Authorization": auth_header(token), "Accept": "application/json"},
            timeouts=Timeouts.every(timeout), verify=verify,
        )

    def close(self) -> None:
        self._http.close()

    def _check_same_netbox(self, url: str) -> None:
        """A ``next`` link elsewhere never receives the token."""
        api = urlsplit(f"{self.base}/api/").path
        if _origin(url) != _origin(self.base) or not urlsplit(url).path.startswith(api):
            raise UnavailableError(
                f"NetBox's next-page link points at {url.split('?')[0]}, not at {self.base}: refused, "
                "the token was not sent there and nothing was imported", where=self.base,
                hint="check NetBox's BASE_PATH and the proxy's Host / X-Forwarded-Proto headers")

    def get(self, url: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> Any:
        self._check_same_netbox(url)
        self.requests += 1
        with translate_errors(self._http, "NetBox", where=url, url_hint="check --url",
                              hint="check --url and that NetBox is reachable from here"):
            response = self._http.get(url, params=params)
        error = status_error(response, "NetBox", where=url, credential="token",
                             hint="check --token-file; the token needs read access to dcim")
        if error is not None:
            raise error
        try:
            return response.json()
        except ValueError as exc:
            raise UnavailableError("NetBox answered with something that is not JSON", where=url,
                                   hint="is --url the NetBox base URL (without /api)?") from exc

    def paginate(self, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None
                 ) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint, following ``next`` links; all of them or an error."""
        url: str | None = f"{self.base}/api/{path.strip('/')}/"
        items = list(params.items()) if isinstance(params, dict) else list(params or [])
        query: list[tuple[str, Any]] | None = [("limit", _PAGE), *items]
        expected: int | None = None
        seen = 0
        for _ in range(_MAX_PAGES):
            if url is None:
                if expected is not None and seen != expected:
                    raise UnavailableError(
                        f"NetBox's {path} list ended short: {seen} of {expected} objects; "
                        "nothing was imported and nothing pruned", where=self.base,
                        hint="run the import again; if it repeats, check NetBox's logs")
                return
            body = self.get(url, query)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise UnavailableError("NetBox's answer has no 'results' list", where=url)
            count = body.get("count")
            if isinstance(count, int):
                if expected is not None and count != expected:
                    raise UnavailableError(f"NetBox's {path} list changed while it was read ({expected} -> "
                                           f"{count} objects); nothing was imported", where=self.base,
                                           hint="run the import again")
                expected = count
            results = body["results"]
            if not results and body.get("next"):
                raise UnavailableError(f"NetBox sent an empty page of {path} with a next link", where=url)
            seen += len(results)
            yield from (r for r in results if isinstance(r, dict))
            nxt = body.get("next")
            url, query = (str(nxt), None) if nxt else (None, None)  # `next` carries the query already
        raise UnavailableError(f"NetBox returned more than {_MAX_PAGES} pages for {path}", where=self.base)

    def trace(self, kind: str, object_id: Any) -> list[Any]:
        body = self.get(f"{self.base}/api/dcim/{kind}/{int(object_id)}/trace/")
        return body if isinstance(body, list) else []


def _far_end(client: NetBoxClient, kind: str, obj: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The traced far end of an object's cable path, or (None, why)."""
    ends = obj.get("connected_endpoints")
    if isinstance(ends, list) and ends and isinstance(ends[0], dict):
        return ends[0], None
    peers = obj.get("link_peers") or []
    through_panel = obj.get("link_peers_type") in _PANEL_TYPES
    if "connected_endpoints" not in obj and through_panel and obj.get("id") is not None:
        path = client.trace(kind, obj["id"])
        last = path[-1] if path and isinstance(path[-1], list) and len(path[-1]) == 3 else None
        far = last[2] if last else None
        far = far[0] if isinstance(far, list) and far else far
        if isinstance(far, dict) and not any(p in str(far.get("url", "")) for p in _PANEL_URLS):
            return far, None
        return None, "its cable path ends on a patch panel port (incomplete in NetBox)"
    if through_panel or obj.get("connected_endpoints_reachable") is False:
        return None, "its cable path ends on a patch panel port (incomplete in NetBox)"
    if peers and isinstance(peers[0], dict):
        return peers[0], None
    return None, None


def _chunks(ids: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(ids), _ID_CHUNK):
        yield ids[i : i + _ID_CHUNK]


def _components(client: NetBoxClient, path: str, device_ids: list[Any] | None) -> Iterable[dict[str, Any]]:
    """Cabled components of the selected devices (all of NetBox's when nothing was filtered)."""
    if device_ids is None:
        yield from client.paginate(path, {"cabled": "true"})
        return
    for chunk in _chunks(device_ids):
        yield from client.paginate(path, [("cabled", "true"), *(("device_id", i) for i in chunk)])


def import_netbox(client: NetBoxClient, *, filters: dict[str, str] | None = None,
                  platform_map: dict[str, str] | None = None) -> tuple[Inventory, list[str]]:
    """The routers NetBox knows (platforms we support), with console ports and links.

    Raises:
        AuthError, DeadlineError, UnavailableError: talking to NetBox failed (nothing is returned).
        ConfigError: the URL is malformed or not http(s).
    """
    warnings: list[str] = []
    raw_devices = list(client.paginate("dcim/devices", filters))
    by_name = {str(d.get("name")): d for d in raw_devices if d.get("name")}
    scoped = [d["id"] for d in raw_devices if d.get("id") is not None] if filters else None
    consoles: dict[str, tuple[str, str, Any]] = {}  # device -> (console server, port name, server id)
    for port in _components(client, "dcim/console-ports", scoped):
        device = _slug_name(port.get("device"))
        if device not in by_name:
            continue
        far, why = _far_end(client, "console-ports", port)
        if far is None:
            if why:
                warnings.append(f"{device}: console port {port.get('name')!r} not imported, {why}")
            continue
        far_device = far.get("device")
        server_id = far_device.get("id") if isinstance(far_device, dict) else None
        consoles[device] = (_slug_name(far_device), str(far.get("name", "")), server_id)
    missing = sorted({sid for s, _, sid in consoles.values() if s not in by_name and sid is not None})
    for chunk in _chunks(missing):  # console servers outside the filter: fetched by id for their address
        for server in client.paginate("dcim/devices", [("id", i) for i in chunk]):
            by_name.setdefault(str(server.get("name")), {**server, "_console_only": True})
    links: dict[str, list[Link]] = {}
    for iface in _components(client, "dcim/interfaces", scoped):
        device = _slug_name(iface.get("device"))
        if device not in by_name:
            continue
        far, why = _far_end(client, "interfaces", iface)
        if why:
            warnings.append(f"{device}: link {iface.get('name')!r} has no peer, {why}")
        peer = far or {}
        tags = {_slug(t) for t in iface.get("tags") or []}
        kind = next((k for k in _LINK_KINDS if k in tags), "backbone")  # unknown counts as backbone (cautious)
        lag = iface.get("lag")
        links.setdefault(device, []).append(Link(
            interface=str(iface.get("name", "")), kind=kind,  # type: ignore[arg-type]
            peer_device=_slug_name(peer.get("device")) or None, peer_interface=peer.get("name") or None,
            lag=str(lag.get("name")) if isinstance(lag, dict) else None,
        ))
    servers: dict[str, ConsoleServer] = {}
    devices: list[Device] = []
    server_names = {s for s, _, _ in consoles.values()}
    for name, raw in by_name.items():
        if raw.get("_console_only"):
            continue
        platform_name = _slug(raw.get("platform"))
        platform = platform_from_alias(platform_name, platform_map) if platform_name else None
        if platform is None:
            if name not in server_names:
                warnings.append(f"{name}: skipped, platform {platform_name or '(none)'!r} is not one of ours "
                                "(map it with --platform-map SLUG=frr|ios|iosxr|junos|eos|nxos)")
            continue
        host = _address(raw)
        if not host:
            warnings.append(f"{name}: skipped, it has no primary IP in NetBox")
            continue
        console = None
        if name in consoles:
            server_name, line, _ = consoles[name]
            server_raw = by_name.get(server_name)
            if server_raw is not None and _address(server_raw):
                servers[server_name] = ConsoleServer(name=server_name, host=_address(server_raw))
                console = ConsolePort(kind="ssh", server=server_name, line=line)
            else:
                warnings.append(f"{name}: console port on {server_name!r} not imported (no primary IP)")
        role = raw.get("role") or raw.get("device_role")
        record = Device(
            name=name, platform=platform, host=host,  # type: ignore[arg-type]
            site=_slug(raw.get("site")), role=_slug(role),
            tags=tuple(_slug(t) for t in raw.get("tags") or []), console=console,
            links=tuple(links.get(name, ())),
        )
        try:
            record.validate()
        except ValueError as exc:
            warnings.append(f"{name}: skipped, {exc}")
            continue
        devices.append(record)
    return Inventory(devices=tuple(devices), console_servers=tuple(servers.values())), warnings


def _slug_name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return str(value or "")
