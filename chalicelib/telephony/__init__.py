"""Provider-neutral telephony: the actions a call can be told to do, the events a provider reports,
and the ports the rest of the platform uses to control calls and send SMS.

Only `telephony.vonage` knows Vonage; nothing in this package imports it.
"""
