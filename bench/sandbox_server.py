"""The sandbox in a process of its own, for benchmarks.

In a benchmark the sandbox stands in for servers on other machines. Run in the
benchmark's own process, its threads would compete for the interpreter lock
with the code under measurement and slow it down in a way production never
sees, so `SandboxProcess` (bench/common.py) starts this module as a child
process and talks to it over the servers' own admin endpoints.

Prints one JSON line with the base URLs, then serves until its standard input
closes (the parent finished or died), SIGTERM, or --max-seconds pass.
"""

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from leadgen_sandbox import Sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=3600.0,
        help="stop after this long even if the parent never says so",
    )
    parser.add_argument(
        "--web-hosts", type=int, default=1, help="loopback addresses the websites are spread over"
    )
    args = parser.parse_args()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def stop_when_parent_closes_stdin() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=stop_when_parent_closes_stdin, daemon=True).start()
    # No result cap: the benchmarks search `#bulkN` populations larger than 60.
    with Sandbox(result_cap=None, web_hosts=args.web_hosts) as sandbox:
        urls = {
            "places": sandbox.places_url,
            "llm": sandbox.llm_url,
            "web": sandbox.web_url,
            "webs": sandbox.web_urls,
        }
        print(json.dumps(urls), flush=True)
        stop.wait(args.max_seconds)


if __name__ == "__main__":
    main()
