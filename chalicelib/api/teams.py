"""Teams (gene banks): create, members, invitations, Webin credentials, audit log."""

from __future__ import annotations

from typing import Any

from chalice import BadRequestError, Blueprint, NotFoundError, Response

from chalicelib.api.common import error, json_body, query_int, secret_field, text_field
from chalicelib.auth.access import Access, Principal, protected

teams_api = Blueprint(__name__)


def _request() -> Any:
    return teams_api.current_request


@teams_api.route("/teams", methods=["POST"])
@protected(Access.USER)
def create_team(principal: Principal) -> Response:
    """Anyone signed in may create a team; they become its first admin."""
    from chalicelib import audit
    from chalicelib.teams import repository as teams

    body = json_body(_request(), ("name", "country"))
    try:
        created = teams.create_team(text_field(body, "name"), text_field(body, "country", 100),
                                    principal.user_id, principal.email)
    except teams.TeamError as exc:
        return error(exc.status, "invalid_team", exc.message)
    audit.record(created["team_id"], principal.user_id, principal.email, "team_created",
                 name=created["name"])
    return Response(created, status_code=201)


@teams_api.route("/teams", methods=["GET"])
@protected(Access.USER)
def my_teams(principal: Principal) -> dict[str, Any]:
    from chalicelib.teams import repository as teams

    results = []
    for team_id, role in sorted(principal.teams.items()):
        info = teams.team(team_id)
        if info is not None:
            results.append({**info, "role": role})
    return {"results": results}


@teams_api.route("/teams/{team_id}", methods=["GET"])
@protected(Access.MEMBER)
def get_team(team_id: str, principal: Principal) -> dict[str, Any]:
    from chalicelib.teams import repository as teams

    info = teams.team(team_id)
    if info is None:
        raise NotFoundError("no such team")
    return {**info, "role": principal.role_in(team_id) or "site admin"}


@teams_api.route("/teams/{team_id}/members", methods=["GET"])
@protected(Access.MEMBER)
def list_members(team_id: str, principal: Principal) -> dict[str, Any]:
    from chalicelib.teams import repository as teams

    return {"results": [m.to_dict() for m in teams.members(team_id)]}


@teams_api.route("/teams/{team_id}/members", methods=["POST"])
@protected(Access.TEAM_ADMIN)
def invite_member(team_id: str, principal: Principal) -> Response:
    """Add a person who has an account, by email, as member or admin; they are told."""
    from chalicelib import audit
    from chalicelib.accounts import repository as accounts
    from chalicelib.notify.publisher import publish
    from chalicelib.teams import repository as teams

    body = json_body(_request(), ("email",))
    email = text_field(body, "email").lower()
    role = text_field(body, "role") or "member"
    info = teams.team(team_id)
    if info is None:
        raise NotFoundError("no such team")
    person = accounts.profile_by_email(email)
    if person is None:
        return error(404, "no_such_user",
                     f"there is no account for {email}: ask them to sign up first, then "
                     "invite them again")
    try:
        member = teams.add_member(team_id, person.user_id, email, role, principal.user_id)
    except teams.TeamError as exc:
        return error(exc.status, "invalid_member", exc.message)
    audit.record(team_id, principal.user_id, principal.email, "member_added",
                 member=person.user_id, role=role)
    publish("team_invitation", team_id=team_id, submission_id=None, user_id=person.user_id,
            subject=f"You joined the team {info['name']}",
            text=f"{principal.email} added you to the team {info['name']} as {role}.",
            details={"link": f"/workspace/teams/{team_id}"})
    return Response(member.to_dict(), status_code=201)


@teams_api.route("/teams/{team_id}/members/{user_id}", methods=["DELETE"])
@protected(Access.TEAM_ADMIN)
def remove_member(team_id: str, user_id: str, principal: Principal) -> Response:
    from chalicelib import audit
    from chalicelib.teams import repository as teams

    try:
        teams.remove_member(team_id, user_id)
    except teams.TeamError as exc:
        return error(exc.status, "cannot_remove", exc.message)
    audit.record(team_id, principal.user_id, principal.email, "member_removed",
                 member=user_id)
    return Response({"removed": user_id})


@teams_api.route("/teams/{team_id}/webin", methods=["PUT"])
@protected(Access.TEAM_ADMIN)
def set_webin(team_id: str, principal: Principal) -> dict[str, Any]:
    """Store the team's Webin account; the password is never shown again nor logged."""
    from chalicelib import audit
    from chalicelib.teams import repository as teams

    body = json_body(_request(), ("username", "password"))
    try:
        stored = teams.set_webin_credentials(team_id, text_field(body, "username", 40),
                                             secret_field(body, "password"))
    except teams.TeamError as exc:
        raise BadRequestError(exc.message) from None
    audit.record(team_id, principal.user_id, principal.email, "webin_credentials_set",
                 username=stored["username"])
    return stored


@teams_api.route("/teams/{team_id}/audit", methods=["GET"])
@protected(Access.TEAM_ADMIN)
def audit_log(team_id: str, principal: Principal) -> dict[str, Any]:
    from chalicelib import audit

    request = _request()
    params = dict((request.query_params if request is not None else None) or {})
    return {"results": audit.entries(team_id, query_int(params, "limit", 100, 1, 1000))}
