"""Probe the website fetcher and crawler against hostile loopback servers.

Production settings (`WebsiteFetcherResource` defaults) except the allowed origin:
every probe crawls one site with `enrich_website` (no LLM) and prints the time taken,
the growth of the process's peak RSS, and what the prospect's report records.

    .venv/bin/python bench/hostile_probe.py [name-substring ...]

Loopback only: every server is 127.0.0.1, and the names that redirects point at are
answered by a stub resolver, never by the machine's.
"""

import gzip
import json
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

from leadgen_pipeline.clients.host_politeness import HostPoliteness
from leadgen_pipeline.clients.web import AddressGuard, WebsiteFetcher, parse_allowed_origins
from leadgen_pipeline.enrichment.waterfall import WaterfallSettings, enrich_website
from leadgen_pipeline_tests.support.loopback import LoopbackServer, answer, loopback_server

HTML = "text/html; charset=utf-8"
CONTACT = b"<p>Email office@hostile-bakery.com or call (512) 555-0147.</p>"


def page(body: bytes) -> bytes:
    return (
        b"<!DOCTYPE html><html><head><title>Bakery</title></head><body>" + body + b"</body></html>"
    )


def status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def raw(h: Any, data: bytes) -> None:
    h.wfile.write(data)
    h.wfile.flush()


def head(h: Any, status: int = 200, content_type: str = HTML, **headers: str) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.end_headers()


def fast_forever(h: Any) -> None:
    head(h, Content_Length=str(200_000_000))
    chunk = b"<p>" + b"A" * 65_000 + b"</p>"
    for _ in range(3_000):
        raw(h, chunk)


def slowloris(h: Any) -> None:
    head(h, Content_Length=str(10_000_000))
    raw(h, b"<html><body>")
    for _ in range(100):
        time.sleep(3)
        raw(h, b"A")


def drip_headers(h: Any) -> None:
    raw(h, b"HTTP/1.1 200 OK\r\n")
    for n in range(100):
        time.sleep(3)
        raw(h, f"X-Drip-{n}: 1\r\n".encode())


def drip_status_line(h: Any) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 1000:
        time.sleep(3)
        raw(h, bytes([byte]))


def silent(h: Any) -> None:
    time.sleep(120)


def endless_headers(h: Any) -> None:
    raw(h, b"HTTP/1.1 200 OK\r\n")
    for n in range(100_000):
        raw(h, f"X-H-{n}: {'v' * 100}\r\n".encode())


def bomb(encoding: str, gigabytes: float = 1.0) -> bytes:
    if encoding == "gzip":
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    elif encoding == "deflate":
        compressor = zlib.compressobj(9, zlib.DEFLATED, 15)
    else:  # raw deflate, as some servers send for "deflate"
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = b"\0" * 1_000_000
    parts = [compressor.compress(b"<html><body><p>")]
    parts += [compressor.compress(zeros) for _ in range(int(gigabytes * 1000))]
    return b"".join(parts) + compressor.flush()


BOMBS: dict[str, bytes] = {}


def serve_bomb(encoding: str, label: str | None = None) -> Callable[[Any], None]:
    def handler(h: Any) -> None:
        if encoding not in BOMBS:
            BOMBS[encoding] = bomb("rawdeflate" if encoding == "rawdeflate" else encoding)
        body = BOMBS[encoding]
        head(h, Content_Length=str(len(body)), Content_Encoding=label or encoding)
        raw(h, body)

    return handler


def double_gzip(h: Any) -> None:
    inner = BOMBS.setdefault("gzip", bomb("gzip"))
    body = gzip.compress(inner)
    head(h, Content_Length=str(len(body)), Content_Encoding="gzip, gzip")
    raw(h, body)


def many_layers(h: Any) -> None:
    body = page(CONTACT)
    for _ in range(20):
        body = gzip.compress(body)
    head(h, Content_Length=str(len(body)), Content_Encoding=", ".join(["gzip"] * 20))
    raw(h, body)


def brotli_unasked(h: Any) -> None:
    body = bytes(range(256)) * 100
    head(h, Content_Length=str(len(body)), Content_Encoding="br")
    raw(h, body)


def cl_shorter(h: Any) -> None:
    body = page(CONTACT)
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n"
    smuggled += b"<p>smuggled@evil.example</p>".ljust(40)
    head(h, Content_Length="20")
    raw(h, body + smuggled)


