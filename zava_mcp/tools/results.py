"""What a tool returns: its answer, and how many rows it holds (for the audit trail)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastmcp.tools.base import ToolResult
from mcp.types import TextContent
from pydantic import BaseModel, PrivateAttr

from zava_mcp.services.schemas import Result

#: every tool only reads, and only Zava's own database
READ_ONLY: dict[str, Any] = {"readOnlyHint": True, "openWorldHint": False}


class CountedResult(ToolResult):
    """A tool result that carries its row count to the call pipeline (never to the client)."""

    _rows: int | None = PrivateAttr(default=None)

    @property
    def rows(self) -> int | None:
        return self._rows


def result(model: Result) -> CountedResult:
    """The structured result, and the same answer serialized as the text content: many clients
    hand the model only the text, so it carries every row and figure (the MCP spec asks a tool
    with structured content to return it serialized in a text block too)."""
    data = model.model_dump(mode="json")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    out = CountedResult(content=[TextContent(type="text", text=text)], structured_content=data)
    out._rows = model.rows_returned()
    return out


@dataclass(frozen=True)
class ToolSpec:
    """A tool function and the model its structured result follows (``None``: plain text)."""

    fn: Callable[..., Any]
    output: type[BaseModel] | None = None
