"""Benchmarks for zava-mcp: ``scripts/bench`` (``python -m benchmarks``, scripts/ on PYTHONPATH).

A private embedded PostgreSQL (``.zava/bench``) is seeded once per scale and reused; the server
runs as real ``python -m zava_mcp serve`` processes (header identity mode, loopback only). Each
run writes ``bench-results/<timestamp>/report.json`` and ``report.png`` and prints a summary.
"""