def cl_longer_kept_open(h: Any) -> None:
    head(h, Content_Length="100000")
    raw(h, page(CONTACT))
    time.sleep(60)


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def chunked_fast_forever(h: Any) -> None:
    head(h, Transfer_Encoding="chunked")
    raw(h, chunk(page(CONTACT)))
    for _ in range(100_000):
        raw(h, chunk(b"B" * 65_000))


def chunked_never_ends(h: Any) -> None:
    head(h, Transfer_Encoding="chunked")
    raw(h, chunk(page(CONTACT)))
    time.sleep(60)


def chunked_slow(h: Any) -> None:
    head(h, Transfer_Encoding="chunked")
    raw(h, chunk(page(CONTACT)))
    for _ in range(100):
        time.sleep(3)
        raw(h, chunk(b"B"))


def chunked_giant_size(h: Any) -> None:
    head(h, Transfer_Encoding="chunked")
    raw(h, b"ffffffffffffffffffff\r\n" + b"A" * 1000)
    time.sleep(30)


def redirect(location: str) -> Callable[[Any], None]:
    return lambda h: answer(h, 302, b"", HTML, {"Location": location})


def chain(h: Any) -> None:
    n = int(h.path.rsplit("/", 1)[-1] or 0)
    answer(h, 302, b"", HTML, {"Location": f"/chain/{n + 1}"})


def charset_page(text: str, codec: str, header_charset: str | None, meta: str | None) -> Any:
    meta_tag = f'<meta charset="{meta}">' if meta else ""
    body = (
        f"<html><head>{meta_tag}<title>t</title></head><body><p>{text}</p>"
        "<p>owner@cafe.example (512) 555-0123</p></body></html>"
    ).encode(codec)
    content_type = f"text/html; charset={header_charset}" if header_charset else "text/html"
    return lambda h: answer(h, 200, body, content_type)


RUSSIAN = "Владелец Иван Петров"
JAPANESE = "オーナー 山田太郎"
FRENCH = "Propriétaire José Peña"


def lying_type(content_type: str, body: bytes) -> Callable[[Any], None]:
    return lambda h: answer(h, 200, body, content_type)


PDF = b"%PDF-1.7\n" + bytes(range(256)) * 400


def nested(h: Any) -> None:
    depth = 100_000
    answer(h, 200, page(b"<div>" * depth + CONTACT + b"</div>" * depth), HTML)


def huge_attribute(h: Any) -> None:
    answer(h, 200, page(b'<div title="' + b"x" * 5_000_000 + b'">' + CONTACT + b"</div>"), HTML)


def one_line(h: Any) -> None:
    answer(h, 200, page(CONTACT + b"word " * 2_000_000), HTML)


def one_line_digits(h: Any) -> None:
    answer(h, 200, page(CONTACT + b"(512) 555-0147 " * 700_000), HTML)


def thousands_of_links(h: Any) -> None:
    links = b"".join(f'<a href="/p/contact-{i}">Contact {i}</a>'.encode() for i in range(20_000))
    answer(h, 200, page(CONTACT + links), HTML)


def thousands_offsite(h: Any) -> None:
    links = b"".join(
        f'<a href="https://site-{i}.example/x">Partner {i}</a>'.encode() for i in range(20_000)
    )
    answer(h, 200, page(CONTACT + links), HTML)


def huge_robots(h: Any) -> None:
    answer(h, 200, b"User-agent: *\nDisallow: /x\n" * 2_000_000, "text/plain")


def binary_robots(h: Any) -> None:
    answer(h, 200, bytes(range(256)) * 4000, "text/plain")


def slow_robots(h: Any) -> None:
    head(h, content_type="text/plain", Content_Length="100000")
    raw(h, b"User-agent: *\nDisallow: /\n")
    for _ in range(100):
        time.sleep(3)
        raw(h, b"#")


def silent_robots(h: Any) -> None:
    time.sleep(120)


HOME_OK = {"/p/": lambda h: answer(h, 200, page(CONTACT), HTML)}


def at_home(handler: Callable[[Any], None]) -> dict[str, Any]:
    return {"/p/": handler}


