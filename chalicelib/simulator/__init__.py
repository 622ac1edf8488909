"""The network simulator: a faithful stand-in for Vonage's side of calls and SMS (numbers with
behaviours, legs that run NCCO, signed webhooks in the provider's order, a REST API the vonage SDK
can be pointed at, YAML scenarios). Used by tests, by the local run and by the dev phone.

It speaks only the provider's wire format and never imports the app's flow engine or the Vonage
adapter's renderer/parser (only ``telephony.vonage.signatures``, one spelling of each signature).
Modules: ``scheduler`` (virtual time), ``model`` (legs, numbers, scripts, transcript),
``payloads`` (the one place webhook and REST bodies are spelled), ``ncco`` (loose validation),
``dispatch`` (signed delivery, retries, fallback), ``leg_runtime``/``legs``/``ncco_runner``
(leg lifecycles and one handler per NCCO action), ``network`` (the ``Network`` and
``CallHandle``), ``lanes`` (calls in parallel when served), ``transport`` (HTTP and
in-process), ``api``/``server`` (REST and control API on loopback TLS), ``scenario``, ``cli``
and ``__main__`` (``serve``). This package imports nothing itself, so importing it costs nothing
on Lambda.
"""
