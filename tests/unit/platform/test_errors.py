"""One error hierarchy: every layer's errors are neutral classes, and REST maps them by class."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from chalicelib import errors
from chalicelib.accounts.admin import AdminConflictError, AdminNotFoundError, DocumentTooLargeError
from chalicelib.flows.errors import FlowValidationError
from chalicelib.ops.deadline import DeadlineExceededError
from chalicelib.store.errors import (
    InsufficientBalanceError,
    NotFoundError,
    StaleStateError,
    StoreRequestError,
)
from chalicelib.telephony.errors import (
    CarrierBusyError,
    CarrierOutcomeUnknownError,
    CarrierRequestError,
)
from chalicelib.web.problems import error_problem, register_error, status_for


@pytest.mark.parametrize(
    ("error", "neutral", "status"),
    [
        (NotFoundError("call", "c1"), errors.NotFoundError, 404),
        (StaleStateError("call", "c1"), errors.StaleStateError, 409),
        (
            InsufficientBalanceError("a", Decimal(1), Decimal(-2), Decimal(0)),
            errors.ConflictError,
            409,
        ),
        (StoreRequestError("GetItem failed"), errors.UnavailableError, 503),
        (DeadlineExceededError("late"), errors.UnavailableError, 503),
        (CarrierBusyError("rate limited"), errors.UnavailableError, 503),
        (CarrierRequestError("bad number"), errors.UpstreamError, 502),
        (CarrierOutcomeUnknownError("lost"), errors.OutcomeUnknownError, 504),
        (AdminNotFoundError("no flow 'x'"), errors.NotFoundError, 404),
        (AdminConflictError("taken"), errors.ConflictError, 409),
        (DocumentTooLargeError("too big"), errors.TooLargeError, 413),
        (FlowValidationError(["nodes.a: unknown widget"]), errors.ValidationError, 422),
    ],
)
def test_each_layers_error_is_a_neutral_class_and_maps_by_its_nearest_class(
    error: Exception, neutral: type[Exception], status: int
) -> None:
    # GIVEN an error raised by the store, the carrier adapter, the admin or the flow parser
    # THEN a service can catch it by its neutral class, and REST answers its class's status
    assert isinstance(error, neutral)
    assert status_for(error) == status


def test_an_internal_errors_message_never_reaches_the_client() -> None:
    # GIVEN a store failure whose message names a table
    response = error_problem(StoreRequestError("ringflow-dev-calls GetItem: ThrottlingException"))
    # THEN the problem says only that a dependency is unavailable, and when to retry
    assert response is not None and response.status_code == 503
    body = json.loads(response.body)
    assert "ringflow-dev" not in body["detail"] and response.headers["Retry-After"]


def test_a_validation_errors_problems_are_listed() -> None:
    response = error_problem(FlowValidationError(["a: x", "b: y"]))
    assert response is not None and json.loads(response.body)["errors"] == ["a: x", "b: y"]


def test_a_product_maps_its_own_error_class_without_editing_the_web_layer() -> None:
    # GIVEN a product's error that is a neutral conflict but should answer 402
    class PaymentRequiredError(errors.ConflictError):
        pass

    assert status_for(PaymentRequiredError("top up")) == 409
    register_error(PaymentRequiredError, 402)
    # THEN its nearest class wins; remapping it to another status is refused
    assert status_for(PaymentRequiredError("top up")) == 402
    with pytest.raises(ValueError, match="already maps"):
        register_error(PaymentRequiredError, 409)


def test_an_unmapped_error_is_left_to_the_caller() -> None:
    assert error_problem(RuntimeError("bug")) is None
