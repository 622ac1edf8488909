"""Abuse guards any public trigger shares (velocity limits, daily caps, first-request-wins):
product-neutral; products name what they count."""
