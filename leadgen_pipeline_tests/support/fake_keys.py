"""API keys the tests hand the product: they must never appear in a log, an event, a row."""

PLACES_KEY = "places-key-DO-NOT-LEAK-7f3a"
LLM_KEY = "llm-key-DO-NOT-LEAK-91bc"
