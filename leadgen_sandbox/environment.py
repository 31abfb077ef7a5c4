"""Point the product at the sandbox for whichever outside service has no key.

With no API keys set, the CLI and the demo start the sandbox in-process and
export its URLs and placeholder keys into the environment, exactly as a user
pointing at real services would export theirs; the resources read the same
variables either way.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from leadgen_sandbox.sandbox import Sandbox

PLACES_KEY_ENV = "GOOGLE_PLACES_API_KEY"
LLM_KEY_ENV = "OPENAI_API_KEY"


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def sandbox_environ(sandbox: Sandbox, *, places: bool = True, llm: bool = True) -> dict[str, str]:
    """The variables that route the resources to a running sandbox."""
    urls = sandbox.env()
    # The websites' allow list (and their politeness when one host stands for all), and
    # the sandbox's own DNS resolver.
    env = {
        name: value
        for name, value in urls.items()
        if name.startswith("LEADGEN_WEB_") or name == "LEADGEN_DNS_RESOLVER"
    }
    if places:
        env |= {
            PLACES_KEY_ENV: "sandbox-places-key",
            "LEADGEN_PLACES_BASE_URL": urls["LEADGEN_PLACES_BASE_URL"],
        }
    if llm:
        env |= {
            LLM_KEY_ENV: "sandbox-llm-key",
            "LEADGEN_LLM_BASE_URL": urls["LEADGEN_LLM_BASE_URL"],
        }
    return env


@contextmanager
def services_from_environment() -> Iterator[list[str]]:
    """Yields notes on what runs locally; real services are used where keys are set."""
    need_places = not os.environ.get(PLACES_KEY_ENV)
    need_llm = not os.environ.get(LLM_KEY_ENV)
    if not (need_places or need_llm):
        yield []
        return
    notes = [
        f"no {name} set: using the local sandbox"
        for name, needed in ((PLACES_KEY_ENV, need_places), (LLM_KEY_ENV, need_llm))
        if needed
    ]
    with (
        Sandbox() as sandbox,
        patched_environ(sandbox_environ(sandbox, places=need_places, llm=need_llm)),
    ):
        yield notes
