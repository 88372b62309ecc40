"""All SQL the services run, one module per domain. Every function takes the
:class:`~zava_mcp.db.tenant.Tenant` of a tenant-bound unit of work, so Row Level Security has
already narrowed every tenant table to the caller's stores. Import a module by alias:
``from zava_mcp.db.queries import sales as sales_queries``."""
