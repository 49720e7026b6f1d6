"""Files fetched from URLs against hostile input (issue 18 items 4, 10, 11, 15): no fetches from internal addresses
unless allowed (checked on the address reached, on every redirect hop), the caller's headers stay with the original
origin, credentials never show, and names from any source are cleaned. Real sockets: plain HTTP servers on
127.0.0.1 and 127.0.0.2 and the fake TrueConf server."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from trueconf_sync import Client
from trueconf_sync.files import RemoteAddressError, RemoteFile
from trueconf_sync.files.names import safe_file_name
from trueconf_sync.testing import FakeTrueConfServer

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class Site:
    """An HTTP server on ``host`` that records each request's path and headers; ``routes`` answer them."""

    def __init__(self, host: str) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.routes: dict[str, Route] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers.items())))
                route = site.routes.get(self.path.split("?", 1)[0])
                status, headers, body = route(self) if route else (404, {}, b"no")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    one = Site("127.0.0.1")
    yield one
    one.close()


@pytest.fixture
def other_site() -> Iterator[Site]:
    one = Site("127.0.0.2")  # another loopback address: another origin, another network for the allow-list
    yield one
    one.close()


def uploads(server: FakeTrueConfServer) -> int:
    return int(server.stats["requests"].get("uploadFile", 0))


def file_ok(body: bytes = b"content", **headers: str) -> Route:
    return lambda _handler: (200, headers, body)


def redirect(location: str, status: int = 302) -> Route:
    return lambda _handler: (status, {"Location": location}, b"")


# ---- item 4: internal addresses are refused unless allowed ------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/a.txt", "http://[::1]:{port}/a.txt", "http://[::ffff:127.0.0.1]:{port}/a.txt",
    "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/a", "http://192.168.0.1/a", "http://100.64.0.1/a",
    "http://0.0.0.0:{port}/a.txt",
])
def test_addresses_named_in_the_url_are_refused_before_anything_is_sent(
        trueconf_client: Client, trueconf_server: FakeTrueConfServer, alice_chat: str, site: Site, url: str) -> None:
    site.routes["/a.txt"] = file_ok()
    url = url.format(port=site.url.rsplit(":", 1)[1])
    before = dict(trueconf_server.stats["requests"])
    with pytest.raises(RemoteAddressError, match=r"^file: .* is at .*refused by default") as refused:
        trueconf_client.send_file(alice_chat, url)
    assert refused.value.address and isinstance(refused.value, ValueError)
    with pytest.raises(RemoteAddressError, match=r"^RemoteFile\.url: "):
        RemoteFile(url)
    assert trueconf_server.stats["requests"] == before and site.requests == []


def test_a_host_name_is_checked_on_the_address_it_reaches(trueconf_client: Client,
                                                          trueconf_server: FakeTrueConfServer, alice_chat: str,
                                                          site: Site) -> None:
    site.routes["/a.txt"] = file_ok()
    before = uploads(trueconf_server)
    url = site.url.replace("127.0.0.1", "localhost") + "/a.txt?key=s3cr3t"
    with pytest.raises(RemoteAddressError, match=r"file: http://localhost:\d+/a\.txt\?… is at (127\.0\.0\.1|::1)"):
        trueconf_client.send_file(alice_chat, url)
    assert site.requests == [] and uploads(trueconf_server) == before  # not a byte of the request was sent


def test_an_allow_list_opens_chosen_networks(trueconf_client: Client, alice_chat: str, site: Site) -> None:
    site.routes["/a.txt"] = file_ok(b"intranet report")
    sent = trueconf_client.send_file(alice_chat, RemoteFile(site.url + "/a.txt", allowed_networks=["127.0.0.1"]))
    assert trueconf_client.download_file(sent.file_id, io.BytesIO()).getvalue() == b"intranet report"
    with pytest.raises(ValueError, match=r"RemoteFile\.allowed_networks: 'intranet' is not an IP network"):
        RemoteFile(site.url, allowed_networks=["intranet"])
    with pytest.raises(TypeError, match=r"RemoteFile\.allowed_networks must be a collection"):
        RemoteFile(site.url, allowed_networks="127.0.0.0/8")  # type: ignore[arg-type]


def test_every_redirect_hop_is_checked_again(trueconf_client: Client, alice_chat: str, site: Site,
                                             other_site: Site) -> None:
    other_site.routes["/internal"] = file_ok(b"internal secrets")
    site.routes["/go"] = redirect(other_site.url + "/internal")
    with pytest.raises(RemoteAddressError, match=r"http://127\.0\.0\.2:\d+/internal is at 127\.0\.0\.2"):
        trueconf_client.send_file(alice_chat, RemoteFile(site.url + "/go", allowed_networks=["127.0.0.1/32"]))
    assert [path for path, _ in site.requests] == ["/go"] and other_site.requests == []


