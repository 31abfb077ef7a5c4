"""Local stand-ins for Google Places, an OpenAI-compatible LLM and business websites.

Loopback HTTP servers that speak the real wire formats, so the product's real clients
run unchanged against them; only base URLs differ. See ``Sandbox``.
"""

from leadgen_sandbox.dataset import (
    Business,
    HostileKind,
    SandboxDataset,
    SiteProfile,
    parse_query,
)
from leadgen_sandbox.faults import FaultConfig, SandboxStats
from leadgen_sandbox.sandbox import SERVER_NAMES, Sandbox, ServerName, serve_forever

__all__ = [
    "SERVER_NAMES",
    "Business",
    "FaultConfig",
    "HostileKind",
    "Sandbox",
    "SandboxDataset",
    "SandboxStats",
    "ServerName",
    "SiteProfile",
    "parse_query",
    "serve_forever",
]
