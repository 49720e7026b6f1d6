"""Files fetched from an ``http(s)`` URL before they are sent: :class:`RemoteFile` and the guarded fetch.

A URL given to ``send_file`` is fetched by the bot, often on a server inside a company network, so a
URL a chat user or a web form supplied could make the bot read internal services (server-side
request forgery). By default the fetch therefore refuses every address that is not global:
loopback, private, link-local (cloud metadata at 169.254.169.254), shared, reserved, multicast and
IPv4 addresses inside IPv6. The check is made on the address each connection actually reached
(after DNS, for every redirect hop), so a host name that resolves, or later re-resolves, to an
internal address does not get through. ``RemoteFile(url, allowed_networks=[...])`` opens chosen
networks (e.g. an intranet file server). Redirects are followed by hand (at most 5): every hop is
checked again, and the caller's ``headers`` go to the original origin only. Every URL of the chain
is hidden from logs and messages (:mod:`.redact`); ``user:password@`` never shows.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Collection, Mapping
from typing import IO, Any
from urllib.parse import unquote, urljoin, urlsplit

import attrs

from ..transport.http import MAX_REDIRECTS, REDIRECT_STATUSES, same_origin
from .errors import FileDownloadError
from .redact import secrets_hidden, short_url
from .transport import CHUNK_SIZE, network_error

__all__ = ["DEFAULT_REMOTE_MAX_SIZE", "DEFAULT_REMOTE_TIMEOUT", "RemoteAddressError", "RemoteFile", "fetch"]

#: Default cap of a file fetched from a URL (bytes).
DEFAULT_REMOTE_MAX_SIZE = 256 * 1024 * 1024
#: Default seconds to wait for a URL's server (connect, and between bytes).
DEFAULT_REMOTE_TIMEOUT = 30.0
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RemoteAddressError(ValueError):
    """A URL to fetch reached (or names) an address the bot may not fetch from.

    Attributes: ``address`` (the IP address) and ``url`` (shown without query or credentials).
    """

    def __init__(self, argument: str, url: str, address: str) -> None:
        self.address = address
        self.url = url
        super().__init__(
            f"{argument}: {url} is at {address}, a loopback, private, link-local or otherwise non-public "
            f"address; fetching from it is refused by default (pass RemoteFile(url, allowed_networks=[...]) "
            f"to allow chosen networks)")


def _networks(values: Any) -> tuple[Network, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Collection):
        raise TypeError("RemoteFile.allowed_networks must be a collection of networks like '10.0.0.0/8' or "
                        f"'192.168.1.5', not {type(values).__name__}")
    result = []
    for value in values:
        try:
            result.append(ipaddress.ip_network(value, strict=False))
        except (TypeError, ValueError):
            raise ValueError(f"RemoteFile.allowed_networks: {value!r} is not an IP network "
                             "(like '10.0.0.0/8', '192.168.1.5' or 'fd00::/8')") from None
    return tuple(result)


def _is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None:
            return _is_public(embedded)
    return address.is_global and not address.is_multicast


@attrs.frozen(repr=False)
class RemoteFile:
    """A file to fetch from an ``http(s)`` URL, with its own limits.

    Args:
        url: the address; its query string and any ``user:password@`` are never logged or shown.
        timeout: seconds to wait for the URL's server (to connect, and between bytes).
        max_size: refuse content larger than this many bytes (the fetch stops there).
        headers: extra request headers (e.g. ``Authorization``), sent to the URL's own origin only,
            never to a host it redirects to.
        verify: TLS verification for this URL: True, False or a CA bundle path.
        allowed_networks: networks (``"10.0.0.0/8"``, ``"192.168.1.5"``, ``"127.0.0.0/8"``) the
            fetch may reach although they are not public; by default only public addresses are.
    """

    url: str
    timeout: float = DEFAULT_REMOTE_TIMEOUT
    max_size: int = DEFAULT_REMOTE_MAX_SIZE
    headers: Mapping[str, str] | None = None
    verify: bool | str = True
    allowed_networks: tuple[Network, ...] = attrs.field(default=(), converter=_networks)

    def __attrs_post_init__(self) -> None:
        parts = urlsplit(self.url) if isinstance(self.url, str) else None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("RemoteFile.url must be an http(s) URL")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)) or self.timeout <= 0:
            raise ValueError(f"RemoteFile.timeout must be a number of seconds > 0, got {self.timeout!r}")
        if isinstance(self.max_size, bool) or not isinstance(self.max_size, int) or self.max_size < 1:
            raise ValueError(f"RemoteFile.max_size must be an int >= 1 (bytes), got {self.max_size!r}")
        try:
            literal = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return  # a host name: checked on the address each connection reaches
        self.check_address(str(literal), "RemoteFile.url")

    def allows(self, address: str) -> bool:
        """Whether the fetch may connect to ``address`` (an IP address)."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        return _is_public(ip) or any(ip in network for network in self.allowed_networks)

    def check_address(self, address: str, argument: str, url: str | None = None) -> None:
        """Raise :class:`RemoteAddressError` unless the fetch may connect to ``address``."""
        if not self.allows(address):
            raise RemoteAddressError(argument, short_url(url or self.url, keep_path=True), address)

    def __repr__(self) -> str:
        shown = short_url(self.url, keep_path=True)
        return f"RemoteFile({shown!r}, timeout={self.timeout:g}, max_size={self.max_size})"


