"""Accounts: sign up, confirm, log in and out, passwords, profile, preferences, the
in-app notifications, and the organizations list."""

from __future__ import annotations

from typing import Any

from chalice import BadRequestError, Blueprint, NotFoundError, Response

from chalicelib.api.common import error, json_body, secret_field, text_field
from chalicelib.auth.access import Access, Principal, protected, public

accounts_api = Blueprint(__name__)


def _request() -> Any:
    return accounts_api.current_request


def _account_call(func: Any, *args: Any) -> Any:
    from chalicelib.accounts.cognito import AccountError

    try:
        return func(*args)
    except AccountError as exc:
        return error(exc.status, exc.code, exc.message)


@accounts_api.route("/auth/signup", methods=["POST"])
@public
def sign_up() -> Response:
    """Create an account; a code is emailed to confirm the address."""
    from chalicelib.accounts import cognito
    from chalicelib.accounts import repository as accounts

    body = json_body(_request(), ("email", "password", "first_name", "last_name",
                                  "affiliation"))
    email = text_field(body, "email").lower()
    if not accounts.valid_email(email):
        raise BadRequestError("email is not a valid address")
    password = secret_field(body, "password")
    fields = {k: v for k, v in body.items() if k not in ("email", "password")}
    try:
        clean = accounts.clean_profile(fields)
    except accounts.ProfileError as exc:
        raise BadRequestError(str(exc)) from None
    answer = _account_call(cognito.sign_up, email, password)
    if isinstance(answer, Response):
        return answer
    profile = accounts.create_profile(answer, email, clean)
    return Response({"user_id": profile.user_id, "email": email, "confirmed": False,
                     "message": f"We sent a confirmation code to {email}: enter it to "
                                "activate the account."}, status_code=201)


@accounts_api.route("/auth/confirm", methods=["POST"])
@public
def confirm() -> Response:
    from chalicelib.accounts import cognito

    body = json_body(_request(), ("email", "code"))
    answer = _account_call(cognito.confirm, text_field(body, "email").lower(),
                           text_field(body, "code", 20))
    if isinstance(answer, Response):
        return answer
    return Response({"confirmed": True, "message": "Your address is confirmed: log in."})


@accounts_api.route("/auth/resend", methods=["POST"])
@public
def resend() -> Response:
    from chalicelib.accounts import cognito

    body = json_body(_request(), ("email",))
    answer = _account_call(cognito.resend_code, text_field(body, "email").lower())
    if isinstance(answer, Response) and answer.status_code != 404:
        return answer
    return Response({"message": "If the account exists and is not confirmed, a new code "
                                "is on its way."}, status_code=202)


@accounts_api.route("/auth/login", methods=["POST"])
@public
def log_in() -> Response:
    from chalicelib.accounts import cognito
    from chalicelib.accounts import repository as accounts
    from chalicelib.auth.tokens import verify
    from chalicelib.config import get_settings

    body = json_body(_request(), ("email", "password"))
    tokens = _account_call(cognito.log_in, text_field(body, "email").lower(),
                           secret_field(body, "password"))
    if isinstance(tokens, Response):
        return tokens
    claims = verify(tokens.access_token, get_settings())
    if tokens.refresh_token:
        accounts.remember_refresh_token(claims.user_id, tokens.refresh_token)
    profile = accounts.get_profile(claims.user_id)
    return Response({**tokens.to_dict(),
                     "profile": profile.to_dict() if profile else None})


@accounts_api.route("/auth/refresh", methods=["POST"])
@public
def refresh() -> Response:
    """New access and id tokens for a refresh token we issued and its owner has not
    signed out of since (checked here first: the account service's own sign-out is not
    relied on)."""
    from chalicelib.accounts import cognito
    from chalicelib.accounts import repository as accounts

    body = json_body(_request(), ("refresh_token",))
    refresh_token = secret_field(body, "refresh_token")
    if not accounts.refresh_token_usable(refresh_token):
        return error(401, "signed_out", "This session has ended (signed out or expired): "
                                        "log in again.")
    tokens = _account_call(cognito.refresh, refresh_token)
    if isinstance(tokens, Response):
        return tokens
    return Response(tokens.to_dict())


@accounts_api.route("/auth/logout", methods=["POST"])
@protected(Access.USER)
def log_out(principal: Principal) -> Response:
    """Sign out everywhere now: this access token is refused from now on, not only when it
    expires, and every refresh token issued so far, by our own list and by Cognito's. A
    failure of Cognito's sign-out is said, not swallowed (ours has happened by then)."""
    from chalicelib.accounts import cognito
    from chalicelib.accounts import repository as accounts
    from chalicelib.observability import logger

    accounts.revoke_token(principal.token_id, principal.token_expires_at)
    accounts.sign_out_everywhere(principal.user_id)
    answer = _account_call(cognito.log_out, principal.username or principal.user_id)
    if isinstance(answer, Response):
        logger().warning("Cognito sign-out failed", extra={
            "user_id": principal.user_id, "code": answer.body["Code"]})
        return error(502, "sign_out_incomplete",
                     "You are signed out here, but the account service did not confirm "
                     "the sign-out of your other sessions: log out again in a minute.")
    return Response({"message": "Signed out."})


