"""Synthetic rows: a test's rows for one table, and rows in bulk for timing rewrites."""
