"""HTTP surface: blueprints for the REST API, the Vonage voice and SMS webhooks, problem+json.

Route modules, one blueprint each: ``api`` (tenants, ``/openapi.json``), ``operator``
(``/v1/operator/...``), ``voice`` and ``sms`` (the carrier's webhooks). What they share:
``rest`` (route registration, auth, bodies, errors as problems), ``schemas`` (the pydantic
models), ``openapi`` (the document and its ``OPERATIONS`` registry), ``problems``
(problem+json). A new REST resource is a new route module using ``rest`` and ``schemas``,
registered in ``app.py``. No module here imports pynamodb or the store, and no route module
imports another; the shared modules import no route module.
"""
