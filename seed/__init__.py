"""Catalogue data files; shipped in the wheel as ``zava_mcp._seed`` (see pyproject.toml)."""
