"""Benchmarks (make bench): figures printed from one run, never asserted in tests."""
