"""The campaigns product's REST routes, as the blueprint ``campaigns``. Route modules of the
product register on it when imported (``campaigns.product`` imports them before the app
registers the blueprint). Imports Chalice only."""

from __future__ import annotations

from chalice.app import Blueprint

campaigns = Blueprint(__name__)
