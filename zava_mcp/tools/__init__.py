"""The tools and the resource: module-level and thin, one call into a service each.

Each function receives its service and the caller through FastMCP's ``Depends``: those
parameters never reach the published input schema. Nothing is imported here, so the call
pipeline can import :mod:`zava_mcp.tools.results` without pulling the tools in.
"""