def test_headers_go_to_the_original_origin_only(trueconf_client: Client, alice_chat: str, site: Site,
                                                other_site: Site) -> None:
    other_site.routes["/file"] = file_ok(b"moved here")
    site.routes["/start"] = redirect("/again", 307)  # same origin: keeps the headers
    site.routes["/again"] = redirect(other_site.url + "/file")
    remote = RemoteFile(site.url + "/start", headers={"X-Api-Key": "k3y", "Authorization": "Bearer t0k"},
                        allowed_networks=["127.0.0.0/8"])
    sent = trueconf_client.send_file(alice_chat, remote)
    assert trueconf_client.download_file(sent.file_id, io.BytesIO()).getvalue() == b"moved here"
    assert [headers.get("X-Api-Key") for _, headers in site.requests] == ["k3y", "k3y"]
    (path, headers), = other_site.requests
    assert path == "/file" and "X-Api-Key" not in headers and "Authorization" not in headers


# ---- item 10: credentials never show ----------------------------------------------------------------------


def test_credentials_in_a_url_never_show(trueconf_client: Client, alice_chat: str, site: Site) -> None:
    site.routes["/a.txt"] = lambda _handler: (500, {}, b"")
    remote = RemoteFile(site.url.replace("http://", "http://admin:pa55w0rd@") + "/a.txt?sig=s3cr3t",
                        allowed_networks=["127.0.0.0/8"])
    assert "pa55w0rd" not in repr(remote) and "admin" not in repr(remote) and "s3cr3t" not in repr(remote)
    with pytest.raises(Exception) as failed:
        trueconf_client.send_file(alice_chat, remote)
    assert "HTTP 500" in str(failed.value) and "pa55w0rd" not in str(failed.value)
    with pytest.raises(RemoteAddressError) as refused:
        trueconf_client.send_file(alice_chat, "http://admin:pa55w0rd@10.0.0.1/x")
    assert "pa55w0rd" not in str(refused.value) and "10.0.0.1" in str(refused.value)


# ---- items 11 and 15: names from every source are cleaned ----------------------------------------------------


@pytest.mark.parametrize(("disposition", "expected"), [
    ("attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe", "invoice_fdp.exe"),
    ("attachment; filename*=UTF-8''a%00b%07c.txt", "a_b_c.txt"),
    ("attachment; filename*=UTF-8''evil%0D%0AX-Injected%3A%201.txt", "evil__X-Injected_ 1.txt"),
    ("attachment; filename=\"../../etc/passwd\"", "passwd"),
    ("attachment; filename=\"CON .txt\"", "_CON .txt"),
])
def test_names_from_content_disposition_are_cleaned(trueconf_client: Client, alice_chat: str, site: Site,
                                                    disposition: str, expected: str) -> None:
    site.routes["/dl"] = file_ok(b"x", **{"Content-Disposition": disposition, "Content-Type": "text/plain"})
    sent = trueconf_client.send_file(alice_chat, RemoteFile(site.url + "/dl", allowed_networks=["127.0.0.0/8"]))
    assert trueconf_client.get_file_info(sent.file_id).name == expected


def test_names_from_the_url_path_are_cleaned(trueconf_client: Client, alice_chat: str, site: Site) -> None:
    site.routes["/report%E2%80%AEfdp.exe"] = file_ok(b"x")
    sent = trueconf_client.send_file(alice_chat, RemoteFile(site.url + "/report%E2%80%AEfdp.exe",
                                                            allowed_networks=["127.0.0.0/8"]))
    assert trueconf_client.get_file_info(sent.file_id).name == "report_fdp.exe"


def test_an_explicit_name_with_bidi_controls_is_refused(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                                        alice_chat: str) -> None:
    before = uploads(trueconf_server)
    with pytest.raises(ValueError, match=r"file_name must be a plain file name without .*bidirectional"):
        trueconf_client.send_file(alice_chat, b"x", file_name="invoice\u202efdp.exe")
    assert uploads(trueconf_server) == before


@pytest.mark.parametrize(("name", "expected"), [
    ("CON .txt", "_CON .txt"), ("COM\u00b9.txt", "_COM\u00b9.txt"), ("CONIN$", "_CONIN$"),
    ("conout$.log", "_conout$.log"), ("lpt\u00b3", "_lpt\u00b3"),
    ("CONSOLE.txt", "CONSOLE.txt"), ("COM10.txt", "COM10.txt"),
])
def test_windows_device_names_get_a_safe_name(name: str, expected: str) -> None:
    assert safe_file_name(name, "fallback") == expected
