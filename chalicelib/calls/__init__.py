"""Calls: the live state of a call while it runs and the record it leaves when it ends."""
