"""Messaging: inbound SMS handling (deduplication, multipart reassembly, hand-off to consumers)."""
