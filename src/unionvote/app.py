"""The application factory: the whole app, wired in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Litestar, MediaType, Request, Response, get
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig
from redis.asyncio import Redis
from sqlalchemy import text

from unionvote import __version__
from unionvote.accounts.admin import AdminPages, HomePages
from unionvote.accounts.api import MeApi, SessionApi, UsersApi
from unionvote.accounts.oidc import OpenIdProvider
from unionvote.accounts.oidc_pages import OidcPages
from unionvote.accounts.pages import AccountPages, LoginPages
from unionvote.accounts.sessions import DatabaseSessionStore, RedisSessionStore, ResilientSessionStore
from unionvote.api_refusals import document_refusals
from unionvote.audit.controllers import AuditApi, AuditPages
from unionvote.auth import AuthMiddleware, public
from unionvote.ballots.routes import MEMBER_BALLOT_ROUTES
from unionvote.conferences.controllers import ConferencesApi
from unionvote.conferences.enrolment_pages import CodeLoginPages, EnrolmentPages
from unionvote.conferences.invitations_api import InvitationsApi
from unionvote.conferences.invitations_pages import InvitationPages
from unionvote.conferences.routes import CONFERENCE_ROUTES
from unionvote.config import Settings
from unionvote.consult.routes import CONSULT_ROUTES
from unionvote.credential_news import start_listening, stop_listening
from unionvote.credentials import CredentialCache
from unionvote.csrf import SessionBoundCSRF
from unionvote.db import commit_before_send, make_engine, make_session_factory
from unionvote.elections.routes import ELECTION_ROUTES
from unionvote.i18n import LanguageMiddleware, install_in_templates
from unionvote.language_pages import LanguagePages
from unionvote.live import hear_credential_news, live_socket, make_channels, stop_credential_news, ticket_for_page
from unionvote.logs import AccessLogMiddleware, configure_logging
from unionvote.motions.routes import MOTION_ROUTES
from unionvote.ratelimit import RateLimiter
from unionvote.sealing.server_key import configure as configure_sealing
from unionvote.static_files import static, static_file, static_file_head
from unionvote.voting.live import countdown_closer, hear_ballot_news
from unionvote.voting.routes import VOTING_ROUTES
from unionvote.web import TEMPLATES_DIR, error_response, security_headers

CSRF_COOKIE = "uv_csrf"
CSRF_HEADER = "x-csrftoken"

@get("/healthz", guards=[public], tags=["service"], summary="Liveness and database check")
async def healthz(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    factory = request.app.state.session_factory
    try:
        async with factory() as db:
            await db.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return Response({"status": "error", "database": type(exc).__name__}, status_code=503,
                        media_type=MediaType.JSON)
    # Whether changed logins reach this worker the moment they commit (unionvote.credential_news).
    listening = request.app.state.get("credential_listening")
    news = "listening" if listening is not None and listening.is_set() else (
        "not listening" if request.app.state.get("credential_listener") is not None else "not used")
    return Response({"status": "ok", "database": "ok", "version": __version__, "login_news": news},
                    media_type=MediaType.JSON)


ROUTE_HANDLERS: list[Any] = [
    healthz, live_socket,
    HomePages, LoginPages, OidcPages, AccountPages, AdminPages, AuditPages,
    SessionApi, MeApi, UsersApi, ConferencesApi, AuditApi, *CONFERENCE_ROUTES,
    EnrolmentPages, CodeLoginPages, InvitationPages, InvitationsApi, LanguagePages,
    *MEMBER_BALLOT_ROUTES,
    *MOTION_ROUTES, *CONSULT_ROUTES, *ELECTION_ROUTES, *VOTING_ROUTES,
]


def configure_templates(engine: JinjaTemplateEngine) -> None:
    """Every template may translate (`_`, see i18n.py) and link a static file by its fingerprinted name."""
    install_in_templates(engine)
    engine.engine.globals["static"] = static


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    configure_sealing(settings.secret_key)  # the fallback sealing key, when UNIONVOTE_SEALING_KEY is not set
    engine = make_engine(settings)
    session_factory = make_session_factory(engine)
    # A Redis that cannot be reached fails fast (2 s), so the fallbacks take over instead of stalling requests.
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=2) if settings.redis_url else None
    session_store: DatabaseSessionStore | ResilientSessionStore = DatabaseSessionStore(settings, session_factory)
    if redis is not None:  # Redis in front, the database behind it: a Redis outage logs no one out
        session_store = ResilientSessionStore(RedisSessionStore(settings, redis), session_store)
    channels = make_channels(settings, redis)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if redis is not None:
                await redis.aclose()
            await engine.dispose()

    csrf = CSRFConfig(secret=settings.secret_key, cookie_name=CSRF_COOKIE, header_name=CSRF_HEADER,
                      cookie_secure=settings.cookie_secure, cookie_samesite="lax")
    alchemy = SQLAlchemyAsyncConfig(
        engine_instance=engine, session_maker=session_factory, session_dependency_key="db_session",
        create_all=False,
    )
    # advanced-alchemy gives each config (each app in one process, as in the tests) its own scope key.
    alchemy.before_send_handler = commit_before_send(alchemy.session_scope_key)
    app = Litestar(
        route_handlers=[*ROUTE_HANDLERS, static_file, static_file_head],
        plugins=[SQLAlchemyPlugin(config=alchemy), channels],
        middleware=[AccessLogMiddleware, AuthMiddleware, LanguageMiddleware,
                    DefineMiddleware(SessionBoundCSRF, config=csrf)],
        before_send=[security_headers],  # every response, errors and redirects included
        template_config=TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine,
                                       engine_callback=configure_templates),
        openapi_config=OpenAPIConfig(
            title="unionvote API", version=__version__, path="/schema",
            # The JSON description only: an explorer page would load scripts the site's own CSP refuses.
            render_plugins=[JsonRenderPlugin()],
            description="Every action of the pages, for integrations. Authenticate with a session cookie "
                        "(browsers; send the uv_csrf cookie's value as x-csrftoken on unsafe requests) or an "
                        "API token from /account as 'Authorization: Bearer uvt_...'. Errors are JSON: "
                        '{"status_code": 400, "detail": "a plain message"}.',
            components=Components(security_schemes={
                "apiToken": SecurityScheme(type="http", scheme="bearer", description="API token (uvt_...)"),
                "session": SecurityScheme(type="apiKey", name="uv_session", security_scheme_in="cookie"),
            }),
            security=[{"apiToken": []}, {"session": []}],
        ),
        exception_handlers={Exception: error_response},
        allowed_hosts=None if settings.allowed_hosts == ["*"] else AllowedHostsConfig(settings.allowed_hosts),
        response_headers={},
        lifespan=[lifespan, countdown_closer],  # the closer stops before the engine is disposed
        logging_config=None,
        debug=False,
    )
    document_refusals(app)  # every API operation's 4xx/5xx refusals, in /schema/openapi.json
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.db_session_scope_key = alchemy.session_scope_key  # where the auth middleware leaves db_session
    app.state.session_store = session_store
    app.state.redis = redis
    app.state.channels = channels
    app.state.credential_cache = CredentialCache(settings.credential_cache_seconds,
                                                 listening_seconds=settings.credential_cache_listening_seconds)
    app.on_startup.append(start_listening)  # PostgreSQL's announcements of changed logins
    app.on_shutdown.insert(0, stop_listening)
    app.on_startup.append(hear_credential_news)  # after the channels plugin has started
    app.on_shutdown.insert(0, stop_credential_news)
    app.on_startup.append(hear_ballot_news)  # casts forget a ballot any worker changed
    app.template_engine.register_template_callable("live_ticket", ticket_for_page)  # type: ignore[union-attr]
    app.state.oidc = OpenIdProvider(settings) if settings.oidc_configured else None
    app.state.login_limiter = RateLimiter(settings.login_attempts_per_minute, 60, redis, settings.redis_namespace)
    return app


def app_from_env() -> Litestar:
    """For `uvicorn --factory unionvote.app:app_from_env` (used by `unionvote serve`)."""
    return create_app(Settings.from_env())
