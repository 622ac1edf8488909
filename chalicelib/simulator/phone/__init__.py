"""The dev phone: a web page served by the simulator, a stand-in for a real handset on the
simulated network (never deployed with the app). ``desk`` holds what a phone does (claim a
number, dial, press keys, say words, hang up, answer a ring, read its transcript and SMS inbox),
``api`` its JSON routes, ``server`` the plain-HTTP loopback listener, and the static page, CSS
and script beside them.

Imports the standard library and simulator modules only; never the app.
"""
