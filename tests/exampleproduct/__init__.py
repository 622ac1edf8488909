"""The test suite's example product, "tip jar": it shows a product added from its own package
without editing a core module. It registers a widget that takes a tip (typed data on the call,
an effect of its own kind with its own runner), a widget that holds the call until a timer wakes
it, an engine event of its own, an error class with its own REST status, and keeps its tips in a
table of its own (``store.py``). Composed by ``product.PRODUCT``."""
