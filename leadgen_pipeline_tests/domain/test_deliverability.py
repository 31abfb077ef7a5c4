import pytest

from leadgen_pipeline.domain.deliverability import email_signals


@pytest.mark.parametrize(
    ("address", "state", "deliverable"),
    [
        ("info@baeckerei-schmidt.de", "mx", "yes"),
        ("info@baeckerei-schmidt.de", "a", "yes"),
        ("info@baeckerei-schmidt.de", "none", "no"),
        ("info@baeckerei-schmidt.de", "null_mx", "no"),
        ("info@baeckerei-schmidt.de", "unknown", "unknown"),
        ("info..x@baeckerei-schmidt.de", "mx", "no"),
    ],
)
def test_the_verdict(address, state, deliverable):
    assert email_signals(address, state).deliverable == deliverable


def test_the_address_itself_says_role_free_mail_and_disposable():
    role = email_signals("kontakt@elektro-petersen.de", "mx")
    person = email_signals("jens.petersen@web.de", "mx")
    throwaway = email_signals("x7@mailinator.com", "mx")
    assert (role.role_account, role.free_mail) == (True, False)
    assert (person.role_account, person.free_mail, person.disposable) == (False, True, False)
    assert throwaway.disposable and not throwaway.free_mail
