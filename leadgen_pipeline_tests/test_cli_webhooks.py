"""`leadgen webhooks`: subscribe, list, deliver, see the dead letters, replay, remove."""

import re
import time

import pytest

from leadgen_pipeline.cli import main
from leadgen_pipeline.domain.outbound_webhooks import OutboundEventType, build_event, verify
from leadgen_pipeline.storage import outbound_webhook_store as store
from leadgen_pipeline.storage.base import utcnow
from leadgen_pipeline.storage.database import engine_for
from leadgen_pipeline_tests.support.webhook_receiver import webhook_receiver


@pytest.fixture
def receiver(database_url, monkeypatch):
    with webhook_receiver(always_fail=True) as receiver:
        monkeypatch.setenv("LEADGEN_DATABASE_URL", database_url)
        monkeypatch.setenv("LEADGEN_WEBHOOK_ALLOWED_HOSTS", receiver.url)
        # Two tries, the second due at once: the dead letter in two rounds.
        monkeypatch.setenv("LEADGEN_WEBHOOK_MAX_ATTEMPTS", "2")
        monkeypatch.setenv("LEADGEN_WEBHOOK_BACKOFF_SECONDS", "0")
        yield receiver


def test_a_subscription_from_subscribing_to_a_replayed_dead_letter(receiver, database_url, capsys):
    url = f"{receiver.url}/crm"
    assert (
        main(["webhooks", "add", url, "--event", "search.completed", "--description", "CRM"]) == 0
    )
    added = capsys.readouterr().out
    secret = re.search(r"secret \(shown once.*\): (whsec_\S+)", added).group(1)
    subscription = re.search(r"subscription (whs_[0-9a-f]+)", added).group(1)
    assert main(["webhooks", "list"]) == 0
    listed = capsys.readouterr().out
    assert subscription in listed and secret not in listed

    event = build_event(
        OutboundEventType.SEARCH_COMPLETED, ("s", "run"), {"leadCount": 3}, utcnow()
    )
    store.emit_events(engine_for(database_url), [event])
    for _ in range(3):
        assert main(["webhooks", "deliver", "--once"]) == 0
    assert "0 delivered, 0 to retry, 1 dead" in capsys.readouterr().err
    assert main(["webhooks", "dead"]) == 0
    dead = capsys.readouterr().out
    delivery = re.search(r"dlv_[0-9a-f]{32}", dead).group(0)
    assert "HTTP 500" in dead

    receiver.always_fail = False
    assert main(["webhooks", "replay", delivery]) == 0
    assert main(["webhooks", "replay", delivery]) == 1
    assert "not dead" in capsys.readouterr().err
    assert main(["webhooks", "deliver", "--once"]) == 0
    [accepted] = receiver.accepted()
    assert accepted.headers["webhook-id"] == event.event_id
    assert verify(secret, accepted.headers, accepted.body, now=time.time())

    assert main(["webhooks", "remove", subscription]) == 0
    assert main(["webhooks", "remove", subscription]) == 1
    capsys.readouterr()
    assert main(["webhooks", "list"]) == 0
    assert subscription not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["http://10.0.0.1/in", "--event", "lead.created"], "non-public address"),
        (["http://127.0.0.1:9/in", "--event", "lead.created"], "not a web port"),
        (["https://crm.example/", "--event", "lead.gone"], "unknown event types"),
        (["https://crm.example/", "--event", "lead.created", "--secret", "x"], "starts with"),
    ],
)
def test_a_bad_subscription_exits_1_and_stores_nothing(
    receiver, database_url, capsys, argv, message
):
    assert main(["webhooks", "add", *argv]) == 1
    assert message in capsys.readouterr().err
    with engine_for(database_url).connect() as conn:
        assert store.list_subscriptions(conn) == []
