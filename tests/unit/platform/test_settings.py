"""Settings: GIVEN an environment, WHEN settings are read, THEN every value has its documented
default and signature checks can be turned off on the local stage only."""

from __future__ import annotations

from chalicelib.settings import from_environment


def test_defaults_follow_the_stage() -> None:
    s = from_environment({"RINGFLOW_STAGE": "dev"})
    assert (s.table_prefix, s.recordings_bucket, s.task_queue) == (
        "ringflow-dev-",
        "ringflow-dev-recordings",
        "ringflow-dev-tasks",
    )
    assert s.table("calls") == "ringflow-dev-calls"


def test_signature_checks_can_be_turned_off_only_locally() -> None:
    assert not from_environment(
        {"RINGFLOW_STAGE": "local", "RINGFLOW_VERIFY_SIGNATURES": "false"}
    ).checks_signatures
    assert from_environment(
        {"RINGFLOW_STAGE": "dev", "RINGFLOW_VERIFY_SIGNATURES": "false"}
    ).checks_signatures
    assert from_environment(
        {"RINGFLOW_STAGE": "prod", "RINGFLOW_VERIFY_SIGNATURES": "0"}
    ).checks_signatures
    assert from_environment({}).checks_signatures


def test_private_keys_from_the_environment_get_their_newlines_back() -> None:
    s = from_environment(
        {"VONAGE_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----"}
    )
    assert s.vonage_private_key.splitlines() == [
        "-----BEGIN PRIVATE KEY-----",
        "abc",
        "-----END PRIVATE KEY-----",
    ]


def test_the_operator_key_hash_is_optional_and_compared_in_constant_time() -> None:
    from chalicelib.accounts.keys import is_operator_key, new_operator_key

    # GIVEN no operator key hash THEN the operator routes are off and no key is the operator's
    assert from_environment({}).operator_key_hash is None
    assert not is_operator_key("rfop_anything", None)
    # GIVEN a new operator key whose hash is configured (as an operator pastes it, upper case)
    key, digest = new_operator_key()
    configured = from_environment({"RINGFLOW_OPERATOR_KEY_HASH": f" {digest.upper()} "})
    # THEN that key, and only it, is the operator's
    assert configured.operator_key_hash == digest
    assert is_operator_key(key, configured.operator_key_hash)
    assert not is_operator_key(key + "x", configured.operator_key_hash)


def test_mail_settings_follow_the_stage_and_the_sender_names_the_domain() -> None:
    s = from_environment({"RINGFLOW_STAGE": "dev"})
    assert (s.mail_bucket, s.mail_queue, s.mail_domain) == (
        "ringflow-dev-mail",
        "ringflow-dev-mail",
        "ringflow.test",
    )
    s = from_environment({"RINGFLOW_MAIL_FROM": " Callback@Mail.Example.com "})
    assert (s.mail_from, s.mail_domain) == ("Callback@Mail.Example.com", "mail.example.com")
    assert from_environment({"RINGFLOW_MAIL_FROM": ""}).mail_from == "ringflow@ringflow.test"


def test_the_development_keys_are_the_local_stages_only() -> None:
    import pytest

    from chalicelib import errors
    from chalicelib.billing.account_lots import derived_password

    local = from_environment({"RINGFLOW_STAGE": "local"})
    assert local.account_password_key and local.stripe_webhook_secret
    prod = from_environment({"RINGFLOW_STAGE": "prod"})
    assert (prod.account_password_key, prod.stripe_secret_key, prod.stripe_webhook_secret) == (
        "",
        "",
        "",
    )
    with pytest.raises(errors.UnavailableError):
        derived_password(prod.account_password_key.encode(), b"lot", "12345678")
    given = from_environment({"RINGFLOW_STAGE": "prod", "STRIPE_WEBHOOK_SECRET": "whsec_x"})
    assert given.stripe_webhook_secret == "whsec_x"
