"""AI intelligence: a search's target, its competitor figures and the LLM's profile."""

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from leadgen_pipeline.storage import schema as t
from leadgen_pipeline.storage.base import upsert, utcnow


def save_intelligence(engine: Engine, row: Mapping[str, Any]) -> None:
    with engine.begin() as conn:
        upsert(conn, t.ai_intelligence, [{**row, "created_at": utcnow()}], ["search_id"])


def delete_intelligence(engine: Engine, search_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(t.ai_intelligence).where(t.ai_intelligence.c.search_id == search_id))


def get_intelligence(conn: Connection, search_id: str) -> Row | None:
    query = sa.select(t.ai_intelligence).where(t.ai_intelligence.c.search_id == search_id)
    return conn.execute(query).first()


def intelligence_token_history(conn: Connection) -> tuple[int, int, int]:
    """(intelligence calls stored, their prompt tokens, their completion tokens)."""
    i = t.ai_intelligence
    query = sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(i.c.prompt_tokens), 0),
        sa.func.coalesce(sa.func.sum(i.c.completion_tokens), 0),
    )
    calls, prompt, completion = conn.execute(query).one()
    return int(calls), int(prompt), int(completion)
