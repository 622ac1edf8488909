"""Benchmarks of the platform core (``make bench``): figures and ratios, never assertions."""
