"""Helpers the notebook series reuses: settings, AWS plumbing, data generation, algorithms, plots."""
