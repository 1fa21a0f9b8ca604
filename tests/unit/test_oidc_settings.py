"""Turning on sign-in with the union's OpenID provider from the environment, and the mistakes it refuses."""

from __future__ import annotations

import os

import pytest

from unionvote.config import ConfigError, Settings

BASE = {"UNIONVOTE_SECRET_KEY": "a-secret-key-that-is-long-enough-0123456789"}
PROVIDER = {"UNIONVOTE_OIDC_ISSUER": "https://login.example-union.org/realms/union/",
            "UNIONVOTE_OIDC_CLIENT_ID": "unionvote", "UNIONVOTE_OIDC_CLIENT_SECRET": "s3cret"}


def settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in [key for key in os.environ if key.startswith("UNIONVOTE_")]:
        monkeypatch.delenv(name)
    for name, value in {**BASE, **env}.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env(dev_mode=False)


def test_without_an_issuer_there_is_no_sign_in_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not settings_with(monkeypatch).oidc_configured


def test_a_provider_is_read_with_safe_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_with(monkeypatch, **PROVIDER)
    assert settings.oidc_configured and settings.oidc_issuer == "https://login.example-union.org/realms/union"
    assert settings.oidc_roles == ("delegate", "observer")  # staff and admins only when listed
    assert settings.oidc_trust_mfa is False and settings.oidc_auto_link is False
    trusting = settings_with(monkeypatch, **PROVIDER, UNIONVOTE_OIDC_TRUST_MFA="1",
                             UNIONVOTE_OIDC_MFA_ACR="urn:a, urn:b", UNIONVOTE_OIDC_ROLES="Delegate,chair,admin")
    assert trusting.oidc_trust_mfa and trusting.oidc_mfa_acr == ("urn:a", "urn:b")
    assert trusting.oidc_roles == ("delegate", "chair", "admin")


@pytest.mark.parametrize(("env", "says"), [
    ({**PROVIDER, "UNIONVOTE_OIDC_ISSUER": "http://login.example-union.org"}, "must be an https:// address"),
    ({**PROVIDER, "UNIONVOTE_OIDC_CLIENT_SECRET": ""}, "set UNIONVOTE_OIDC_CLIENT_ID and UNIONVOTE_OIDC_CLIENT_SECRET"),
    ({**PROVIDER, "UNIONVOTE_OIDC_SCOPES": "email profile"}, "must include 'openid'"),
    ({**PROVIDER, "UNIONVOTE_OIDC_ROLES": "delegate,president"}, "unknown role president"),
])
def test_a_provider_set_up_wrongly_stops_the_service_with_the_reason(
        monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        settings_with(monkeypatch, **env)
