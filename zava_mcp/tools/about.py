"""Who is asking and what day it is: the tools a conversation starts with."""

from __future__ import annotations

import datetime as dt

from fastmcp.dependencies import Depends
from fastmcp.tools.base import ToolResult

from zava_mcp.identity import Identity
from zava_mcp.services.identity import IdentityService
from zava_mcp.services.schemas import WhoAmI
from zava_mcp.tools.deps import current_caller, identity_service
from zava_mcp.tools.results import ToolSpec, result


async def get_current_utc_date() -> str:
    """The current date and time in UTC (ISO 8601), for questions about 'this month' etc."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


async def get_current_user_info(
    identity: IdentityService = Depends(identity_service),
    caller: Identity = Depends(current_caller),
) -> ToolResult:
    """Who is asking: name, access level (store, region or head_office) and the stores
    whose data they can see. Call this first."""
    return result(await identity.whoami(identity=caller))


TOOLS = (
    ToolSpec(get_current_utc_date),
    ToolSpec(get_current_user_info, WhoAmI),
)
