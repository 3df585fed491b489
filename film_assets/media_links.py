"""Links to stored media that open in a browser: what the catalog shows beside a final cut, its
poster and contact sheet, and what the API hands out.

Local profile: `filmstudio ui` serves the media folder on loopback (film_assets/stack/media_server.py),
so a link is that server's URL followed by the media key. Service profiles: a browser link cannot
carry the API key header, so a link is the API's GET /media/{token}, where the token is signed
(HMAC-SHA256 with FILMSTUDIO_MEDIA_LINK_SECRET, which only the API and the run workers know) over
the tenant, the project, the media key and an expiry. The API checks the signature, the expiry and
that the tenant owns the project, then redirects to a presigned S3 URL.

Plain Python (hmac, json, base64): the API imports it without Dagster. The token is written here
rather than with itsdangerous (Pallets' signed tokens), which we do not declare (only Flask, a
test tool's dependency, brings it in): the signing is the standard library's HMAC-SHA256 with a
constant-time compare, and the rest is the few fields and the clear 4xx reasons the API needs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import quote

from resources.media_store import MediaKeyError, check_key
from resources.profiles import MediaLinkSettings

TOKEN_VERSION = 1


class MediaLinkError(ValueError):
    """A media token that is malformed, altered, expired or not for this media; `status` is the
    HTTP status the API answers with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class MediaGrant:
    """What a token allows: one tenant to read one media key of one project until expires_at."""

    tenant: str
    project: str
    key: str
    expires_at: int  # Unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha256).digest())


def sign_media_token(secret: str, grant: MediaGrant) -> str:
    if not secret:
        raise ValueError("media links need a signing secret (FILMSTUDIO_MEDIA_LINK_SECRET)")
    body = {"v": TOKEN_VERSION, "t": grant.tenant, "p": grant.project, "k": grant.key, "e": grant.expires_at}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_signature(secret, payload)}"


def read_media_token(secret: str, token: str, now: float | None = None) -> MediaGrant:
    """The grant a token carries, once its signature and expiry hold; MediaLinkError otherwise."""
    payload, dot, signature = token.partition(".")
    # tokens are base64url: anything else is not one of ours (and hmac compares ASCII text only)
    if not dot or not payload or not signature or not token.isascii():
        raise MediaLinkError(400, "this is not a media link token (expected <payload>.<signature>)")
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise MediaLinkError(403, "this media link's signature does not match: it was altered or signed elsewhere")
    try:
        body = json.loads(_unb64(payload))
        grant = MediaGrant(str(body["t"]), str(body["p"]), check_key(str(body["k"])), int(body["e"]))
    except (ValueError, KeyError, TypeError, MediaKeyError):
        raise MediaLinkError(400, "this media link's token is signed but unreadable") from None
    if body.get("v") != TOKEN_VERSION:
        raise MediaLinkError(400, f"this media link's token version {body.get('v')!r} is not known here")
    if not grant.key.startswith(f"projects/{grant.project}/"):
        raise MediaLinkError(403, f"this media link names {grant.key!r}, which is not media of {grant.project!r}")
    if (time.time() if now is None else now) >= grant.expires_at:
        expired = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(grant.expires_at))
        raise MediaLinkError(
            410, f"this media link expired at {expired}: GET /projects/{grant.project}/media-links for fresh ones"
        )
    return grant


class MediaLinks:
    """Builds browser links to media keys; `url` is None where no link can be made (the reason
    says why, for the catalog)."""

    reason = ""

    def url(self, key: str, version: str = "") -> str | None:
        """A link to key; `version` (a content hash) makes a browser fetch a re-made file anew."""
        return None


class LocalMediaLinks(MediaLinks):
    """Links to the media server `filmstudio ui` runs beside the Dagster UI."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def url(self, key: str, version: str = "") -> str:
        return f"{self.base_url}/{quote(check_key(key))}" + (f"?v={quote(version)}" if version else "")


class SignedMediaLinks(MediaLinks):
    """Links through the API: GET {api_url}/media/{token}, each valid for lifetime_s."""

    def __init__(self, api_url: str, secret: str, tenant: str, project: str, lifetime_s: int, now: float | None = None):
        self.api_url, self.secret, self.tenant, self.project = api_url.rstrip("/"), secret, tenant, project
        self.expires_at = int((time.time() if now is None else now) + lifetime_s)

    def url(self, key: str, version: str = "") -> str:  # each render signs anew: no version needed
        grant = MediaGrant(self.tenant, self.project, check_key(key), self.expires_at)
        return f"{self.api_url}/media/{sign_media_token(self.secret, grant)}"


class NoMediaLinks(MediaLinks):
    def __init__(self, reason: str):
        self.reason = reason


def media_links_for(settings: MediaLinkSettings, store_is_local: bool, project: str, tenant: str | None) -> MediaLinks:
    """The links a render writes into the catalog: the local media server's for a local folder;
    signed API links on S3 once the API's URL, the secret and the run's tenant are known."""
    if store_is_local:
        return LocalMediaLinks(settings.local_url)
    missing = [
        name
        for name, value in (
            ("FILMSTUDIO_API_URL", settings.api_url),
            ("FILMSTUDIO_MEDIA_LINK_SECRET", settings.secret),
            ("the run's filmstudio/tenant tag", tenant),
        )
        if not value
    ]
    if missing:
        return NoMediaLinks(f"no browser links: {', '.join(missing)} not set")
    return SignedMediaLinks(settings.api_url, settings.secret, str(tenant), project, settings.lifetime_s)
