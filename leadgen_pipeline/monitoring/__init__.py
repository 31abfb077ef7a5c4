"""Monitoring: structured orchestration events, failure messages, the run-failure sensor."""
