"""Monitoring: structured orchestration events and the record of failed runs."""
