"""Run tags of the search stage: who asked for a search run, and the links between a
request_search run and the search run it caused (the UI shows tags on runs and filters
runs by them).

The request run gets SEARCH_ID_TAG and, once the search starts, SEARCH_RUN_TAG; the
search run gets REQUEST_RUN_TAG. A refused request gets REFUSED_TAG, the reason; a run stopped by a
budget gets STOPPED_TAG.
"""

REQUESTED_BY_TAG = "leadgen/requested_by"
SEARCH_ID_TAG = "leadgen/search_id"
SEARCH_RUN_TAG = "leadgen/search_run"
REQUEST_RUN_TAG = "leadgen/request_run"
REFUSED_TAG = "leadgen/refused"
# A run that stopped cleanly before its work was done: the reason ("budget").
STOPPED_TAG = "leadgen/stopped"
# A search's requested_by when a request_search run asked for it: this prefix + the run id.
REQUESTED_BY_RUN = "dagster-run:"


def requesting_run_id(requested_by: str) -> str | None:
    """The request_search run that asked for a search, from the search's requested_by."""
    if not requested_by.startswith(REQUESTED_BY_RUN):
        return None
    return requested_by.removeprefix(REQUESTED_BY_RUN)
