"""Seed the retail database: ``python -m zava_mcp.seed``."""