@accounts_api.route("/auth/password/forgot", methods=["POST"])
@public
def forgot_password() -> Response:
    from chalicelib.accounts import cognito

    body = json_body(_request(), ("email",))
    answer = _account_call(cognito.forgot_password, text_field(body, "email").lower())
    if isinstance(answer, Response) and answer.status_code not in (404, 400):
        return answer
    # The same answer whether or not the account exists: no account discovery.
    return Response({"message": "If an account exists for this address, a reset code is "
                                "on its way."}, status_code=202)


@accounts_api.route("/auth/password/reset", methods=["POST"])
@public
def reset_password() -> Response:
    from chalicelib.accounts import cognito

    body = json_body(_request(), ("email", "code", "password"))
    answer = _account_call(cognito.reset_password, text_field(body, "email").lower(),
                           text_field(body, "code", 200), secret_field(body, "password"))
    if isinstance(answer, Response):
        return answer
    return Response({"message": "Your password is changed: log in with it."})


@accounts_api.route("/me", methods=["GET"])
@protected(Access.USER)
def me(principal: Principal) -> dict[str, Any]:
    from chalicelib.accounts import repository as accounts
    from chalicelib.teams import repository as teams

    profile = accounts.get_profile(principal.user_id)
    if profile is None:
        raise NotFoundError("no profile for this account")
    memberships = []
    for team_id, role in sorted(principal.teams.items()):
        info = teams.team(team_id) or {"team_id": team_id}
        memberships.append({"team_id": team_id, "name": info.get("name"), "role": role})
    return {**profile.to_dict(), "teams": memberships}


@accounts_api.route("/me", methods=["PUT"])
@protected(Access.USER)
def update_me(principal: Principal) -> dict[str, Any]:
    from chalicelib.accounts import repository as accounts

    body = json_body(_request())
    try:
        fields = accounts.clean_profile(body)
    except accounts.ProfileError as exc:
        raise BadRequestError(str(exc)) from None
    return accounts.update_profile(principal.user_id, fields).to_dict()


@accounts_api.route("/me/preferences", methods=["GET"])
@protected(Access.USER)
def preferences(principal: Principal) -> dict[str, Any]:
    from chalicelib.accounts import repository as accounts
    from chalicelib.notify.delivery import EVENTS

    profile = accounts.get_profile(principal.user_id)
    opted_out = set(profile.email_opt_out) if profile else set()
    return {"email": {event: event not in opted_out for event in EVENTS}}


@accounts_api.route("/me/preferences", methods=["PUT"])
@protected(Access.USER)
def set_preferences(principal: Principal) -> dict[str, Any]:
    """``{"email": {"upload_loaded": false, ...}}``: which events also come by email."""
    from chalicelib.accounts import repository as accounts
    from chalicelib.notify.delivery import EVENTS

    body = json_body(_request(), ("email",))
    wanted = body["email"]
    if not isinstance(wanted, dict) or not all(isinstance(v, bool) for v in wanted.values()):
        raise BadRequestError('email must map event names to true or false')
    unknown = set(wanted) - set(EVENTS)
    if unknown:
        raise BadRequestError(f"unknown events: {', '.join(sorted(unknown))}; known: "
                              f"{', '.join(EVENTS)}")
    profile = accounts.get_profile(principal.user_id)
    current = set(profile.email_opt_out) if profile else set()
    for event, on in wanted.items():
        (current.discard if on else current.add)(event)
    accounts.set_email_opt_out(principal.user_id, sorted(current))
    return {"email": {event: event not in current for event in EVENTS}}


@accounts_api.route("/me/notifications", methods=["GET"])
@protected(Access.USER)
def notifications(principal: Principal) -> dict[str, Any]:
    from chalicelib.notify import inbox

    items = inbox.items(principal.user_id)
    return {"results": items, "unread": sum(1 for i in items if not i["read"])}


@accounts_api.route("/me/notifications/{item_id}/read", methods=["POST"])
@protected(Access.USER)
def mark_read(item_id: str, principal: Principal) -> dict[str, Any]:
    from chalicelib.notify import inbox

    if not inbox.mark_read(principal.user_id, item_id):
        raise NotFoundError("no such notification")
    return {"read": True}


@accounts_api.route("/organizations", methods=["GET"])
@public
def organizations() -> dict[str, Any]:
    from chalicelib.accounts import repository as accounts

    return {"results": accounts.organizations()}


@accounts_api.route("/organizations", methods=["POST"])
@protected(Access.USER)
def add_organization(principal: Principal) -> Response:
    from chalicelib.accounts import repository as accounts

    body = json_body(_request(), ("name", "country"))
    try:
        org = accounts.add_organization(text_field(body, "name"),
                                        text_field(body, "country", 100), principal.user_id)
    except accounts.ProfileError as exc:
        raise BadRequestError(str(exc)) from None
    return Response(org, status_code=201)
