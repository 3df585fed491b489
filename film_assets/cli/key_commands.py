"""`filmstudio keys`: the API's keys, kept hashed in its database.

    filmstudio keys create TENANT [--postgres-url URL]
    filmstudio keys list [--tenant TENANT] [--json] [--postgres-url URL]
    filmstudio keys revoke KEY_PREFIX [--postgres-url URL]

A key is shown once, when it is made; afterwards only its prefix (fs_ and 7 characters) is known.
A revoked key gets 401 from its next request on: the API looks every request's key up.
"""

from __future__ import annotations

import argparse
import json
import sys

from film_assets.cli.reporting import EXIT_BAD_INPUT

POSTGRES_HELP = "the API's database (default: FILMSTUDIO_POSTGRES_URL, else the running `filmstudio up`)"


def _fail(message: str) -> int:
    print(f"filmstudio: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _database(args: argparse.Namespace) -> tuple[str, str]:
    """(url, where it came from); StackError when there is none."""
    from film_assets.stack.state import postgres_url_for_commands
    from resources.profiles import current_environment

    return postgres_url_for_commands(args.postgres_url, current_environment().home)


def _unreachable(url: str, source: str, error: Exception) -> int:
    from film_assets.stack.postgres import hide_password

    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return _fail(
        f"cannot reach the API's database {hide_password(url)} (from {source}): {reason}. "
        "Is `filmstudio up` running? Or pass --postgres-url"
    )


def _with_engine(args: argparse.Namespace, work) -> int:
    """Run work(engine) on the API's database (its tables made if missing); clear errors for a
    missing or unreachable database."""
    from api.tables import api_engine, create_tables
    from film_assets.stack.state import StackError

    try:
        url, source = _database(args)
    except StackError as error:
        return _fail(str(error))
    engine = api_engine(url, pool_size=1)
    try:
        try:
            create_tables(engine)
        except Exception as error:  # noqa: BLE001 - SQLAlchemy/psycopg2: the database is not reachable
            return _unreachable(url, source, error)
        return work(engine)
    finally:
        engine.dispose()


def _create(args: argparse.Namespace) -> int:
    """Print a new API key for a tenant on stdout (and nothing else there)."""
    from api.keys import store_new_key, validate_tenant
    from film_assets.stack.state import read_state
    from resources.profiles import current_environment

    try:
        validate_tenant(args.tenant)
    except ValueError as error:
        return _fail(str(error))

    def create(engine) -> int:
        print(store_new_key(engine, args.tenant))
        api = ((read_state(current_environment().home) or {}).get("urls") or {}).get("api") or "http://127.0.0.1:8000"
        print(
            f"filmstudio: a new API key for tenant {args.tenant!r}, shown only this once. Send it as the X-API-Key "
            f"header: curl -H 'X-API-Key: <key>' {api}/projects",
            file=sys.stderr,
        )
        return 0

    return _with_engine(args, create)


def _list(args: argparse.Namespace) -> int:
    from api.keys import list_keys, validate_tenant

    if args.tenant is not None:
        try:
            validate_tenant(args.tenant)
        except ValueError as error:
            return _fail(str(error))

    def show(engine) -> int:
        records = list_keys(engine, args.tenant)
        if args.json:
            print(json.dumps([record.to_json() for record in records], indent=2))
            return 0
        if not records:
            print("no API keys" + (f" for tenant {args.tenant!r}" if args.tenant else ""), file=sys.stderr)
            return 0
        print(f"{'PREFIX':<12}{'TENANT':<24}{'CREATED':<22}STATUS")
        for record in records:
            status = f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "active"
            print(f"{record.prefix:<12}{record.tenant:<24}{record.created_at:%Y-%m-%d %H:%M:%S}   {status}")
        return 0

    return _with_engine(args, show)


def _revoke(args: argparse.Namespace) -> int:
    from api.keys import KeyNotFound, revoke_key

    def revoke(engine) -> int:
        try:
            record = revoke_key(engine, args.key_prefix)
        except KeyNotFound as error:
            return _fail(str(error))
        print(f"revoked {record.prefix} of tenant {record.tenant!r}: its next request gets 401")
        return 0

    return _with_engine(args, revoke)


def add_key_commands(commands) -> None:
    keys = commands.add_parser("keys", help="API keys: create, list, revoke")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create an API key for a tenant and print it (shown once)")
    create.add_argument("tenant", help="tenant slug, e.g. studio-a")
    create.add_argument("--postgres-url", dest="postgres_url", help=POSTGRES_HELP)
    create.set_defaults(handler=_create)

    listing = key_commands.add_parser("list", help="list the keys by prefix, tenant, creation and revocation")
    listing.add_argument("--tenant", help="only this tenant's keys")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--postgres-url", dest="postgres_url", help=POSTGRES_HELP)
    listing.set_defaults(handler=_list)

    revoke = key_commands.add_parser("revoke", help="revoke a key: from its next request on it gets 401")
    revoke.add_argument("key_prefix", metavar="KEY_PREFIX", help="the prefix `filmstudio keys list` shows, or the key")
    revoke.add_argument("--postgres-url", dest="postgres_url", help=POSTGRES_HELP)
    revoke.set_defaults(handler=_revoke)
