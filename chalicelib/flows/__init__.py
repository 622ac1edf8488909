"""Flows: the flow model, its loader and validation, variables, the pure engine and the widgets."""
