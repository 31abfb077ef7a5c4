"""Failure messages a person can read, from Dagster's errors and step failures."""

import re

from dagster._utils.error import SerializableErrorInfo

# "dagster._core.definitions.events.Failure: Places ... failed" -> "Places ... failed"
_QUALIFIED_CLASS_PREFIX = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+: ")


def readable_message(text: str) -> str:
    return _QUALIFIED_CLASS_PREFIX.sub("", text.strip())


def error_message(description: str | None, error: SerializableErrorInfo | None) -> str:
    """What went wrong, in a person's words: a Failure's own description, else the root cause.

    A step that exhausted its retry policy reports "Exceeded max_retries"; the
    cause under it says why the attempts failed. Stack traces are left out.
    """
    if description:
        return readable_message(description)
    if error is None:
        return "unknown error"
    root = error
    while root.cause is not None:
        root = root.cause
    return readable_message(root.message)
