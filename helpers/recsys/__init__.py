"""Recommender algorithms and metrics: pure numpy/scipy, no I/O, no AWS."""
