"""Benchmarks: run by hand, each prints its figures (see each script's docstring)."""
