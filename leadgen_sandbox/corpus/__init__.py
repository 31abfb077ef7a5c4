"""The extraction corpus: fictional small-business sites with exact truth, and their scorer.

``sites/<slug>/`` holds one site's pages as a web server would serve them and its
``truth.json``; ``python -m leadgen_sandbox.corpus.score`` serves them on loopback and
scores ``leadgen enrich-website`` on them (docs/extraction.md).
"""
