"""Outbound campaigns: the multicast flows of the Phonon seed, triggered by REST, e-mailed call
lists and uploads; contacts, attempts, pacing, calling windows, the do-not-call list and
reports. A product package: the core imports none of it (``chalicelib.products``)."""
