"""Talking to the union's OpenID Connect provider: discovery, the authorization-code flow with PKCE,
and the ID token's checks (signature against the provider's published keys, issuer, audience, expiry, nonce).

Nothing here touches our database: unionvote.accounts.oidc_links decides who the person is.
The JOSE work is joserfc's (Authlib's own JOSE library); PKCE, state and nonce are Authlib's.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from unionvote.config import Settings
from unionvote.i18n import N_, _

log = logging.getLogger("unionvote.accounts.oidc")

CALLBACK_PATH = "/login/oidc/callback"
# Signed by the provider's private key only: a shared-secret (HS256) token could be made by anyone with the secret.
ACCEPTED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
SECOND_FACTOR_AMR = frozenset({"mfa", "otp", "hwk"})
CLOCK_LEEWAY_SECONDS = 60
METADATA_SECONDS = 3600
HTTP_TIMEOUT = httpx.Timeout(10.0)


class OidcError(Exception):
    """The sign-in cannot go on; `reason` is a short code for the log, the message is for the person."""

    def __init__(self, reason: str, message: str, status_code: int = 400, *, user_id: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code
        self.user_id = user_id  # the account concerned, when a verified identity is turned away


@dataclass(frozen=True)
class PendingSignIn:
    """What the browser carries between leaving for the provider and coming back (unionvote.accounts.oidc_pages)."""

    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class VerifiedIdentity:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    amr: tuple[str, ...]
    acr: str | None

    def second_factor_by_provider(self, settings: Settings) -> bool:
        """The provider says it asked for a second factor, and this deployment takes its word for it."""
        if not settings.oidc_trust_mfa:
            return False
        return bool(SECOND_FACTOR_AMR & set(self.amr)) or (self.acr is not None and self.acr in settings.oidc_mfa_acr)


def new_pending_sign_in() -> PendingSignIn:
    return PendingSignIn(state=generate_token(32), nonce=generate_token(32), verifier=generate_token(64))


class OpenIdProvider:
    """One provider, as configured; its discovery document and keys are fetched when first needed and kept."""

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer
        self.settings = settings
        self.issuer = settings.oidc_issuer
        self.name = settings.oidc_name
        self.redirect_uri = settings.public_url + CALLBACK_PATH
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None

    def _unreachable(self, exc: Exception) -> OidcError:
        log.warning("oidc provider unreachable: %s", type(exc).__name__)
        return OidcError("provider_unreachable", _(
            "%(provider)s could not be reached. Try again in a moment, or log in with your email address and "
            "password.") % {"provider": self.name}, 502)

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                response = await http.get(url, headers={"accept": "application/json"})
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise self._unreachable(exc) from exc
        if not isinstance(body, dict):
            raise self._unreachable(ValueError("not a JSON object"))
        return body

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_SECONDS:
            found = await self._get_json(self.issuer + "/.well-known/openid-configuration")
            # A discovery document for another issuer would let that issuer's tokens in (OpenID Discovery 4.3).
            endpoints = ("authorization_endpoint", "token_endpoint", "jwks_uri")
            if str(found.get("issuer", "")).rstrip("/") != self.issuer or not all(
                    isinstance(found.get(key), str) for key in endpoints):
                log.warning("oidc discovery document does not describe the configured issuer")
                raise OidcError("bad_discovery", _(
                    "%(provider)s is not set up correctly for unionvote (its discovery document names another "
                    "issuer). Tell union staff.") % {"provider": self.name}, 502)
            self._metadata, self._metadata_at, self._keys = found, time.monotonic(), None
        return self._metadata

    async def authorization_url(self, pending: PendingSignIn) -> str:
        metadata = await self.metadata()
        return prepare_grant_uri(
            metadata["authorization_endpoint"], self.settings.oidc_client_id, "code",
            redirect_uri=self.redirect_uri, scope=self.settings.oidc_scopes, state=pending.state,
            nonce=pending.nonce, code_challenge=create_s256_code_challenge(pending.verifier),
            code_challenge_method="S256")

    async def exchange_code(self, code: str, pending: PendingSignIn) -> str:
        """Trade the code for tokens at the provider (with the PKCE verifier); returns the ID token."""
        metadata = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": pending.verifier}
        client_id, secret = self.settings.oidc_client_id, self.settings.oidc_client_secret
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        auth: httpx.BasicAuth | None = None
        if "client_secret_basic" in methods:
            # RFC 6749 2.3.1: the id and secret are form-encoded before they go into the Basic header.
            auth = httpx.BasicAuth(quote(client_id, safe=""), quote(secret, safe=""))
        else:
            form |= {"client_id": client_id, "client_secret": secret}
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                response = await http.post(metadata["token_endpoint"], data=form, auth=auth,
                                           headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
            error = body.get("error") if isinstance(body, dict) else None
            log.info("oidc code refused by the provider", extra={"oauth_error": str(error or response.status_code)})
            raise OidcError("code_refused", _(
                "%(provider)s did not accept this sign-in (it may have been used already, or taken too long). "
                "Nothing was signed in. Start again.") % {"provider": self.name})
        return body["id_token"]

    async def _key_set(self, *, fresh: bool) -> KeySet:
        if self._keys is None or fresh:
            published = await self._get_json((await self.metadata())["jwks_uri"])
            try:
                self._keys = KeySet.import_key_set(published)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise self._unreachable(exc) from exc
        return self._keys

    async def _decode(self, id_token: str) -> jwt.Token:
        for fresh in (False, True):  # the provider may have rotated its keys since we last fetched them
            try:
                return jwt.decode(id_token, await self._key_set(fresh=fresh), algorithms=list(ACCEPTED_ALGORITHMS))
            except (BadSignatureError, InvalidKeyIdError) as exc:
                if fresh:
                    raise self._refused("signature", exc) from exc
            except (JoseError, ValueError) as exc:
                raise self._refused("signature", exc) from exc
        raise AssertionError("unreachable")

    def _refused(self, reason: str, exc: Exception) -> OidcError:
        log.info("oidc id token refused", extra={"reason": reason, "detail": type(exc).__name__})
        messages = {
            "expired": N_("The sign-in from %(provider)s has expired. Nothing was signed in. Start again."),
            "aud": N_("The sign-in from %(provider)s was made out to another service, not this one. Nothing was "
                      "signed in. Tell union staff if this keeps happening."),
            "nonce": N_("The sign-in from %(provider)s does not belong to the one this browser started. Nothing "
                        "was signed in. Start again."),
            "iss": N_("The sign-in came from another provider than %(provider)s. Nothing was signed in."),
        }
        unchecked = N_("The sign-in from %(provider)s could not be checked. Nothing was signed in. Start again, or "
                       "log in with your email address and password.")
        return OidcError(f"id_token_{reason}", _(messages.get(reason, unchecked)) % {"provider": self.name})

    async def verified_identity(self, id_token: str, pending: PendingSignIn) -> VerifiedIdentity:
        token = await self._decode(id_token)
        claims = token.claims
        client_id = self.settings.oidc_client_id
        registry = JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer}, aud={"essential": True, "value": client_id},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": pending.nonce})
        try:
            registry.validate(claims)
        except ExpiredTokenError as exc:
            raise self._refused("expired", exc) from exc
        except (InvalidClaimError, MissingClaimError) as exc:
            raise self._refused(exc.claim if exc.claim in ("aud", "nonce", "iss") else "claims", exc) from exc
        except ClaimError as exc:
            raise self._refused("claims", exc) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:  # OpenID Connect Core 3.1.3.7, item 5
            raise self._refused("aud", ValueError("azp"))
        amr = claims.get("amr")
        return VerifiedIdentity(
            issuer=self.issuer, subject=str(claims["sub"]),
            email=claims["email"] if isinstance(claims.get("email"), str) else None,
            email_verified=claims.get("email_verified") is True,
            amr=tuple(str(v) for v in amr) if isinstance(amr, list) else (),
            acr=str(claims["acr"]) if claims.get("acr") is not None else None)
