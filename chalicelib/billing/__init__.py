"""Billing: what calls cost (tariffs, i.e. rate decks) and, later, the accounts' money. A
product: composed by ``billing.product`` and never imported by the core."""
