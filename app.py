"""Ringflow's Chalice app: composition only — blueprints, middleware and event handlers.

No logic lives here: routes are in ``chalicelib.web`` and in the installed products' blueprints
(``chalicelib.products``), services in ``chalicelib.wiring``. On Lambda
(``AWS_LAMBDA_FUNCTION_NAME`` is set) the import also builds what the first request needs
(the DynamoDB client, the voice service, the Tracer), in the init phase; never network I/O.
The cyclic garbage collector is off while the app is imported (its passes over the ~100,000
objects the imports create cost a cold start 40-80 ms) and the objects it made are then frozen,
so later collections do not walk them either (``docs/decisions/0008-gc-frozen-after-import.md``).
"""

from __future__ import annotations

import gc

gc.disable()

import os
from typing import Any

from chalice.app import Chalice, SQSEvent

from chalicelib.ops.observability import logger, metrics, warm_tracing
from chalicelib.products import installed
from chalicelib.settings import current
from chalicelib.web.api import api
from chalicelib.web.operator import operator
from chalicelib.web.problems import as_problem
from chalicelib.web.sms import sms
from chalicelib.web.sms_status import sms_status
from chalicelib.web.voice import voice
from chalicelib.wiring import container

app = Chalice(app_name="ringflow")
app.api.binary_types.append("application/pdf")  # click-to-call invoices
app.register_blueprint(voice)
app.register_blueprint(sms)
app.register_blueprint(sms_status)
app.register_blueprint(api)
app.register_blueprint(operator)
for product in installed():
    for blueprint in product.blueprints:
        app.register_blueprint(blueprint)

TASK_QUEUE = current().task_queue
MAIL_QUEUE = current().mail_queue

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    container().warm()
    warm_tracing()

gc.freeze()
gc.enable()


@app.middleware("all")
def flush_metrics(event: Any, get_response: Any) -> Any:
    """Start every invocation with clean log keys; publish the metrics it gathered (EMF)."""
    logger.clear_state()
    try:
        return get_response(event)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()


@app.middleware("http")
def rest_errors_are_problems(request: Any, get_response: Any) -> Any:
    """Errors Chalice answers itself (405, 415, bad JSON, 500) become problem+json on REST
    paths; the carrier's webhooks keep their own contract."""
    return as_problem(request.path, get_response(request))


@app.on_sqs_message(queue=TASK_QUEUE, batch_size=5)
def run_tasks(event: SQSEvent) -> Any:
    """Run queued call tasks (send SMS, copy recordings); only the failed messages are left for
    redelivery (a partial batch response)."""
    return container().tasks.run_batch(record.to_dict() for record in event)


@app.on_sqs_message(queue=MAIL_QUEUE, batch_size=5)
def receive_mail(event: SQSEvent) -> Any:
    """Take the e-mail SES received (its notifications, through SNS); only the failed messages
    are left for redelivery (a partial batch response)."""
    return container().mail_intake.run_batch(record.to_dict() for record in event)
