"""Ringflow: the code that ships to Lambda.

Chalice packages this folder. Sub-packages are capabilities (telephony, flows, calls, accounts,
store, web, ops, simulator); `wiring` composes them. Nothing here may import `app.py`.
"""
