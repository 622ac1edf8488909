"""Markers: GIVEN the markers table, WHEN keys are claimed and SMS parts collected, THEN an
effect is claimed once until its marker expires or is released, and parts reassemble in order
without mixing in an expired collection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storekit import NOW

from chalicelib.settings import Settings
from chalicelib.store.markers import MarkerRepository, SmsPart


@pytest.fixture
def markers(store: Settings) -> MarkerRepository:
    return MarkerRepository()


def test_only_the_first_claimer_wins(markers: MarkerRepository) -> None:
    # GIVEN a fresh key / WHEN claimed three times / THEN only the first claim succeeds
    assert markers.claim("sms:send:1", NOW, 60) is True
    assert markers.claim("sms:send:1", NOW, 60) is False
    assert markers.claim("sms:send:1", NOW + timedelta(seconds=59), 60) is False
    # AND another key is independent
    assert markers.claim("sms:send:2", NOW, 60) is True


def test_an_expired_claim_can_be_claimed_again(markers: MarkerRepository) -> None:
    # GIVEN a claim for 60 s (moto never deletes expired items, nor does DynamoDB at once)
    markers.claim("k", NOW, 60)
    # WHEN claimed after it expired / THEN it is claimed anew, once
    assert markers.claim("k", NOW + timedelta(seconds=61), 60) is True
    assert markers.claim("k", NOW + timedelta(seconds=62), 60) is False


def test_a_released_claim_can_be_claimed_again(markers: MarkerRepository) -> None:
    # GIVEN a claim whose effect failed / WHEN released / THEN the retry may claim it
    markers.claim("k", NOW, 60)
    markers.release("k")
    markers.release("k")
    assert markers.claim("k", NOW, 60) is True


def test_sms_parts_reassemble_in_order_once_each(markers: MarkerRepository) -> None:
    # GIVEN parts 3, 1, 3 again (a retried delivery), 2 of a three-part message
    markers.add_sms_part("447700900000:447700900001:7f", 3, 3, '{"t":"c"}', NOW, 600)
    markers.add_sms_part("447700900000:447700900001:7f", 1, 3, '{"t":"a"}', NOW, 600)
    markers.add_sms_part("447700900000:447700900001:7f", 3, 3, '{"t":"c"}', NOW, 600)
    # WHEN the last part arrives
    collected = markers.add_sms_part("447700900000:447700900001:7f", 2, 3, '{"t":"b"}', NOW, 600)
    # THEN all three are returned by number, once each, and read back the same
    assert collected == (
        SmsPart(1, 3, '{"t":"a"}'),
        SmsPart(2, 3, '{"t":"b"}'),
        SmsPart(3, 3, '{"t":"c"}'),
    )
    assert markers.parts("447700900000:447700900001:7f") == collected
    assert markers.sms_parts("447700900000:447700900001:7f") == [
        '{"t":"a"}',
        '{"t":"b"}',
        '{"t":"c"}',
    ]


def test_payloads_may_contain_colons_and_part_numbers_sort_numerically(
    markers: MarkerRepository,
) -> None:
    # GIVEN parts 10 and 2 with colons in their payloads
    markers.add_sms_part("ref", 10, 12, "x:10", NOW, 600)
    markers.add_sms_part("ref", 2, 12, "x:2", NOW, 600)
    # WHEN read / THEN by number, payloads intact
    assert markers.parts("ref") == (SmsPart(2, 12, "x:2"), SmsPart(10, 12, "x:10"))


def test_an_expired_collection_is_replaced_not_merged(markers: MarkerRepository) -> None:
    # GIVEN part 1 of an old message whose collection lived 600 s
    markers.add_sms_part("ref", 1, 2, "old", NOW, 600)
    # WHEN the reused reference starts a new message after that
    later = NOW + timedelta(seconds=601)
    collected = markers.add_sms_part("ref", 2, 2, "new", later, 600)
    # THEN only the new part is there
    assert collected == (SmsPart(2, 2, "new"),)


def test_unknown_and_cleared_collections_are_empty(markers: MarkerRepository) -> None:
    assert markers.parts("none") == ()
    markers.add_sms_part("ref", 1, 2, "a", NOW, 600)
    markers.clear_sms_parts("ref")
    assert markers.parts("ref") == ()


def test_claims_and_sms_collections_do_not_collide(markers: MarkerRepository) -> None:
    # GIVEN a collection "x" / WHEN the key "x" is claimed / THEN both stand
    markers.add_sms_part("x", 1, 2, "a", NOW, 600)
    assert markers.claim("x", NOW, 60) is True
    assert markers.parts("x") == (SmsPart(1, 2, "a"),)


@pytest.mark.parametrize(("part", "total"), [(0, 2), (3, 2), (1, 256), (-1, 1)])
def test_impossible_parts_are_refused(markers: MarkerRepository, part: int, total: int) -> None:
    with pytest.raises(ValueError):
        markers.add_sms_part("ref", part, total, "a", NOW, 600)


def test_a_claim_must_last(markers: MarkerRepository) -> None:
    with pytest.raises(ValueError):
        markers.claim("k", NOW, 0)


def test_is_claimed_sees_live_claims_only(markers: MarkerRepository) -> None:
    # GIVEN no claim, then a claim for 10 s
    assert not markers.is_claimed("done:x", NOW)
    markers.claim("done:x", NOW, 10)
    # THEN it is claimed until it expires, and not after a release
    assert markers.is_claimed("done:x", NOW + timedelta(seconds=10))
    assert not markers.is_claimed("done:x", NOW + timedelta(seconds=11))
    markers.release("done:x")
    assert not markers.is_claimed("done:x", NOW)


def test_a_held_claim_lasts_longer_and_still_refuses_claims(markers: MarkerRepository) -> None:
    # GIVEN a short claim, held for an hour once its work is done
    assert markers.claim("task:x", NOW, 10)
    markers.hold("task:x", NOW, 3600)
    # THEN nobody claims it before the hour is out, and it is claimed beyond the short claim
    assert not markers.claim("task:x", NOW + timedelta(seconds=30), 10)
    assert markers.is_claimed("task:x", NOW + timedelta(seconds=11))
    assert markers.claim("task:x", NOW + timedelta(seconds=3601), 10)


def test_a_token_binds_to_its_first_request(markers: MarkerRepository) -> None:
    # GIVEN a token used once
    assert markers.bind_token("jti-1", "request-a", NOW, 600)
    # THEN the same request again (a carrier's retry) passes, another one does not
    assert markers.bind_token("jti-1", "request-a", NOW, 600)
    assert not markers.bind_token("jti-1", "request-b", NOW, 600)
    # AND once the binding expired the id is free again; other ids never collide
    assert markers.bind_token("jti-1", "request-b", NOW + timedelta(seconds=601), 600)
    assert markers.bind_token("jti-2", "request-a", NOW, 600)
    assert markers.claim("jti-1", NOW, 60)  # claims live apart from token bindings