class _Refused(Exception):
    """Carries a refused address out of urllib3 untouched (not an OSError, so it is not retried)."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.address = address


def _guarded_session(remote: RemoteFile) -> Any:
    """A requests session whose every new connection is checked against ``remote``'s address policy
    right after TCP connects (before TLS, before a byte of the request)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def checked(sock: socket.socket) -> socket.socket:
        address = sock.getpeername()[0]
        if not remote.allows(address):
            sock.close()
            raise _Refused(address)
        return sock

    class _Http(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return checked(super()._new_conn())

    class _Https(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return checked(super()._new_conn())

    class _HttpPool(HTTPConnectionPool):
        ConnectionCls = _Http

    class _HttpsPool(HTTPSConnectionPool):
        ConnectionCls = _Https

    class _Adapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": _HttpPool, "https": _HttpsPool}

    session = requests.Session()
    for prefix in ("http://", "https://"):
        session.mount(prefix, _Adapter())
    return session


def fetch(remote: RemoteFile, argument: str, limit: int, too_large: Callable[[int], Exception],
          spool: Callable[[Callable[[int], bytes], int, Callable[[int], Exception]], tuple[IO[bytes], int]]
          ) -> tuple[str | None, str | None, IO[bytes], int]:
    """Fetch ``remote`` into a spool; returns (name from the response, Content-Type, spool, size).

    ``spool(read, limit, too_large)`` copies the body; ``too_large(n)`` is the error past ``limit``.
    Raises RemoteAddressError, FileDownloadError, ValueError (too large), ConnectionLostError,
    RequestTimeoutError.
    """
    import requests

    url = remote.url
    shown = short_url(url, keep_path=True)
    session = _guarded_session(remote)
    hops = [url]
    try:
        for _ in range(MAX_REDIRECTS + 1):
            headers = dict(remote.headers or {}) if same_origin(url, remote.url) else {}
            with secrets_hidden(urls=tuple(hops)):
                try:
                    response = session.get(url, stream=True, timeout=(remote.timeout, remote.timeout),
                                           headers=headers, verify=remote.verify, allow_redirects=False)
                except _Refused as refused:
                    raise RemoteAddressError(argument, short_url(url, keep_path=True), refused.address) from None
                except requests.RequestException as exc:
                    raise network_error(exc, f"{argument}: fetching {shown}", remote.timeout) from None
            if response.status_code not in REDIRECT_STATUSES:
                break
            response.close()
            url = urljoin(url, response.headers.get("Location", ""))
            if urlsplit(url).scheme.lower() not in ("http", "https"):
                raise FileDownloadError(shown, response.status_code, reason="redirected to a URL that is not http(s)")
            hops.append(url)
        else:
            raise FileDownloadError(shown, response.status_code, reason=f"more than {MAX_REDIRECTS} redirects")
        with secrets_hidden(urls=tuple(hops)), response:
            if response.status_code >= 400:
                raise FileDownloadError(shown, response.status_code)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and not response.headers.get("Content-Encoding") and int(declared) > limit:
                raise too_large(int(declared))
            chunks = response.iter_content(CHUNK_SIZE)
            try:
                body, size = spool(lambda _n: next(chunks, b""), limit, too_large)
            except requests.RequestException as exc:
                raise network_error(exc, f"{argument}: fetching {shown}", remote.timeout) from None
            name = _disposition_name(response.headers.get("Content-Disposition"))
            if name is None:
                name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or None
            return name, response.headers.get("Content-Type"), body, size
    finally:
        session.close()


def _disposition_name(value: str | None) -> str | None:
    import email.message

    if not value:
        return None
    message = email.message.Message()
    message["content-disposition"] = value
    name = message.get_filename()
    return name or None
