"""Benchmarks: small scripts that print timings (run them with the project venv)."""
