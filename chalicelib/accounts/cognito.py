"""The Cognito adapter: sign up, confirm, log in, log out, reset a password.

Cognito's errors become :class:`AccountError` with an HTTP status and a sentence a person
can act on; nothing here ever logs a password or a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.aws import client
from chalicelib.config import get_settings


class AccountError(Exception):
    """A refused account operation: ``status`` for the API, ``message`` for the person."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


#: Cognito error code → (status, our code, message for the person).
_ERRORS: dict[str, tuple[int, str, str]] = {
    "UsernameExistsException": (409, "email_taken",
                                "An account with this email already exists: log in, or "
                                "reset the password if it is forgotten."),
    "InvalidPasswordException": (400, "weak_password",
                                 "The password is too weak: use at least 10 characters with "
                                 "upper and lower case letters and a digit."),
    "CodeMismatchException": (400, "wrong_code",
                              "The code is not the one we sent: check the latest email."),
    "ExpiredCodeException": (400, "expired_code",
                             "The code has expired or was already used: ask for a new one."),
    "NotAuthorizedException": (401, "not_authorized", "Wrong email or password."),
    "UserNotConfirmedException": (403, "not_confirmed",
                                  "The email address is not confirmed yet: enter the code "
                                  "from the email we sent."),
    "UserNotFoundException": (404, "no_such_user", "There is no account with this email."),
    "LimitExceededException": (429, "too_many_attempts",
                               "Too many attempts: wait a few minutes and try again."),
    "TooManyRequestsException": (429, "too_many_attempts",
                                 "Too many attempts: wait a few minutes and try again."),
    "InvalidParameterException": (400, "invalid", "Some details are not valid."),
}


def _translate(exc: Any) -> AccountError:
    code = exc.response.get("Error", {}).get("Code", "")
    status, ours, message = _ERRORS.get(code, (502, "accounts_unavailable",
                                               "The account service did not answer as "
                                               "expected: try again in a minute."))
    return AccountError(status, ours, message)


def _call(method: str, **kwargs: Any) -> Any:
    from botocore.exceptions import ClientError

    idp = client("cognito-idp")
    try:
        return getattr(idp, method)(**kwargs)
    except ClientError as exc:
        raise _translate(exc) from None


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    refresh_token: str | None
    expires_in: int

    def to_dict(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "id_token": self.id_token,
                "refresh_token": self.refresh_token, "expires_in": self.expires_in,
                "token_type": "Bearer"}


def sign_up(email: str, password: str) -> str:
    """Create an unconfirmed account; Cognito emails a code. Returns the user id (sub)."""
    settings = get_settings()
    answer = _call("sign_up", ClientId=settings.user_pool_client_id, Username=email,
                   Password=password, UserAttributes=[{"Name": "email", "Value": email}])
    return str(answer["UserSub"])


def confirm(email: str, code: str) -> None:
    _call("confirm_sign_up", ClientId=get_settings().user_pool_client_id, Username=email,
          ConfirmationCode=code)


def resend_code(email: str) -> None:
    _call("resend_confirmation_code", ClientId=get_settings().user_pool_client_id,
          Username=email)


def log_in(email: str, password: str) -> Tokens:
    answer = _call("initiate_auth", ClientId=get_settings().user_pool_client_id,
                   AuthFlow="USER_PASSWORD_AUTH",
                   AuthParameters={"USERNAME": email, "PASSWORD": password})
    result = answer.get("AuthenticationResult")
    if not result:
        raise AccountError(401, "challenge", "This account needs a step the portal does not "
                                             "support yet: contact the operators.")
    return Tokens(result["AccessToken"], result["IdToken"], result.get("RefreshToken"),
                  int(result.get("ExpiresIn", 3600)))


def refresh(refresh_token: str) -> Tokens:
    answer = _call("initiate_auth", ClientId=get_settings().user_pool_client_id,
                   AuthFlow="REFRESH_TOKEN_AUTH",
                   AuthParameters={"REFRESH_TOKEN": refresh_token})
    result = answer["AuthenticationResult"]
    return Tokens(result["AccessToken"], result["IdToken"], None,
                  int(result.get("ExpiresIn", 3600)))


def log_out(username: str) -> None:
    """Sign the user out everywhere: Cognito refuses their refresh tokens from now on.
    The admin call needs no valid access token (a user-side GlobalSignOut fails when the
    token is no longer current at Cognito, and always on the moto server)."""
    _call("admin_user_global_sign_out", UserPoolId=get_settings().user_pool_id,
          Username=username)


def forgot_password(email: str) -> None:
    _call("forgot_password", ClientId=get_settings().user_pool_client_id, Username=email)


def reset_password(email: str, code: str, password: str) -> None:
    _call("confirm_forgot_password", ClientId=get_settings().user_pool_client_id,
          Username=email, ConfirmationCode=code, Password=password)


def user_exists(email: str) -> bool:
    settings = get_settings()
    try:
        _call("admin_get_user", UserPoolId=settings.user_pool_id, Username=email)
    except AccountError as exc:
        if exc.code == "no_such_user":
            return False
        raise
    return True
