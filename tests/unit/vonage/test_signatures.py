"""Webhook signatures: SMS ``sig`` vectors (FACTS §8, from the Python SDK's tests) and voice JWTs.

The HMAC vectors are cross-checked against the real SDK's ``Auth.sign_params``; the MD5-hash
variant, which the SDK does not implement, against the documented algorithm spelled out here.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from vonage_http_client import Auth
from vonage_jwt import verify_signature as sdk_verify_signature

from chalicelib.telephony.vonage.signatures import (
    SignatureError,
    SmsSignatureMethod,
    body_hash,
    sign_sms_params,
    sign_voice_webhook,
    sms_signature,
    verify_sms_params,
    verify_voice_webhook,
)

SECRET = "signature_secret"
PARAMS = {"param1": "value1", "param2": "value2", "timestamp": "1234567890"}
ISSUED = datetime.fromtimestamp(1234567890, UTC)

VECTORS = {
    SmsSignatureMethod.MD5_HMAC: "724c2bf6ca423c36e20631b11d1c5753",
    SmsSignatureMethod.SHA256_HMAC: (
        "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287"
    ),
}


# --- SMS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "expected"), VECTORS.items())
def test_sms_hmac_vectors(method: SmsSignatureMethod, expected: str) -> None:
    # GIVEN the SDK's test parameters and secret
    # WHEN they are signed
    # THEN the signature is the published vector
    assert sms_signature(PARAMS, SECRET, method) == expected


@pytest.mark.parametrize(
    "method",
    [
        SmsSignatureMethod.MD5_HMAC,
        SmsSignatureMethod.SHA1_HMAC,
        SmsSignatureMethod.SHA256_HMAC,
        SmsSignatureMethod.SHA512_HMAC,
    ],
)
def test_sms_hmac_methods_agree_with_the_sdk(method: SmsSignatureMethod) -> None:
    # GIVEN parameters whose values hold the characters Vonage replaces
    params = {"text": "a&b=c", "msisdn": "447700900001", "timestamp": "1234567890"}
    # WHEN we and the vonage SDK sign them
    sdk = Auth(api_key="abcd1234", signature_secret=SECRET, signature_method=method.value)
    # THEN the signatures are equal
    assert sms_signature(params, SECRET, method) == sdk.sign_params(dict(params))


def test_sms_md5_hash_variant_follows_the_documented_algorithm() -> None:
    # GIVEN the dashboard's default method, "MD5 hash" (the SDK only does HMACs)
    # WHEN the parameters are signed
    signed = sms_signature(PARAMS, SECRET, SmsSignatureMethod.MD5_HASH)
    # THEN it is md5 of the sorted '&k=v' string with the secret appended
    documented = "&param1=value1&param2=value2&timestamp=1234567890" + SECRET
    assert signed == hashlib.md5(documented.encode()).hexdigest()
    assert signed != VECTORS[SmsSignatureMethod.MD5_HMAC]


def test_sms_sig_itself_is_not_signed() -> None:
    with_sig = {**PARAMS, "sig": "whatever"}
    assert (
        sms_signature(with_sig, SECRET, SmsSignatureMethod.SHA256_HMAC)
        == VECTORS[SmsSignatureMethod.SHA256_HMAC]
    )


@pytest.mark.parametrize("method", list(SmsSignatureMethod))
def test_sms_signed_params_verify_within_the_window(method: SmsSignatureMethod) -> None:
    # GIVEN an inbound SMS signed with the method, received 10 s later
    signed = {**PARAMS, "sig": sms_signature(PARAMS, SECRET, method)}
    # WHEN it is verified
    # THEN it passes, whatever the case of the hex signature
    verify_sms_params(signed, SECRET, method, ISSUED + timedelta(seconds=10))
    shouting = {**signed, "sig": signed["sig"].upper()}
    verify_sms_params(shouting, SECRET, method, ISSUED - timedelta(seconds=10))


def test_sign_sms_params_adds_timestamp_and_sig() -> None:
    now = datetime(2024, 5, 1, tzinfo=UTC)
    signed = sign_sms_params(
        {"msisdn": "1", "text": "hi"}, SECRET, SmsSignatureMethod.MD5_HASH, now
    )
    assert signed["timestamp"] == str(int(now.timestamp()))
    verify_sms_params(signed, SECRET, SmsSignatureMethod.MD5_HASH, now)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"param1": "value1-tampered"}, "does not match"),
        ({"param3": "added"}, "does not match"),
        ({"sig": "0" * 32}, "does not match"),
        ({"sig": ""}, "missing sig"),
        ({"timestamp": "not-a-number"}, "bad timestamp"),
    ],
)
def test_sms_tampered_params_are_refused(change: dict[str, str], message: str) -> None:
    # GIVEN correctly signed parameters, then changed
    signed = {**PARAMS, "sig": VECTORS[SmsSignatureMethod.SHA256_HMAC], **change}
    # WHEN they are verified
    # THEN SignatureError says why
    with pytest.raises(SignatureError, match=message):
        verify_sms_params(signed, SECRET, SmsSignatureMethod.SHA256_HMAC, ISSUED)


def test_sms_stale_or_future_timestamps_are_refused() -> None:
    signed = {**PARAMS, "sig": VECTORS[SmsSignatureMethod.SHA256_HMAC]}
    for skew in (301, -301):
        with pytest.raises(SignatureError, match="outside the accepted window"):
            verify_sms_params(
                signed, SECRET, SmsSignatureMethod.SHA256_HMAC, ISSUED + timedelta(seconds=skew)
            )


def test_sms_signature_of_another_method_is_refused() -> None:
    signed = {**PARAMS, "sig": VECTORS[SmsSignatureMethod.MD5_HMAC]}
    with pytest.raises(SignatureError, match="does not match"):
        verify_sms_params(signed, SECRET, SmsSignatureMethod.MD5_HASH, ISSUED)


# --- voice JWT -----------------------------------------------------------------------------------

VOICE_SECRET = "voice-signature-secret-0123456789abcdef"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
BODY = b'{"uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","status":"answered"}'


def _bearer(body: bytes = BODY, secret: str = VOICE_SECRET, at: datetime = NOW) -> str:
    return "Bearer " + sign_voice_webhook(body, secret, "abcd1234", "app-1", at)


def test_voice_jwt_good() -> None:
    # GIVEN a webhook signed as Vonage signs it
    # WHEN it is verified
    claims = verify_voice_webhook(_bearer(), BODY, VOICE_SECRET, NOW + timedelta(seconds=2))
    # THEN its claims come back
    assert claims["iss"] == "Vonage"
    assert claims["payload_hash"] == hashlib.sha256(BODY).hexdigest() == body_hash(BODY)
    assert claims["api_key"] == "abcd1234" and claims["application_id"] == "app-1"


def test_voice_jwt_is_what_the_sdk_verifies() -> None:
    token = _bearer().removeprefix("Bearer ")
    assert sdk_verify_signature(token, VOICE_SECRET) is True
    assert sdk_verify_signature(token, "another-secret-0123456789abcdef0123") is False


def test_voice_jwt_scheme_is_case_insensitive() -> None:
    verify_voice_webhook("bearer " + _bearer()[7:], BODY, VOICE_SECRET, NOW)


def test_voice_get_webhook_with_empty_body() -> None:
    verify_voice_webhook(_bearer(b""), b"", VOICE_SECRET, NOW)


@pytest.mark.parametrize("issued", [NOW - timedelta(seconds=301), NOW + timedelta(seconds=301)])
def test_voice_jwt_issued_outside_the_window_is_refused(issued: datetime) -> None:
    # GIVEN a token issued more than five minutes away from now (a replay, or a skewed clock)
    # WHEN it is verified
    # THEN it is refused
    with pytest.raises(SignatureError, match="window"):
        verify_voice_webhook(_bearer(at=issued), BODY, VOICE_SECRET, NOW)


def test_voice_jwt_with_wrong_secret_is_refused() -> None:
    with pytest.raises(SignatureError, match="bad token"):
        verify_voice_webhook(_bearer(secret="x" * 40), BODY, VOICE_SECRET, NOW)


def test_voice_jwt_with_tampered_body_is_refused() -> None:
    tampered = BODY.replace(b"answered", b"completed")
    with pytest.raises(SignatureError, match="payload_hash"):
        verify_voice_webhook(_bearer(), tampered, VOICE_SECRET, NOW)


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Token abc"])
def test_voice_missing_bearer_is_refused(header: str | None) -> None:
    with pytest.raises(SignatureError):
        verify_voice_webhook(header, BODY, VOICE_SECRET, NOW)


def test_voice_jwt_without_payload_hash_for_a_body_is_refused() -> None:
    token = jwt.encode({"iat": int(NOW.timestamp()), "iss": "Vonage"}, VOICE_SECRET, "HS256")
    with pytest.raises(SignatureError, match="no payload_hash"):
        verify_voice_webhook("Bearer " + token, BODY, VOICE_SECRET, NOW)


def test_voice_jwt_without_iat_or_with_another_algorithm_is_refused() -> None:
    no_iat = jwt.encode({"payload_hash": body_hash(BODY)}, VOICE_SECRET, "HS256")
    with pytest.raises(SignatureError, match="bad token"):
        verify_voice_webhook("Bearer " + no_iat, BODY, VOICE_SECRET, NOW)
    claims = {"iat": int(NOW.timestamp()), "payload_hash": body_hash(BODY)}
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(SignatureError, match="bad token"):
        verify_voice_webhook("Bearer " + unsigned, BODY, VOICE_SECRET, NOW)


def test_tokens_agree_with_pyjwt_both_ways() -> None:
    import jwt

    from chalicelib.telephony.vonage.signatures import decode_hs256, encode_hs256

    now = datetime.now(UTC)
    claims = {"iat": int(now.timestamp()), "jti": "j-1", "payload_hash": "abc", "n": "é"}
    # GIVEN a token of ours, THEN PyJWT reads it; GIVEN PyJWT's, THEN we read it
    assert jwt.decode(encode_hs256(claims, "s" * 32), "s" * 32, algorithms=["HS256"]) == claims
    assert decode_hs256(jwt.encode(claims, "s" * 32, algorithm="HS256"), "s" * 32, now, 0) == claims


@pytest.mark.parametrize(
    "forge",
    [
        lambda claims, secret: jwt_with(claims, secret, alg="none", sign=False),
        lambda claims, secret: jwt_with(claims, secret, alg="HS512"),
        lambda claims, secret: jwt_with({**claims, "iat": float("nan")}, secret),
        lambda claims, secret: jwt_with({**claims, "iat": float("inf")}, secret),
        lambda claims, secret: jwt_with({**claims, "iat": True}, secret),
        lambda claims, secret: jwt_with({**claims, "exp": claims["iat"] - 3600}, secret),
        lambda claims, secret: jwt_with(claims, "another-secret-0123456789abcdef"),
        lambda claims, secret: jwt_with(claims, secret) + "x",
        lambda claims, secret: "a.b",
        lambda claims, secret: "e30." * 3000,
    ],
)
def test_forged_or_odd_tokens_are_refused(forge: Any) -> None:
    from chalicelib.telephony.vonage.signatures import (
        SignatureError,
        body_hash,
        verify_voice_webhook,
    )

    now = datetime.now(UTC)
    claims = {"iat": int(now.timestamp()), "jti": "j", "payload_hash": body_hash(b"")}
    token = forge(claims, SECRET_FOR_FORGERY)
    with pytest.raises(SignatureError):
        verify_voice_webhook(f"Bearer {token}", b"", SECRET_FOR_FORGERY, now, 300)


SECRET_FOR_FORGERY = "forgery-secret-0123456789abcdef"


def jwt_with(claims: dict[str, Any], secret: str, alg: str = "HS256", sign: bool = True) -> str:
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hashlib.sha512 if alg == "HS512" else hashlib.sha256
    signature = b64(hmac.new(secret.encode(), f"{head}.{body}".encode(), mac).digest())
    return f"{head}.{body}." + (signature if sign else "")
