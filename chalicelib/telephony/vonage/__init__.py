"""The Vonage adapter: the only package that knows Vonage.

``ncco`` renders actions, ``webhooks`` parses webhooks into events, ``signatures`` signs and
verifies webhook signatures, ``urls`` spells the callback URLs, ``client`` drives the Voice and SMS
REST APIs through the vonage SDK (imported lazily), with ``ratelimit`` (the carrier's request
rates) and ``transport`` (the one place that touches SDK internals). Its failures are the
provider-neutral ``telephony.errors``.
"""
