"""zava-mcp: an MCP server for Zava's retail analytics on PostgreSQL with per-tenant RLS."""

__version__ = "0.1.0"
