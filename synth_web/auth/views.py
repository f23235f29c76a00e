"""Register, sign in, sign out and the account page."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user

from synth_web.auth import bp
from synth_web.auth.forms import (
    DeleteAccountForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
)
from synth_web.auth.passwords import verify_password
from synth_web.auth.services import (
    EmailTaken,
    authenticate,
    change_password,
    create_user,
    delete_user,
    email_in_use,
)
from synth_web.auth.sessions import active_sessions, current_session, open_session
from synth_web.auth.signout import end_session
from synth_web.extensions import db, limiter
from synth_web.models import User
from synth_web.security import is_safe_next, public

GENERIC_LOGIN_ERROR = "Email or password is incorrect."


def login_account_key() -> str:
    """Key the per-account limit on the email being tried."""
    email = (request.form.get("email") or "").strip().lower()
    return f"login-account:{email}"


def login_failed(_response: Response) -> bool:
    """Count only failed attempts against the per-account limit."""
    return bool(g.get("login_failed"))


def start_session(user: User, remember: bool) -> None:
    """Issue a fresh session for a user who just proved who they are."""
    session.clear()
    open_session(user, remember)
    login_user(user, remember=remember)


@bp.route("/")
@public
def index() -> Response:
    """Send people to their dashboard, or to the login page."""
    target = "dashboard.index" if current_user.is_authenticated else "auth.login"
    return redirect(url_for(target))


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SYNTH_REGISTER_LIMIT"], methods=["POST"])
def register() -> Response | str:
    """Create an account and sign in."""
    if not current_app.config["SYNTH_ALLOW_SIGNUP"]:
        return render_template("auth/signup_closed.html"), 403
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                form.name.data, form.email.data, form.password.data, form.timezone.data
            )
        except EmailTaken:
            form.email.errors.append(
                "An account with this email already exists. Sign in instead."
            )
        else:
            start_session(user, remember=False)
            flash(f"Welcome to Synth, {user.name}.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SYNTH_LOGIN_IP_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["SYNTH_LOGIN_ACCOUNT_LIMIT"],
    key_func=login_account_key,
    methods=["POST"],
    deduct_when=login_failed,
)
def login() -> Response | str:
    """Sign in with email and password."""
    next_url = request.values.get("next")
    if not is_safe_next(next_url):
        next_url = None
    if current_user.is_authenticated:
        return redirect(next_url or url_for("dashboard.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            return redirect(next_url or url_for("dashboard.index"))
        g.login_failed = True
        error = GENERIC_LOGIN_ERROR
    return render_template("auth/login.html", form=form, error=error, next=next_url)


def account_page(**forms: object) -> str:
    """Render the account page with fresh forms for any not given."""
    forms.setdefault("profile_form", ProfileForm(obj=current_user, formdata=None))
    forms.setdefault("password_form", PasswordChangeForm(formdata=None))
    forms.setdefault("delete_form", DeleteAccountForm(formdata=None))
    record = current_session()
    return render_template(
        "auth/account.html",
        sessions=active_sessions(current_user.id),
        this_session_id=record.id if record else None,
        **forms,
    )


@bp.route("/account", methods=["GET", "POST"])
def account() -> Response | str:
    """Show the account page and save name, email and time zone."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        return account_page(profile_form=form)
    if form.validate_on_submit():
        if email_in_use(form.email.data, except_user=current_user):
            form.email.errors.append("Another account already uses this email.")
        else:
            form.populate_obj(current_user)
            db.session.commit()
            flash("Your account was saved.", "success")
            return redirect(url_for("auth.account"))
    return account_page(profile_form=form)


@bp.route("/account/password", methods=["POST"])
def account_password() -> Response | str:
    """Change the password and sign out every other session."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your current password is not right.")
        else:
            user = current_user._get_current_object()
            record = current_session()
            change_password(user, form.new_password.data)
            # Every session ended; this browser starts a new one at once.
            start_session(user, remember=bool(record and record.remember))
            flash("Password changed. Other devices were signed out.", "success")
            return redirect(url_for("auth.account"))
    return account_page(password_form=form)


@bp.route("/account/delete", methods=["POST"])
def account_delete() -> Response | str:
    """Delete the account and everything it owns."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            form.password.errors.append("That password is not right.")
        else:
            user = current_user._get_current_object()
            end_session()
            delete_user(user)
            flash("Your account and all its data were deleted.", "info")
            return redirect(url_for("auth.login"))
    return account_page(delete_form=form)
