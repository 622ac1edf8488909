"""The request deadline: GIVEN a deadline, WHEN requests ask for their timeout, THEN they get
the time left (less what later work needs), never more than their own limit, and none at all once
too little is left."""

from __future__ import annotations

import pytest

from chalicelib.ops.deadline import (
    MIN_ATTEMPT_SECONDS,
    DeadlineExceededError,
    budget,
    deadline,
    remaining,
)


def test_outside_a_deadline_a_request_keeps_its_own_limit() -> None:
    assert remaining() is None
    assert budget(4.0) == 4.0


def test_inside_a_deadline_a_request_gets_at_most_the_time_left() -> None:
    with deadline(2.0):
        left = remaining()
        assert left is not None and 1.5 < left <= 2.0
        assert budget(10.0) <= 2.0
        assert budget(0.5) == 0.5
        assert budget(10.0, reserve=1.0) <= 1.0
    assert remaining() is None


def test_an_inner_deadline_cannot_extend_an_outer_one() -> None:
    with deadline(1.0), deadline(30.0):
        left = remaining()
        assert left is not None and left <= 1.0


def test_no_request_starts_with_too_little_time_left() -> None:
    with deadline(MIN_ATTEMPT_SECONDS / 2), pytest.raises(DeadlineExceededError):
        budget(3.0)
    with deadline(1.0), pytest.raises(DeadlineExceededError):
        budget(3.0, reserve=1.0)
