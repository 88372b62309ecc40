"""Caller identity, chosen by settings and never by tool arguments.

* ``jwt``: a verified bearer token; the manager id comes from a configurable claim;
* ``header``: ``x-rls-user-id`` set by a trusted reverse proxy (ignored from anyone else);
* ``dev``: one fixed identity for local use, loudly logged at start.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from fastmcp.server.auth import AuthProvider, RemoteAuthProvider
from fastmcp.server.auth.providers.jwt import JWTVerifier
from fastmcp.server.dependencies import get_access_token, get_http_request
from starlette.types import ASGIApp, Receive, Scope, Send

from zava_mcp.db.identity import Identity
from zava_mcp.errors import AuthenticationError, ConfigurationError
from zava_mcp.infra.settings import Settings

IDENTITY_HEADER = b"x-rls-user-id"
VIA_TRUSTED_PROXY = "zava.via_trusted_proxy"

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def build_auth(settings: Settings) -> AuthProvider | None:
    """FastMCP's JWT verification wrapped so the server publishes protected-resource metadata."""
    if settings.auth_mode != "jwt":
        return None
    if not (settings.jwt_jwks_url or settings.jwt_public_key):
        raise ConfigurationError("auth_mode=jwt needs ZAVA_JWT_JWKS_URL or ZAVA_JWT_PUBLIC_KEY")
    if not settings.jwt_audience or not settings.jwt_issuer:
        raise ConfigurationError("auth_mode=jwt needs ZAVA_JWT_ISSUER and ZAVA_JWT_AUDIENCE")
    verifier = JWTVerifier(
        public_key=settings.jwt_public_key,
        jwks_uri=settings.jwt_jwks_url,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm=settings.jwt_algorithm,
    )
    servers: list[Any] = settings.jwt_authorization_servers or [settings.jwt_issuer]
    return RemoteAuthProvider(
        token_verifier=verifier,
        authorization_servers=servers,
        base_url=settings.base_url,
        resource_name="Zava Retail Analytics",
    )


class IdentityResolver:
    """Turns the current request into an :class:`Identity`, or refuses it."""

    def __init__(self, settings: Settings, dev_identity: Identity | None = None) -> None:
        self.mode = settings.auth_mode
        self.claim = settings.jwt_identity_claim
        self.dev_identity = dev_identity
        if self.mode == "dev" and dev_identity is None:
            raise ConfigurationError("auth_mode=dev needs a development identity")

    def current(self) -> Identity:
        if self.mode == "dev":
            assert self.dev_identity is not None
            return self.dev_identity
        if self.mode == "jwt":
            token = get_access_token()
            if token is None:
                raise AuthenticationError("a valid bearer token is required")
            value = token.claims.get(self.claim)
            if value is None:
                raise AuthenticationError(f"the token has no {self.claim} claim")
            return Identity.parse(value)
        try:
            request = get_http_request()
        except RuntimeError:
            raise AuthenticationError("header identity needs the HTTP transport") from None
        if not request.scope.get(VIA_TRUSTED_PROXY):
            raise AuthenticationError("identity headers are accepted only from the trusted proxy")
        value = request.headers.get(IDENTITY_HEADER.decode())
        if not value:
            raise AuthenticationError("the x-rls-user-id header is missing")
        return Identity.parse(value)


def parse_networks(values: Iterable[str]) -> list[IpNetwork]:
    try:
        return [ipaddress.ip_network(v.strip(), strict=False) for v in values]
    except ValueError as exc:
        raise ConfigurationError(f"bad trusted proxy address: {exc}") from None


class TrustedProxyMiddleware:
    """Honour X-Forwarded-* and x-rls-user-id only from the configured proxy addresses.

    From a trusted peer, the client address, scheme and host come from the forwarded headers and
    the request is marked as having come through the proxy. From anyone else, the identity
    header is removed before any handler can see it.
    """

    def __init__(self, app: ASGIApp, trusted: list[IpNetwork]) -> None:
        self.app = app
        self.trusted = trusted

    def _is_trusted(self, host: str | None) -> bool:
        if not host:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in net for net in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        trusted = self._is_trusted(peer[0] if peer else None)
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        if trusted:
            forwarded = {
                k: v for k, v in headers if k in (b"x-forwarded-for", b"x-forwarded-proto")
            }
            scope = dict(scope)
            if b"x-forwarded-for" in forwarded:
                client = forwarded[b"x-forwarded-for"].decode("latin-1").split(",")[-1].strip()
                scope["client"] = (client, 0)
            if b"x-forwarded-proto" in forwarded:
                proto = forwarded[b"x-forwarded-proto"].decode("latin-1").strip()
                if proto in ("http", "https"):
                    scope["scheme"] = proto
            scope[VIA_TRUSTED_PROXY] = True
        else:
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in headers if k != IDENTITY_HEADER]
            scope[VIA_TRUSTED_PROXY] = False
        await self.app(scope, receive, send)
