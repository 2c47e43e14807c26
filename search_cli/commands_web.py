"""The web interface and its accounts: mispa serve, mispa user add|list|passwd|disable."""

from __future__ import annotations

import ipaddress
import sys

import click

from .cli import Context, cli
from .output import format_option, table, to_json

_ROLES = click.Choice(["reviewer", "admin"])
_password_stdin = click.option("--password-stdin", is_flag=True,
                               help="Read the password from the first line of stdin (scripts)")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens it to the office network")
@click.option("--port", default=8000, type=click.IntRange(1, 65535), show_default=True)
@click.option("--require-login", is_flag=True,
              help="Searching and reading need sign-in too (review and upload always do)")
@click.option("--max-upload-mb", default=50, type=click.IntRange(1, 4096), show_default=True,
              help="Largest upload, all files of one form together")
@click.option("--threads", default=4, type=click.IntRange(1, 64), show_default=True,
              help="Waitress worker threads")
@click.option("--secure-cookies", is_flag=True,
              help="Send the sign-in cookie over HTTPS only (when an HTTPS proxy serves the site)")
@click.pass_obj
def serve(obj: Context, host: str, port: int, require_login: bool, max_upload_mb: int, threads: int,
          secure_cookies: bool) -> None:
    """Serve the web interface (search, sections, review, upload, report) with waitress.

    Listens on 127.0.0.1 (this computer only) unless --host says otherwise. Reviewers and admins
    sign in with accounts made by `mispa user add`. Builds the search index first when the catalog
    has sections but no index yet. Ctrl-C stops it.

    Example:

        mispa --data-dir mispa-data serve --port 8000
    """
    from waitress import serve as waitress_serve

    from web import WebConfig, create_app

    from .wiring import refresh_index

    try:
        refresh_index(obj.catalog, obj.settings.index_dir, [])  # builds it when missing, else no-op
    except Exception as exc:  # the server still starts; search pages say the index is unavailable
        click.echo(f"warning: search index not built ({exc}); run `mispa reindex`", err=True)
    app = create_app(obj.settings, WebConfig(require_login=require_login, max_upload_mb=max_upload_mb,
                                             secure_cookies=secure_cookies))
    if not _is_loopback(host):
        click.echo(f"warning: listening on {host}: other computers on the network can reach this server",
                   err=True)
        if not secure_cookies:
            click.echo("warning: sign-in cookies travel over plain http; behind an HTTPS proxy, use --secure-cookies",
                       err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"mispa web on http://{shown}:{port}/  (data: {obj.settings.data_dir}; Ctrl-C to stop)")
    # waitress refuses bodies past its own limit with a bare page; keep that well above the app's
    # limit, so an upload somewhat too large gets the app's explanation instead.
    body_limit = max(2 * max_upload_mb, max_upload_mb + 64) * 1024 * 1024
    waitress_serve(app, host=host, port=port, threads=threads, ident="mispa",
                   max_request_body_size=body_limit)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@cli.group()
def user() -> None:
    """Accounts of the web interface: reviewers (review, upload) and admins (also see every upload).

    Passwords are stored hashed with scrypt; never in clear.

    Example:

        mispa user add ana --role reviewer
    """


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _users_call(call: object, *args: object) -> None:
    from web.users import InvalidUser, UserError

    try:
        call(*args)  # type: ignore[operator]
    except InvalidUser as exc:
        raise click.UsageError(str(exc)) from exc
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc


@user.command("add")
@click.argument("name")
@click.option("--role", type=_ROLES, required=True,
              help="reviewer: review and upload; admin: also sees every upload")
@_password_stdin
@click.pass_obj
def user_add(obj: Context, name: str, role: str, password_stdin: bool) -> None:
    """Create an account; asks for its password (at least 8 characters).

    Example:

        mispa user add ana --role reviewer
    """
    from web.users import add_user, check_new

    _users_call(check_new, name, None, role)
    _users_call(add_user, obj.catalog, name, _password(password_stdin), role)
    click.echo(f"added {role} {name}")


@user.command("passwd")
@click.argument("name")
@_password_stdin
@click.pass_obj
def user_passwd(obj: Context, name: str, password_stdin: bool) -> None:
    """Set a new password for an account.

    Example:

        mispa user passwd ana
    """
    from web.users import get_user, set_password

    if get_user(obj.catalog, name) is None:
        raise click.ClickException(f"no account named {name!r}")
    _users_call(set_password, obj.catalog, name, _password(password_stdin))
    click.echo(f"password of {name} changed")


@user.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again instead")
@click.pass_obj
def user_disable(obj: Context, name: str, enable: bool) -> None:
    """Disable an account (its sessions end at once); the name stays in the review log.

    Example:

        mispa user disable ana
    """
    from web.users import set_disabled

    _users_call(set_disabled, obj.catalog, name, not enable)
    click.echo(f"{'enabled' if enable else 'disabled'} {name}")


@user.command("list")
@format_option("table", "json")
@click.pass_obj
def user_list(obj: Context, fmt: str) -> None:
    """Accounts with their role and state.

    Example:

        mispa user list --format json
    """
    from web.users import list_users

    users = list_users(obj.catalog)
    if fmt == "json":
        click.echo(to_json([{"name": u.name, "role": u.role, "created_at": u.created_at,
                             "disabled": u.disabled} for u in users]))
        return
    click.echo(table([(u.name, u.role, u.created_at, "disabled" if u.disabled else "")
                      for u in users], ["name", "role", "created", "state"]))
