"""The callback user's web pages (``/my/``): log in with the account id and service password,
see the balance and recent calls, the call history (by date, exported as CSV), the registered
numbers, the speed-dial directory, and redeem a voucher. Server-rendered (Jinja2, autoescaped)
with one stylesheet and one small script; ``routes`` holds the blueprint ``portal``.
"""
