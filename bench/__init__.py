"""Benchmarks: each module prints the figures it measures (``python -m bench.<name> --help``)."""
