"""Table schemas with useful valid values, computed as the caller."""

from __future__ import annotations

from zava_mcp.db.queries import schema as schema_queries
from zava_mcp.errors import ValidationError
from zava_mcp.identity import Identity
from zava_mcp.security.policy import AGENT_RELATIONS
from zava_mcp.services.base import ServiceContext
from zava_mcp.services.schemas import ColumnSchema, ForeignKeySchema, TableSchema, TableSchemas

#: the tables the agent is meant to query (the guard's list); the role may read a few more that
#: serve the server itself (data_version, the search embeddings), and managers it may not read at
#: all: the schema tool neither lists those nor shows foreign keys into them
DESCRIBED_TABLES = AGENT_RELATIONS


def normalise_table_name(name: str) -> str:
    cleaned = name.strip().strip('"').lower()
    return cleaned.removeprefix("retail.")


class SchemaService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def table_names(self, *, identity: Identity) -> list[str]:
        async with self.ctx.db.unit_of_work(identity) as conn:
            return _described(await schema_queries.fetch_table_names(conn))

    async def get_table_schemas(
        self, *, identity: Identity, table_names: list[str]
    ) -> TableSchemas:
        """Columns, keys, relationships and valid values for each named table."""
        wanted = [normalise_table_name(n) for n in table_names]
        return await self.ctx.cached(
            identity, "schema", tuple(wanted), lambda: self._describe(identity, wanted)
        )

    async def _describe(self, identity: Identity, wanted: list[str]) -> TableSchemas:
        async with (
            self.ctx.track("table schemas", operation="schema"),
            self.ctx.db.unit_of_work(identity) as conn,
        ):
            available = _described(await schema_queries.fetch_table_names(conn))
            unknown = [n for n in wanted if n not in available]
            if unknown:
                raise ValidationError(
                    f"unknown table(s): {', '.join(sorted(set(unknown)))[:200]}; "
                    f"available: {', '.join(available)}"
                )
            tables = []
            for name in dict.fromkeys(wanted):
                info = await schema_queries.fetch_table_info(conn, name)
                values = await schema_queries.fetch_valid_values(conn, name)
                tables.append(
                    TableSchema(
                        table=f"retail.{name}",
                        columns=[ColumnSchema(**vars(c)) for c in info.columns],
                        primary_key=info.primary_key,
                        foreign_keys=[
                            ForeignKeySchema(
                                columns=f.columns,
                                references_table=f"retail.{f.references_table}",
                                references_columns=f.references_columns,
                            )
                            for f in info.foreign_keys
                            if f.references_table in DESCRIBED_TABLES
                        ],
                        row_level_security=info.row_level_security,
                        valid_values=values,
                    )
                )
        return TableSchemas(tables=tables)


def _described(names: list[str]) -> list[str]:
    return [n for n in names if n in DESCRIBED_TABLES]
