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
# The websites' origin is part of every website URL a search stores: served from a new
# port by each `leadgen search`, every re-run recorded every website as changed (the
# territory feed, the directory's marks, lead.updated webhooks). `leadgen sandbox`'s
# default port, when free.
STABLE_WEB_PORT = 8703


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
def running_sandbox() -> Iterator[Sandbox]:
    """A sandbox whose websites are at the same origin from one run to the next, unless
    that port is taken (a `leadgen sandbox`, another run): then on a free one."""
    try:
        sandbox = Sandbox(web_port=STABLE_WEB_PORT).start()
    except OSError:
        sandbox = Sandbox().start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@contextmanager
def services_from_environment() -> Iterator[list[str]]:
    """Yields notes on what runs locally; real services are used where keys are set."""
    need_places = not os.environ.get(PLACES_KEY_ENV)
    need_llm = not os.environ.get(LLM_KEY_ENV)
    if not (need_places or need_llm):
        yield []
        return
    with (
        running_sandbox() as sandbox,
        patched_environ(sandbox_environ(sandbox, places=need_places, llm=need_llm)),
    ):
        notes = [
            f"no {name} set: using the local sandbox's {what} at {url}"
            for name, what, url, needed in (
                (PLACES_KEY_ENV, "Places server", sandbox.places_url, need_places),
                (LLM_KEY_ENV, "LLM server", sandbox.llm_url, need_llm),
            )
            if needed
        ]
        yield [*notes, f"the sandbox's business websites: {sandbox.web_url}"]
