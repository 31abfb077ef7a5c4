"""Writers started together on threads of their own, for tests of concurrent writes."""

import threading
from collections.abc import Callable, Sequence

import sqlalchemy as sa


def database_errors_at_once(
    writes: Sequence[Callable[[], object]], rounds: int = 15
) -> list[sa.exc.DBAPIError]:
    """Each write called `rounds` times on a thread of its own, the threads started
    together; the database errors they raised (a deadlock, say)."""
    errors: list[sa.exc.DBAPIError] = []
    start = threading.Barrier(len(writes))

    def repeat(write: Callable[[], object]) -> None:
        start.wait()
        for _ in range(rounds):
            try:
                write()
            except sa.exc.DBAPIError as error:
                errors.append(error)

    threads = [threading.Thread(target=repeat, args=(write,)) for write in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
