"""Benchmarks of the leadgen pipeline against the loopback sandbox (`make bench`).

Every figure is a ratio measured within one run (ours against a baseline run
in the same process, or against the quota the sandbox enforces), printed with
the raw numbers it comes from. See docs/benchmarks.md.
"""
