"""Accounts: tenants of the platform, their API keys, their numbers and user variables."""
