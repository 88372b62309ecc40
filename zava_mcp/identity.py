"""The caller's identity: a manager id, validated before it can reach SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from zava_mcp.errors import AuthenticationError


@dataclass(frozen=True)
class Identity:
    """A validated manager id. ``str(identity)`` is the canonical lowercase UUID."""

    manager_id: uuid.UUID

    @classmethod
    def parse(cls, value: object) -> Identity:
        """Accept a UUID or its canonical text; anything else is refused with a typed error."""
        if isinstance(value, uuid.UUID):
            return cls(value)
        if not isinstance(value, str) or len(value) > 64:
            raise AuthenticationError("the caller identity is missing or malformed")
        try:
            parsed = uuid.UUID(value.strip())
        except ValueError:
            raise AuthenticationError("the caller identity is not a valid manager id") from None
        return cls(parsed)

    def __str__(self) -> str:
        return str(self.manager_id)
