"""``python -m leadgen_sandbox``: run the sandbox servers in the foreground."""

from __future__ import annotations

import argparse

from leadgen_sandbox.sandbox import serve_forever


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the leadgen sandbox servers on loopback.")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--places-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--llm-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--web-port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    serve_forever(args.host, args.places_port, args.llm_port, args.web_port)


if __name__ == "__main__":
    main()
