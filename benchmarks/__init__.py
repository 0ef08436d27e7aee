"""Benchmarks printed by `make bench`; targets live here, never in timed unit tests."""
