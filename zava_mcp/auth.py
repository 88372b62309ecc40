"""Caller identity, chosen by settings and never by tool arguments.

* ``jwt``: a verified bearer token; the manager id comes from a configurable claim;
* ``header``: ``x-rls-user-id`` set by a trusted reverse proxy (ignored from anyone else);
* ``dev``: one fixed identity for local use, loudly logged at start.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable
from typing import Any

from fastmcp.server.auth import AccessToken, AuthProvider, RemoteAuthProvider
from fastmcp.server.auth.providers.jwt import JWTVerifier
from fastmcp.server.dependencies import get_access_token, get_http_request
from loguru import logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zava_mcp.errors import AuthenticationError, ConfigurationError
from zava_mcp.identity import Identity
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
    verifier = LifetimeCheckedJWTVerifier(
        public_key=settings.jwt_public_key,
        jwks_uri=settings.jwt_jwks_url,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm=settings.jwt_algorithm,
        leeway_s=settings.jwt_leeway_s,
        max_lifetime_s=settings.jwt_max_lifetime_s,
    )
    servers: list[Any] = settings.jwt_authorization_servers or [settings.jwt_issuer]
    return RemoteAuthProvider(
        token_verifier=verifier,
        authorization_servers=servers,
        base_url=settings.base_url,
        resource_name="Zava Retail Analytics",
    )


def token_time_problem(
    claims: dict[str, Any], *, now: float, leeway_s: float, max_lifetime_s: float
) -> str | None:
    """Why a token's times make it unacceptable, or None: ``exp`` is required and in the future,
    ``iat`` and ``nbf`` are not in the future (beyond ``leeway_s``), and the token lives at most
    ``max_lifetime_s`` (counted from ``iat``, or from now without one)."""
    exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
    for name, value in (("exp", exp), ("iat", iat), ("nbf", nbf)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"{name} is not a number"
    if exp is None:
        return "no exp claim: tokens must expire"
    if exp <= now - leeway_s:
        return "expired"
    if iat is not None and iat > now + leeway_s:
        return "issued in the future (iat)"
    if nbf is not None and nbf > now + leeway_s:
        return "not yet valid (nbf)"
    start = iat if iat is not None else now
    if exp - start > max_lifetime_s + leeway_s:
        return f"lives longer than the {int(max_lifetime_s)} s the server accepts"
    return None


class LifetimeCheckedJWTVerifier(JWTVerifier):
    """FastMCP's JWT verification plus the token-time policy (:func:`token_time_problem`)."""

    def __init__(self, *, leeway_s: float, max_lifetime_s: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.leeway_s = leeway_s
        self.max_lifetime_s = max_lifetime_s

    async def verify_token(self, token: str) -> AccessToken | None:
        verified = await super().verify_token(token)
        if verified is None:
            return None
        problem = token_time_problem(
            verified.claims,
            now=time.time(),
            leeway_s=self.leeway_s,
            max_lifetime_s=self.max_lifetime_s,
        )
        if problem is not None:
            logger.info("bearer token refused: {}", problem)
            return None
        return verified


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


class BodyLimitMiddleware:
    """Refuse a request body over ``max_bytes`` with 413, before any handler reads it (the
    reverse proxy has its own limit; the server does not rely on it)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        payload = (
            f'{{"error": "[PAYLOAD_TOO_LARGE] the request body is over {self.max_bytes} bytes"}}'
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


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
