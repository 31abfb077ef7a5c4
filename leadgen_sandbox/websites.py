"""The business websites server: one path-based site per business, robots.txt, hostile pages."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from html import escape

from leadgen_sandbox.dataset import HostileKind, SandboxDataset
from leadgen_sandbox.faults import QuotaState, retry_after_header
from leadgen_sandbox.http_server import Request, Response, SandboxApp
from leadgen_sandbox.site_pages import SitePageKind, render_site_page

HTML = "text/html; charset=utf-8"
HUGE_BODY_BYTES = 20 * 1024 * 1024
# 60 bytes, so dripping takes a minute.
SLOW_BODY = b"<!DOCTYPE html><html><body><p>Loading, please wait..</p></b>"
SLOW_BYTE_INTERVAL_SECONDS = 1.0
# Never connected to by anyone: the redirect only checks that a client refuses it.
PRIVATE_REDIRECT_TARGET = "http://10.255.255.1/"
BROKEN_HTML = (
    b'<html><head><meta charset="windows-1252"><title>Caf\xe9 \x93Broken\x94 Markup'
    b'<body><div class="main"><p>Welcome to our site<p>We\xff\xfe are \xc3\x28 open'
    b"<table><tr><td>Call (512) 555-0199<td>Email office@broken-markup-demo.com"
    b'<a href="mailto:office@broken-markup-demo.com>write to us</a>'
    b"<div><span><b><i>Unclosed tags everywhere\x00\x01"
    b"<script>var x = '<p>not markup</p>';</scr"
)
PAGE_NOT_FOUND = "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>"
PAGE_NOT_FOUND += "<h1>Not Found</h1><p>The requested page does not exist.</p></body></html>"


def _html(status: int, body: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, body.encode(), HTML, headers or {})


def _simple_page(status: int, title: str, text: str) -> Response:
    return _html(
        status,
        f"<!DOCTYPE html><html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{text}</p></body></html>",
    )


class WebsitesApp(SandboxApp):
    def __init__(self, dataset: SandboxDataset, stopping: threading.Event) -> None:
        self.dataset = dataset
        self.stopping = stopping

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _simple_page(405, "Method Not Allowed", "Only GET and HEAD are supported.")
        path = request.path
        if path == "/robots.txt":
            return Response(200, self.robots_txt().encode(), "text/plain; charset=utf-8")
        if path == "/":
            return self._index()
        if path.startswith("/hostile/"):
            return self._hostile(path.removeprefix("/hostile/"))
        if path.startswith("/sites/"):
            return self._site(path.removeprefix("/sites/"))
        return _html(404, PAGE_NOT_FOUND)

    def server_error(self, request: Request, status: int) -> Response:
        if status == 503:
            return _simple_page(503, "Service Unavailable", "The server is temporarily busy.")
        return _simple_page(status, "Internal Server Error", "Something went wrong.")

    def rate_limited(self, request: Request, quota: QuotaState) -> Response:
        response = _simple_page(429, "Too Many Requests", "Slow down and try again shortly.")
        response.headers["Retry-After"] = retry_after_header(quota.reset_seconds)
        return response

    def robots_txt(self) -> str:
        disallowed = "".join(
            f"Disallow: /sites/{slug}/\n" for slug in self.dataset.robots_disallowed_slugs
        )
        return (
            "# Sandbox business websites\n"
            "User-agent: *\n"
            "Disallow: /sites/*/private/\n"
            f"{disallowed}"
            "\n"
            "User-agent: BadBot\n"
            "Disallow: /\n"
        )

    def _index(self) -> Response:
        links = "".join(
            f'<li><a href="{business.site.path}">{escape(business.name)}</a></li>'
            for business in self.dataset.known_businesses()
            if business.site
        )
        return _html(
            200,
            "<!DOCTYPE html><html><head><title>Sandbox websites</title></head><body>"
            f"<h1>Sandbox business websites</h1><ul>{links}</ul></body></html>",
        )

    def _site(self, rest: str) -> Response:
        slug, slash, page_path = rest.partition("/")
        business = self.dataset.business_by_slug(slug)
        if business is None or business.site is None:
            return _html(404, PAGE_NOT_FOUND)
        if not slash:
            return _html(301, "", {"Location": f"/sites/{slug}/"})
        site = business.site
        pages = {"": SitePageKind.HOME, "private/": SitePageKind.PRIVATE}
        if site.contact_page:
            pages[site.contact_page.path] = SitePageKind.CONTACT
        if site.about_page:
            pages[site.about_page.path] = SitePageKind.ABOUT
        kind = pages.get(page_path)
        if kind is None:
            return _html(404, PAGE_NOT_FOUND)
        base_url = self.dataset.site_base_url(slug)
        return _html(200, render_site_page(business, kind, base_url))

    def _hostile(self, rest: str) -> Response:
        kind_text, _, below = rest.partition("/")
        try:
            kind = HostileKind(kind_text)
        except ValueError:
            return _html(404, PAGE_NOT_FOUND)
        match kind:
            case HostileKind.HUGE:
                return Response(200, self._huge_body(), HTML, content_length=HUGE_BODY_BYTES)
            case HostileKind.SLOW:
                return Response(200, self._drip(SLOW_BODY), HTML, content_length=len(SLOW_BODY))
            case HostileKind.REDIRECT_LOOP:
                # Two URLs redirecting to each other, forever.
                target = "/hostile/redirect-loop/" if below else "/hostile/redirect-loop/again/"
                return _html(302, "", {"Location": target})
            case HostileKind.REDIRECT_PRIVATE:
                return _html(302, "", {"Location": PRIVATE_REDIRECT_TARGET})
            case HostileKind.BINARY:
                return Response(
                    200,
                    _binary_body(),
                    "application/octet-stream",
                    {"Content-Disposition": 'attachment; filename="brochure.bin"'},
                )
            case HostileKind.NOT_FOUND:
                return _html(404, PAGE_NOT_FOUND)
            case HostileKind.BROKEN_HTML:
                return Response(200, BROKEN_HTML, HTML)
            case HostileKind.GARBAGE_HTML:
                return Response(200, _binary_body(), HTML)

    @staticmethod
    def _huge_body() -> Iterator[bytes]:
        head = b"<!DOCTYPE html><html><head><title>Huge</title></head><body>\n"
        filler = b"<p>" + b"All work and no play makes a very large page. " * 20 + b"</p>\n"
        chunk = filler * (65536 // len(filler) + 1)
        yield head
        remaining = HUGE_BODY_BYTES - len(head)
        while remaining > 0:
            piece = chunk[: min(len(chunk), remaining)]
            remaining -= len(piece)
            yield piece

    def _drip(self, body: bytes) -> Iterator[bytes]:
        for index in range(len(body)):
            if index and self.stopping.wait(SLOW_BYTE_INTERVAL_SECONDS):
                return
            yield body[index : index + 1]


def _binary_body() -> bytes:
    """256 KiB of deterministic non-text bytes behind a PDF-like magic number."""
    blocks = [hashlib.sha256(index.to_bytes(4, "big")).digest() for index in range(8192)]
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"".join(blocks)
