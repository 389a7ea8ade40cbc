"""Benchmarks: they print and write bench/RESULTS.md; nothing here is a timed test."""
