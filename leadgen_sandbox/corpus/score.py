"""Score ``leadgen enrich-website`` on the corpus: precision and recall per field.

    python -m leadgen_sandbox.corpus.score [--split dev|test|all] [--site SLUG ...]
                                           [--subprocess] [--details] [--json]

The sites are served on a loopback HTTP server, one folder per site
(``http://127.0.0.1:PORT/<slug>/``), with ``LEADGEN_WEB_ALLOWED_HOSTS`` set to it, and each
is read by ``leadgen enrich-website URL --country CC --no-llm --json``: in this process by
default, or as a real ``leadgen`` subprocess with ``--subprocess``. A held-out corpus is
scored the same way. Values are compared after light normalisation of the scorer's own
(case; ``www.`` and trailing slashes of profile URLs; honorifics before names), so the
product's canonical forms are not taken on trust.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from leadgen_sandbox.http_server import Request, Response, SandboxApp, SandboxHTTPServer

SITES_DIR = Path(__file__).parent / "sites"
FIELDS = ("emails", "phones", "socials", "owners")
_CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8"}
_NOT_FOUND = b"<!DOCTYPE html><html><head><title>404</title></head><body>Not found</body></html>"


class CorpusApp(SandboxApp):
    """``/<slug>/<path>`` from ``sites/<slug>/``: a folder serves its index.html, a path
    without an extension its ``.html`` file (as Wix and Squarespace address pages)."""

    def __init__(self, root: Path = SITES_DIR) -> None:
        self.root = root.resolve()

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response(405, b"", "text/plain")
        relative = request.path.lstrip("/")
        if "/" not in relative:  # "/slug" -> "/slug/", as a web server redirects a folder
            return Response(301, b"", "text/plain", {"Location": f"/{relative}/"})
        target = (self.root / relative).resolve()
        if self.root not in target.parents:
            return Response(404, _NOT_FOUND, "text/html")
        for candidate in (target / "index.html", target, target.with_suffix(".html")):
            if candidate.is_file() and candidate.name != "truth.json":
                content_type = _CONTENT_TYPES.get(candidate.suffix, "application/octet-stream")
                # Pages declare their own charset (one is windows-1252): send bytes as they are.
                if candidate.suffix in _CONTENT_TYPES:
                    content_type = "text/html"
                return Response(200, candidate.read_bytes(), content_type)
        return Response(404, _NOT_FOUND, "text/html")

    def server_error(self, request: Request, status: int) -> Response:
        return Response(status, b"server error", "text/plain")

    def rate_limited(self, request: Request, quota: Any) -> Response:
        return Response(429, b"slow down", "text/plain")


@contextlib.contextmanager
def serve_corpus(root: Path = SITES_DIR) -> Iterator[str]:
    """The corpus on an ephemeral loopback port; yields its base URL."""
    stopping = threading.Event()
    server = SandboxHTTPServer("127.0.0.1", 0, stopping)
    server.start(CorpusApp(root), name="corpus-web")
    try:
        yield server.base_url
    finally:
        stopping.set()
        server.stop()


@dataclass(frozen=True)
class Site:
    slug: str
    truth: dict[str, Any]

    @property
    def country(self) -> str:
        return self.truth["country"]


def load_sites(root: Path = SITES_DIR, split: str = "all", slugs: Sequence[str] = ()) -> list[Site]:
    sites = [
        Site(folder.name, json.loads((folder / "truth.json").read_text(encoding="utf-8")))
        for folder in sorted(root.iterdir())
        if (folder / "truth.json").is_file()
    ]
    if slugs:
        unknown = set(slugs) - {site.slug for site in sites}
        if unknown:
            raise SystemExit(f"no such site in the corpus: {', '.join(sorted(unknown))}")
        return [site for site in sites if site.slug in slugs]
    return [site for site in sites if split == "all" or site.truth["split"] == split]


# ----------------------------------------------------------------------- normalising

_HONORIFICS = re.compile(
    r"^(?:(?:dr|prof|mr|mrs|ms|mx|miss|herr|frau|m|mme|mlle|sr|sra|dott|dott\.ssa|dr\.ssa|ing"
    r"|stb|dipl\.-\w+|med|dent|rer|nat)\.?\s+)+",
    re.IGNORECASE,
)


def normal_email(value: str) -> str:
    return value.strip().lower()


def normal_phone(value: str) -> str:
    return re.sub(r"[^\d+]", "", value)


def normal_social(value: str) -> str:
    parts = urlsplit(value.strip().lower())
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    host = {"twitter.com": "x.com", "fb.com": "facebook.com"}.get(host, host)
    path = parts.path.rstrip("/")
    query = parse_qs(parts.query)
    if path == "/profile.php" and "id" in query:
        path += f"?id={query['id'][0]}"
    return f"{host}{path}"


def normal_owner(value: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", value).split())
    return _HONORIFICS.sub("", name).casefold()


_NORMALISERS = {
    "emails": normal_email,
    "phones": normal_phone,
    "socials": normal_social,
    "owners": normal_owner,
}


def truth_values(site: Site, field_name: str) -> set[str]:
    raw = site.truth[field_name]
    if field_name == "phones":
        raw = [phone["e164"] for phone in raw]
    elif field_name == "owners":
        raw = [owner["name"] for owner in raw]
    return {_NORMALISERS[field_name](value) for value in raw}


def found_values(document: dict[str, Any], field_name: str) -> set[str]:
    key = {"emails": "address", "phones": "number", "socials": "url", "owners": "name"}[field_name]
    return {_NORMALISERS[field_name](item[key]) for item in document.get(field_name, [])}


# ------------------------------------------------------------------------- scoring


@dataclass
class Tally:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    def add(self, truth: set[str], found: set[str]) -> None:
        self.true_positives += len(truth & found)
        self.false_positives += len(found - truth)
        self.false_negatives += len(truth - found)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        present = self.true_positives + self.false_negatives
        return self.true_positives / present if present else 1.0


@dataclass
class SiteResult:
    site: Site
    document: dict[str, Any]
    misses: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    phone_types: tuple[int, int] = (0, 0)  # (right, compared)


def score_site(site: Site, document: dict[str, Any]) -> SiteResult:
    result = SiteResult(site, document)
    for field_name in FIELDS:
        truth, found = truth_values(site, field_name), found_values(document, field_name)
        result.misses[field_name] = {
            "missed": sorted(truth - found),
            "wrong": sorted(found - truth),
        }
    expected_types = {phone["e164"]: phone["type"] for phone in site.truth["phones"]}
    compared = [
        (phone["type"] == expected_types[phone["number"]])
        for phone in document.get("phones", [])
        if phone["number"] in expected_types
    ]
    result.phone_types = (sum(compared), len(compared))
    return result


@dataclass
class Report:
    results: list[SiteResult]

    def tallies(self, group: str | None = None) -> dict[str, dict[str, Tally]]:
        """Tallies per field, for every site or by ``"country"`` / ``"split"``."""
        grouped: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
        for result in self.results:
            key = "all" if group is None else str(result.site.truth[group])
            for field_name in FIELDS:
                grouped[key][field_name].add(
                    truth_values(result.site, field_name),
                    found_values(result.document, field_name),
                )
        return {key: dict(value) for key, value in sorted(grouped.items())}

    def as_dict(self) -> dict[str, Any]:
        def figures(tallies: dict[str, Tally]) -> dict[str, dict[str, float]]:
            return {
                name: {
                    "precision": round(tally.precision, 4),
                    "recall": round(tally.recall, 4),
                    "true_positives": tally.true_positives,
                    "false_positives": tally.false_positives,
                    "false_negatives": tally.false_negatives,
                }
                for name, tally in tallies.items()
            }

        right = sum(result.phone_types[0] for result in self.results)
        compared = sum(result.phone_types[1] for result in self.results)
        return {
            "sites": len(self.results),
            "overall": figures(self.tallies()["all"]) if self.results else {},
            "by_split": {k: figures(v) for k, v in self.tallies("split").items()},
            "by_country": {k: figures(v) for k, v in self.tallies("country").items()},
            "phone_type_accuracy": round(right / compared, 4) if compared else None,
            "errors": {
                result.site.slug: {f: m for f, m in result.misses.items() if any(m.values())}
                for result in self.results
                if any(any(m.values()) for m in result.misses.values())
            },
        }


def format_report(report: Report, details: bool = False) -> str:
    data = report.as_dict()
    lines = [f"{data['sites']} sites; precision / recall per field"]
    header = f"{'':14}" + "".join(f"{name:>16}" for name in FIELDS)
    lines.append(header)

    def row(label: str, figures: dict[str, dict[str, float]]) -> str:
        cells = "".join(
            f"{figures[name]['precision']:>8.3f}/{figures[name]['recall']:.3f}" for name in FIELDS
        )
        return f"{label:14}{cells}"

    if data["overall"]:
        lines.append(row("overall", data["overall"]))
    for split, figures in data["by_split"].items():
        lines.append(row(f"split {split}", figures))
    for country, figures in data["by_country"].items():
        lines.append(row(f"  {country}", figures))
    lines.append(f"phone types right: {data['phone_type_accuracy']}")
    if details:
        for slug, misses in data["errors"].items():
            for field_name, errors in misses.items():
                for kind, values in errors.items():
                    if values:
                        lines.append(f"  {slug}: {field_name} {kind}: {', '.join(values)}")
    return "\n".join(lines)


# ------------------------------------------------------------------------ running


def _command(url: str, country: str) -> list[str]:
    return ["enrich-website", url, "--country", country, "--no-llm", "--json"]


def enrich_in_process(url: str, country: str) -> dict[str, Any]:
    from leadgen_pipeline.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(_command(url, country))
    if status != 0:
        raise RuntimeError(f"leadgen enrich-website {url} exited {status}")
    return json.loads(out.getvalue())


def enrich_in_subprocess(url: str, country: str) -> dict[str, Any]:
    leadgen = Path(sys.executable).with_name("leadgen")
    completed = subprocess.run(
        [str(leadgen), *_command(url, country)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"leadgen enrich-website {url}: {completed.stderr.strip()[-500:]}")
    return json.loads(completed.stdout)


def run(sites: Sequence[Site], *, in_subprocess: bool = False) -> Report:
    enrich = enrich_in_subprocess if in_subprocess else enrich_in_process
    results = []
    with serve_corpus() as base_url:
        saved = os.environ.get("LEADGEN_WEB_ALLOWED_HOSTS")
        os.environ["LEADGEN_WEB_ALLOWED_HOSTS"] = base_url
        try:
            for site in sites:
                document = enrich(f"{base_url}/{site.slug}/", site.country)
                results.append(score_site(site, document))
        finally:
            if saved is None:
                os.environ.pop("LEADGEN_WEB_ALLOWED_HOSTS", None)
            else:
                os.environ["LEADGEN_WEB_ALLOWED_HOSTS"] = saved
    return Report(results)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadgen_sandbox.corpus.score")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--site", action="append", default=[], help="score only these sites")
    parser.add_argument("--subprocess", action="store_true", help="run the leadgen binary")
    parser.add_argument("--details", action="store_true", help="list every miss per site")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args(argv)
    report = run(load_sites(split=args.split, slugs=args.site), in_subprocess=args.subprocess)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report, details=args.details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
