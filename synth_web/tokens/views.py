"""The tokens page: list, make (the secret shown once) and revoke tokens."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from synth_web.auth.forms import EmptyForm
from synth_web.tokens import bp
from synth_web.tokens.forms import TokenForm
from synth_web.tokens.services import (
    NewToken,
    create_token,
    get_token_or_404,
    list_tokens,
    revoke_token,
)


def tokens_page(
    form: TokenForm | None = None, created: NewToken | None = None, status: int = 200
) -> tuple[str, int]:
    """Render the tokens page, with a token just made shown once."""
    return (
        render_template(
            "tokens/index.html",
            form=form or TokenForm(formdata=None),
            tokens=list_tokens(current_user.id),
            created=created,
        ),
        status,
    )


@bp.route("/account/tokens")
def index() -> tuple[str, int]:
    """List the person's tokens, with the form to make one."""
    return tokens_page()


@bp.route("/account/tokens", methods=["POST"])
def create() -> tuple[str, int]:
    """Make a token and show its secret, this once.

    No redirect after this POST: the secret would have to wait in the session
    cookie for the next page, and it must never be stored anywhere in plain.
    """
    form = TokenForm()
    if not form.validate_on_submit():
        return tokens_page(form=form)
    created = create_token(current_user.id, form.name.data, form.scopes.data)
    return tokens_page(created=created, status=201)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int) -> Response:
    """Revoke a token: programs using it get 401 from now on."""
    token = get_token_or_404(token_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if revoke_token(token):
        flash(
            f"Token “{token.name}” was revoked. Programs using it are refused.",
            "success",
        )
    return redirect(url_for("tokens.index"))
