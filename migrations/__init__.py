"""Alembic revisions; shipped in the wheel as ``zava_mcp._migrations`` (see pyproject.toml)."""