# name: (home path, routes to add, robots handler or None for a 404)
PROBES: dict[str, tuple[str, dict[str, Any], Any]] = {
    "big-fast": ("/p/", {"/p/": fast_forever}, None),
    "slowloris-body": ("/p/", {"/p/": slowloris}, None),
    "drip-headers": ("/p/", {"/p/": drip_headers}, None),
    "drip-status-line": ("/p/", {"/p/": drip_status_line}, None),
    "silent": ("/p/", {"/p/": silent}, None),
    "endless-headers": ("/p/", {"/p/": endless_headers}, None),
    "bomb-gzip-1GB": ("/p/", {"/p/": serve_bomb("gzip")}, None),
    "bomb-deflate-1GB": ("/p/", {"/p/": serve_bomb("deflate")}, None),
    "bomb-rawdeflate-1GB": ("/p/", {"/p/": serve_bomb("rawdeflate", "deflate")}, None),
    "bomb-gzip-gzip": ("/p/", {"/p/": double_gzip}, None),
    "gzip-20-layers": ("/p/", {"/p/": many_layers}, None),
    "br-unasked": ("/p/", {"/p/": brotli_unasked}, None),
    "content-length-shorter": (
        "/p/",
        {"/p/": cl_shorter, "/p/contact": lambda h: answer(h, 200, page(CONTACT), HTML)},
        None,
    ),
    "content-length-longer-open": ("/p/", {"/p/": cl_longer_kept_open}, None),
    "chunked-fast-forever": ("/p/", {"/p/": chunked_fast_forever}, None),
    "chunked-never-ends": ("/p/", {"/p/": chunked_never_ends}, None),
    "chunked-slow": ("/p/", {"/p/": chunked_slow}, None),
    "chunked-giant-size": ("/p/", {"/p/": chunked_giant_size}, None),
    "redirect-loop": ("/p/", {"/p/": redirect("/q/"), "/q/": redirect("/p/")}, None),
    "redirect-chain": ("/chain/0", {"/chain/*": chain}, None),
    "redirect-file": ("/p/", {"/p/": redirect("file:///etc/passwd")}, None),
    "redirect-ftp": ("/p/", {"/p/": redirect("ftp://127.0.0.1/")}, None),
    "redirect-data": ("/p/", {"/p/": redirect("data:text/html,<p>x@y.example</p>")}, None),
    "redirect-loopback-port": ("/p/", {"/p/": redirect("http://127.0.0.1:22/")}, None),
    "redirect-link-local": ("/p/", {"/p/": redirect("http://169.254.169.254/latest/")}, None),
    "redirect-private-name": ("/p/", {"/p/": redirect("http://intranet.corp.example/")}, None),
    "redirect-empty-location": ("/p/", {"/p/": redirect("")}, None),
    "pdf": ("/p/", {"/p/": lying_type("application/pdf", PDF)}, None),
    "png": ("/p/", {"/p/": lying_type("image/png", PDF)}, None),
    "octet-stream": ("/p/", {"/p/": lying_type("application/octet-stream", PDF)}, None),
    "no-content-type": ("/p/", {"/p/": lying_type("", page(CONTACT))}, None),
    "html-says-pdf-inside": ("/p/", {"/p/": lying_type(HTML, PDF)}, None),
    "cp1251-header-only": (
        "/p/",
        at_home(charset_page(RUSSIAN, "cp1251", "windows-1251", None)),
        None,
    ),
    "cp1251-meta-only": (
        "/p/",
        at_home(charset_page(RUSSIAN, "cp1251", None, "windows-1251")),
        None,
    ),
    "sjis-header-only": (
        "/p/",
        at_home(charset_page(JAPANESE, "shift_jis", "Shift_JIS", None)),
        None,
    ),
    "sjis-header-vs-meta-utf8": (
        "/p/",
        at_home(charset_page(JAPANESE, "shift_jis", "Shift_JIS", "utf-8")),
        None,
    ),
    "latin1-header-only": (
        "/p/",
        at_home(charset_page(FRENCH, "latin-1", "ISO-8859-1", None)),
        None,
    ),
    "utf16-bom": ("/p/", at_home(charset_page(FRENCH, "utf-16", "utf-8", None)), None),
    "utf8-bom-header-latin1": (
        "/p/",
        {
            "/p/": lambda h: answer(
                h,
                200,
                b"\xef\xbb\xbf" + page(FRENCH.encode() + CONTACT),
                "text/html; charset=iso-8859-1",
            )
        },
        None,
    ),
    "invalid-utf8": (
        "/p/",
        at_home(lambda h: answer(h, 200, page(b"\xff\xfe\xc3(" + CONTACT), HTML)),
        None,
    ),
    "nested-100k": ("/p/", {"/p/": nested}, None),
    "huge-attribute": ("/p/", {"/p/": huge_attribute}, None),
    "one-line-10MB": ("/p/", {"/p/": one_line}, None),
    "one-line-phones": ("/p/", {"/p/": one_line_digits}, None),
    "links-20k-same-site": (
        "/p/",
        {"/p/": thousands_of_links, "/p/contact-*": lambda h: answer(h, 200, page(CONTACT), HTML)},
        None,
    ),
    "links-20k-offsite": ("/p/", {"/p/": thousands_offsite}, None),
    "robots-huge": ("/p/", HOME_OK, huge_robots),
    "robots-binary": ("/p/", HOME_OK, binary_robots),
    "robots-slow-disallow": (
        "/p/",
        {"/p/": lambda h: answer(h, 200, page(CONTACT), HTML)},
        slow_robots,
    ),
    "robots-silent": ("/p/", HOME_OK, silent_robots),
}


