"""Import devices, console ports and cabled links from NetBox's REST API (httpx).

Explicit and one-off: ``oob inventory import netbox`` calls this; nothing
calls NetBox at run time. Reads ``/api/dcim/devices/`` (name, platform slug,
primary IP, site, role, tags), ``/api/dcim/console-ports/`` (the console
server and port at the other end of the cable) and
``/api/dcim/interfaces/?cabled=true`` (links: interface, peer device and
interface, LAG). Every list is followed through its ``next`` pages; every
request has a timeout and goes straight to NetBox, never through a proxy
(the client is :mod:`oob_console.adapters.http_httpx`'s). NetBox holds no BGP
sessions or host keys: those stay as they are in the local inventory (the
merge keeps them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oob_console.adapters.http_httpx import Timeouts, new_client, status_error, translate_errors
from oob_console.core.devices.inventory import ConsolePort, ConsoleServer, Device, Inventory, Link
from oob_console.core.devices.platforms import platform_from_alias
from oob_console.errors import UnavailableError

_PAGE = 200
_MAX_PAGES = 1000
_LINK_KINDS = ("backbone", "access", "peering", "upstream", "mgmt", "other")


def _slug(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("slug") or value.get("name") or "")
    return str(value or "")


def _address(device: dict[str, Any]) -> str:
    ip = device.get("primary_ip") or device.get("primary_ip4") or device.get("primary_ip6") or {}
    return str(ip.get("address", "")).split("/")[0] if isinstance(ip, dict) else ""


class NetBoxClient:
    def __init__(self, url: str, token: str, *, timeout: float = 30.0, verify: bool | str = True) -> None:
        scheme = "Bearer" if token.startswith("nbt_") else "Token"  # NetBox 4.5 v2 tokens use Bearer
        self.base = url.rstrip("/")
        self._http = new_client(
            headers={"Authorization": f"{scheme} {token}", "Accept": "application/json"},
            timeouts=Timeouts.every(timeout), verify=verify,
        )

    def close(self) -> None:
        self._http.close()

    def _get(self, url: str, params: dict[str, Any] | None) -> dict[str, Any]:
        with translate_errors(self._http, "NetBox", where=url, url_hint="check --url",
                              hint="check --url and that NetBox is reachable from here"):
            response = self._http.get(url, params=params)
        error = status_error(response, "NetBox", where=url, credential="token",
                             hint="check --token-file; the token needs read access to dcim")
        if error is not None:
            raise error
        try:
            body = response.json()
        except ValueError as exc:
            raise UnavailableError("NetBox answered with something that is not JSON", where=url,
                                   hint="is --url the NetBox base URL (without /api)?") from exc
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise UnavailableError("NetBox's answer has no 'results' list", where=url)
        return body

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint, following ``next`` links."""
        url: str | None = f"{self.base}/api/{path.strip('/')}/"
        query: dict[str, Any] | None = {"limit": _PAGE, **(params or {})}
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            body = self._get(url, query)
            yield from (r for r in body["results"] if isinstance(r, dict))
            url, query = body.get("next"), None  # `next` carries the query already
        raise UnavailableError(f"NetBox returned more than {_MAX_PAGES} pages for {path}", where=self.base)


def import_netbox(client: NetBoxClient, *, filters: dict[str, str] | None = None,
                  platform_map: dict[str, str] | None = None) -> tuple[Inventory, list[str]]:
    """The routers NetBox knows (platforms we support), with console ports and links.

    Raises:
        AuthError, DeadlineError, UnavailableError: talking to NetBox failed.
        ConfigError: the URL is malformed or not http(s).
    """
    warnings: list[str] = []
    raw_devices = list(client.paginate("dcim/devices", filters))
    by_name = {str(d.get("name")): d for d in raw_devices if d.get("name")}
    consoles: dict[str, tuple[str, str]] = {}  # device -> (console server, port name)
    for port in client.paginate("dcim/console-ports", {"cabled": "true"}):
        peers = port.get("link_peers") or []
        device = _slug_name(port.get("device"))
        if device in by_name and peers and isinstance(peers[0], dict):
            consoles[device] = (_slug_name(peers[0].get("device")), str(peers[0].get("name", "")))
    links: dict[str, list[Link]] = {}
    for iface in client.paginate("dcim/interfaces", {"cabled": "true"}):
        device = _slug_name(iface.get("device"))
        if device not in by_name:
            continue
        peers = iface.get("link_peers") or []
        peer = peers[0] if peers and isinstance(peers[0], dict) else {}
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
    for name, raw in by_name.items():
        platform_name = _slug(raw.get("platform"))
        platform = platform_from_alias(platform_name, platform_map) if platform_name else None
        if platform is None:
            if name not in {s for s, _ in consoles.values()}:
                warnings.append(f"{name}: skipped, platform {platform_name or '(none)'!r} is not one of ours "
                                "(map it with --platform-map SLUG=frr|ios|iosxr|junos|eos)")
            continue
        host = _address(raw)
        if not host:
            warnings.append(f"{name}: skipped, it has no primary IP in NetBox")
            continue
        console = None
        if name in consoles:
            server_name, line = consoles[name]
            server = by_name.get(server_name)
            if server is not None and _address(server):
                servers[server_name] = ConsoleServer(name=server_name, host=_address(server))
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
