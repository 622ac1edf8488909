"""The network simulator: a faithful stand-in for Vonage's side of calls and SMS (numbers with
behaviours, legs that run NCCO, signed webhooks in the provider's order, a REST API the vonage SDK
can be pointed at, YAML scenarios). Used by tests, by the local run and by the dev phone."""