def stub_resolver(host: str, port: int) -> list[str]:
    """Names the redirects point at; anything else is an error (no real DNS)."""
    table = {"intranet.corp.example": ["10.1.2.3"]}
    if host in table:
        return table[host]
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return [host]
    except OSError:
        raise AssertionError(f"the probe would have looked up {host!r}") from None


def make_fetcher(server: LoopbackServer) -> WebsiteFetcher:
    return WebsiteFetcher(
        guard=AddressGuard(
            allowed_origins=parse_allowed_origins(server.url), resolver=stub_resolver
        ),
        max_bytes=1_000_000,
        page_deadline_s=15.0,
        site_budget_s=20.0,
        connect_timeout_s=5.0,
        read_timeout_s=10.0,
        max_redirects=5,
        politeness=HostPoliteness(max_in_flight_per_host=2, min_interval_s=0.25),
    )


def run(name: str) -> dict[str, Any]:
    home, routes, robots = PROBES[name]
    with loopback_server() as server:
        server.routes["/robots.txt"] = robots or (lambda h: answer(h, 404, b"", "text/plain"))
        server.routes.update(routes)
        if name == "redirect-private-name" and "resolver" not in AddressGuard.__dataclass_fields__:
            return {"probe": name, "skipped": "no resolver seam in AddressGuard"}
        fetcher = make_fetcher(server)
        reset_peak()
        base = status_kib("VmRSS")
        started = time.monotonic()
        result: dict[str, Any] = {}
        worker = threading.Thread(
            target=lambda: result.update(
                outcome=enrich_website(
                    fetcher,
                    None,
                    f"{server.url}{home}",
                    business_name="Bakery",
                    region="US",
                    settings=WaterfallSettings(),
                )
            ),
            daemon=True,
        )
        worker.start()
        worker.join(90)
        took = time.monotonic() - started
        grew = (status_kib("VmHWM") - base) / 1024
        if worker.is_alive():
            return {"probe": name, "s": round(took, 1), "HUNG": "worker still busy after 90 s"}
        outcome = result["outcome"]
        report = outcome.report
        return {
            "probe": name,
            "s": round(took, 1),
            "peak_rss_growth_mib": round(grew, 1),
            "pages": [
                {k: p[k] for k in ("url", "status", "bytes", "truncated", "error", "transient")}
                | {"url": p["url"].replace(server.url, "")}
                for p in report["pages"]
            ],
            "skipped": len(report.get("skipped", [])),
            "report_json_bytes": len(json.dumps(report, default=str)),
            "contacts": [(c.kind, c.value) for c in outcome.contacts],
            "text": (outcome.site and " | ".join(p.text[:60] for p in outcome.crawl.pages)) or "",
        }


if __name__ == "__main__":
    wanted = sys.argv[1:]
    for name in PROBES:
        if wanted and not any(w in name for w in wanted):
            continue
        print(json.dumps(run(name), ensure_ascii=False), flush=True)
