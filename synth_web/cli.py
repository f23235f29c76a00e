"""`flask --app app synth …`: commands for operators."""

from __future__ import annotations

import json
import secrets

import click
from flask import current_app
from flask.cli import AppGroup

from synth_web.auth.passwords import password_problem
from synth_web.auth.services import EmailTaken, create_user, find_user_by_email
from synth_web.engine import commands as engine_commands

synth_cli = AppGroup("synth", help="Manage Synth: accounts, demo data, maintenance.")
engine_commands.register(synth_cli)


def check_password(password: str) -> None:
    """Stop with a clear message when a password breaks the rules."""
    problem = password_problem(password)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")


@synth_cli.command("create-user")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", default="", help="Display name (defaults to the email).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password; asked for when not given.",
)
def create_user_command(email: str, name: str, password: str) -> None:
    """Create an account, even when sign-up is closed."""
    check_password(password)
    try:
        user = create_user(name or email.split("@")[0], email, password)
    except EmailTaken:
        raise click.ClickException(f"An account for {email} already exists.") from None
    click.echo(f"Created user {user.email} (id {user.id}).")


@synth_cli.command("demo")
@click.option("--email", required=True, help="Email of the demo account to create.")
@click.option("--password", default=None, help="Password (generated when omitted).")
@click.option("--seed", default=7, show_default=True, help="Random seed.")
def demo_command(email: str, password: str | None, seed: int) -> None:
    """Create a realistic demo account with workflows, runs and context."""
    from synth_web.demo import build_demo

    if find_user_by_email(email) is not None:
        raise click.ClickException(
            f"An account for {email} already exists; demo data was not added."
        )
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    check_password(password)
    summary = build_demo(email, password, seed=seed)
    click.echo(f"Demo account {email} is ready:")
    for label, value in summary.items():
        click.echo(f"  {label}: {value}")
    if generated:
        click.echo(f"  password: {password}")


@synth_cli.command("create-token")
@click.option("--email", required=True, help="Whose token it is.")
@click.option("--name", required=True, help="What will use it, like n8n.")
@click.option(
    "--scopes",
    default="read,write",
    show_default=True,
    help="Comma-separated: read, write.",
)
def create_token_command(email: str, name: str, scopes: str) -> None:
    """Make a personal access token for the API and print it (shown once)."""
    from synth_web.tokens.services import create_token

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    if not name.strip() or len(name.strip()) > 100:
        raise click.BadParameter(
            "Give a name of 1 to 100 characters.", param_hint="--name"
        )
    try:
        made = create_token(user.id, name, scopes.split(","))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--scopes") from None
    click.echo(made.secret)


@synth_cli.command("rotate-vault-key")
def rotate_vault_key_command() -> None:
    """Re-encrypt every vault secret under the newest key in SYNTH_VAULT_KEYS."""
    from synth_web.vault import VaultKeyError, rotate_all

    try:
        count = rotate_all()
    except VaultKeyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Re-encrypted {count} secret(s) under the newest vault key.")
    if len(current_app.config["SYNTH_VAULT_KEYS"]) > 1:
        click.echo("The older keys can now be removed from SYNTH_VAULT_KEYS.")


@synth_cli.command("plan")
@click.argument("request")
@click.option("--email", required=True, help="Whose connections and time zone to use.")
@click.option(
    "--brain",
    type=click.Choice(["offline", "model"]),
    default=None,
    help="Which brain plans (default: SYNTH_PLANNER_BRAIN, else offline).",
)
def plan_command(request: str, email: str, brain: str | None) -> None:
    """Plan a request in plain words for a person and print the Plan JSON."""
    from synth_web.planner import plan

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    answer = plan(user, request, brain=brain)
    click.echo(json.dumps(answer.as_dict(), indent=2, ensure_ascii=False))
