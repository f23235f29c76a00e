"""Browser sessions: a record per signed-in browser, and a sign-out that signs out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from synth_web.extensions import db
from synth_web.models import UserSession, utcnow
from tests.conftest import PASSWORD, make_user

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def sign_in(app, email="ada@example.com", remember=True, agent=CHROME):
    """A new browser (client) signed in as someone, kept signed in by default."""
    client = app.test_client()
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, headers={"User-Agent": agent})
    assert response.status_code == 302, response.text
    return client


def signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def cookies(client) -> dict[str, str]:
    return {
        name: client.get_cookie(name).value
        for name in ("session", "remember_token")
        if client.get_cookie(name) is not None
    }


def browser_with(app, saved: dict[str, str]):
    """A fresh browser holding copies of another one's cookies."""
    client = app.test_client()
    for name, value in saved.items():
        client.set_cookie(name, value)
    return client


def records(app, user_id):
    with app.app_context():
        return list(
            db.session.scalars(
                select(UserSession)
                .where(UserSession.user_id == user_id)
                .order_by(UserSession.id)
            )
        )


def test_signing_in_records_the_browser(app, user):
    sign_in(app)
    (record,) = records(app, user.id)
    assert record.remember and record.is_active
    assert record.browser == "Chrome on Linux"
    assert record.ip_address == "127.0.0.1"
    assert record.kind == "browser" and record.assurance == "full"
    assert len(record.token_hash) == 64


def test_sign_out_with_keep_me_signed_in_signs_out(app, user):
    browser = sign_in(app)
    assert browser.get_cookie("remember_token") is not None
    assert browser.post("/logout").status_code == 302
    assert browser.get_cookie("remember_token") is None
    assert browser.get("/dashboard").status_code == 302
    (record,) = records(app, user.id)
    assert record.revoked_reason == "signed_out"


def test_copied_cookies_stop_working_after_sign_out(app, user):
    browser = sign_in(app)
    saved = cookies(browser)
    assert set(saved) == {"session", "remember_token"}
    assert signed_in(browser_with(app, saved))
    browser.post("/logout")
    assert not signed_in(browser_with(app, saved))
    # The remember cookie alone (the browser was closed) opens nothing either.
    assert not signed_in(browser_with(app, {"remember_token": saved["remember_token"]}))


def test_sign_out_everywhere_signs_out_every_browser(app, user, other_user):
    first, second = sign_in(app), sign_in(app, remember=False)
    someone_else = sign_in(app, email=other_user.email)
    response = first.post("/logout/everywhere")
    assert response.headers["Location"] == "/login"
    assert not signed_in(first) and not signed_in(second)
    assert signed_in(someone_else)
    assert {r.revoked_reason for r in records(app, user.id)} == {
        "signed_out_everywhere"
    }


def test_account_lists_active_sessions_with_revoke(app, user):
    sign_in(app, agent="Mozilla/5.0 (Macintosh; Mac OS X 14) Firefox/133.0")
    here = sign_in(app, remember=False)
    page = here.get("/account").text
    assert "Signed-in browsers" in page
    assert "Firefox on macOS" in page and "Chrome on Linux" in page
    assert "This browser" in page and "Kept signed in" in page
    assert page.count("/revoke") == 2
    assert "Sign out everywhere" in page


def test_revoking_another_browser_signs_only_it_out(app, user):
    other, here = sign_in(app), sign_in(app)
    first = records(app, user.id)[0]
    response = here.post(f"/account/sessions/{first.id}/revoke")
    assert response.status_code == 303
    assert not signed_in(other)
    assert signed_in(here)
    assert records(app, user.id)[0].revoked_reason == "revoked"


def test_revoking_this_browser_signs_out(app, user):
    here = sign_in(app)
    record = records(app, user.id)[0]
    assert here.post(f"/account/sessions/{record.id}/revoke").status_code == 302
    assert not signed_in(here)


def test_another_persons_session_is_404(app, user, other_user):
    sign_in(app, email=other_user.email)
    theirs = records(app, other_user.id)[0]
    here = sign_in(app)
    assert here.post(f"/account/sessions/{theirs.id}/revoke").status_code == 404
    assert records(app, other_user.id)[0].revoked_at is None


def test_password_change_revokes_every_other_session(app, user):
    other, here = sign_in(app), sign_in(app)
    response = here.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a new passphrase 42",
            "confirm_password": "a new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert not signed_in(other)
    assert signed_in(here)
    active = [r for r in records(app, user.id) if r.is_active]
    assert len(active) == 1 and active[0].remember


def test_last_seen_is_written_at_most_once_a_minute(app, user):
    browser = sign_in(app)
    with app.app_context():
        record = db.session.scalars(select(UserSession)).one()
        record.last_seen_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    browser.get("/dashboard")
    seen = records(app, user.id)[0].last_seen_at
    assert utcnow() - seen < timedelta(seconds=30)
    browser.get("/dashboard")
    assert records(app, user.id)[0].last_seen_at == seen


def test_an_expired_session_signs_nothing_in(app, user):
    browser = sign_in(app)
    with app.app_context():
        record = db.session.scalars(select(UserSession)).one()
        record.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert not signed_in(browser)


def test_deleting_the_account_deletes_its_sessions(app, user):
    make_user(app, "someone@example.com")
    browser = sign_in(app)
    sign_in(app, remember=False)
    response = browser.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0
