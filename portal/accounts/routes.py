"""Account pages: register, confirm, log in/out, password reset, account and verification."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import forms
from portal.accounts import forms as account_forms
from portal.accounts import queries, services as accounts, sessions
from portal.core.timeutil import to_jakarta, utcnow
from portal.errors import InvalidInput
from portal.i18n import gettext as _
from portal.templating import flash, render
from portal.web import client_ip, form_data, identity, ip_hash, redirect, require_login, services


def _form_page(request: Request, page: str, form: forms.Form | None, status: int = 200, **extra: object) -> Response:
    return render(request, page, {"form": form or forms.Form({}), **extra}, status_code=status)


async def register(request: Request) -> Response:
    if request.method == "GET":
        return _form_page(request, "accounts/register.html", None)
    data = await form_data(request)
    await services(request).limiter.hit("register", client_ip(request), data.get("email", ""))
    command, form = account_forms.parse_registration(data)
    if command is None:
        return _form_page(request, "accounts/register.html", form, 422)
    await accounts.register(services(request).accounts, email=command.email, name=command.name,
                            password=command.password, ip_hash=ip_hash(request))
    return redirect(request, request.url_for("register_sent").path)


async def register_sent(request: Request) -> Response:
    return render(request, "accounts/register_sent.html")


async def confirm_email(request: Request) -> Response:
    """GET shows a confirm button (mail scanners follow links); POST confirms."""
    token = request.path_params["token"]
    if request.method == "GET":
        return render(request, "accounts/confirm.html", {"token": token})
    await services(request).limiter.hit("confirm", client_ip(request))
    await accounts.confirm_email(services(request).accounts, token)
    flash(request, _("Your e-mail address is confirmed. Welcome!"), "success")
    return redirect(request, "/account" if identity(request).is_authenticated else "/login")


async def resend_confirmation(request: Request) -> Response:
    who = require_login(request)
    await services(request).limiter.hit("confirm", client_ip(request), who.email)
    assert who.user_id is not None
    await accounts.resend_confirmation(services(request).accounts, who.user_id)
    flash(request, _("We sent the confirmation link again."), "info")
    return redirect(request, "/account")


async def login(request: Request) -> Response:
    next_url = forms.safe_next(request.query_params.get("next"), "/account")
    if request.method == "GET":
        return _form_page(request, "accounts/login.html", None, next_url=next_url)
    data = await form_data(request)
    next_url = forms.safe_next(data.get("next"), "/account")
    await services(request).limiter.hit("login", client_ip(request), data.get("email", ""))
    parsed, form = account_forms.parse_login(data)
    if parsed is None:
        return _form_page(request, "accounts/login.html", form, 422, next_url=next_url)
    try:
        user = await accounts.authenticate(services(request).accounts, email=parsed[0],
                                           password=parsed[1], ip_hash=ip_hash(request))
    except InvalidInput as exc:
        form.add_errors(exc.errors)
        return _form_page(request, "accounts/login.html", form, 422, next_url=next_url)
    request.session.clear()  # rotate: new session id and new CSRF token
    request.session["sid"] = await sessions.start(user)
    response = redirect(request, next_url)
    if user.lang:
        response.set_cookie("lang", user.lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                            secure=services(request).settings.https)
    return response


async def logout(request: Request) -> Response:
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        await sessions.end(session_id)
    request.session.clear()
    flash(request, _("You are logged out."), "info")
    return redirect(request, "/")


async def password_forgot(request: Request) -> Response:
    if request.method == "GET":
        return _form_page(request, "accounts/password_forgot.html", None)
    data = await form_data(request)
    await services(request).limiter.hit("reset", client_ip(request), data.get("email", ""))
    form = forms.Form(data)
    email = form.email("email")
    if not form.ok:
        return _form_page(request, "accounts/password_forgot.html", form, 422)
    await accounts.request_password_reset(services(request).accounts, email=email)
    return render(request, "accounts/password_forgot_sent.html")


async def password_reset(request: Request) -> Response:
    token = request.path_params["token"]
    deps = services(request).accounts
    if request.method == "GET":
        await accounts.user_for_reset(deps, token)
        return _form_page(request, "accounts/password_reset.html", None, token=token)
    data = await form_data(request)
    await services(request).limiter.hit("reset", client_ip(request))
    password, form = account_forms.parse_new_password(data)
    if password is None:
        return _form_page(request, "accounts/password_reset.html", form, 422, token=token)
    await accounts.reset_password(deps, token=token, password=password, ip_hash=ip_hash(request))
    request.session.clear()
    flash(request, _("Your password was changed. Log in with the new password."), "success")
    return redirect(request, "/login")


async def account(request: Request) -> Response:
    who = require_login(request)
    assert who.user_id is not None
    verification = await queries.verification_of(who.user_id, to_jakarta(utcnow()).year)
    return render(request, "accounts/account.html", {"verification": verification, "form": forms.Form({})})


async def change_password(request: Request) -> Response:
    who = require_login(request)
    data = await form_data(request)
    new, form = account_forms.parse_new_password(data, "new_password")
    current = form.raw("current_password")
    form.values["current_password"] = ""
    if new is not None:
        try:
            user = await accounts.change_password(services(request).accounts, who, current=current, new=new)
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            request.session.clear()
            request.session["sid"] = await sessions.start(user)
            flash(request, _("Your password was changed. Other devices were logged out."), "success")
            return redirect(request, "/account")
    assert who.user_id is not None
    verification = await queries.verification_of(who.user_id, to_jakarta(utcnow()).year)
    return render(request, "accounts/account.html", {"verification": verification, "form": form},
                  status_code=422)


async def verify(request: Request) -> Response:
    who = require_login(request)
    assert who.user_id is not None
    context = {"territory": await queries.territory_options()}
    if request.method == "GET":
        return _form_page(request, "accounts/verify.html", None, **context)
    data = await form_data(request)
    await services(request).limiter.hit("nik", client_ip(request), str(who.user_id))
    command, form = account_forms.parse_verification(data, await queries.kelurahan_codes())
    if command is not None:
        try:
            await accounts.verify_resident(
                services(request).accounts, user_id=who.user_id, raw_nik=command.nik,
                kelurahan_code=command.kelurahan_code, today=to_jakarta(utcnow()).date(),
                ip_hash=ip_hash(request),
            )
        except InvalidInput as exc:
            form.add_errors(exc.errors)
        else:
            flash(request, _("You are now a verified resident."), "success")
            return redirect(request, "/account")
    form.values["kelurahan"] = str(data.get("kelurahan", ""))
    return _form_page(request, "accounts/verify.html", form, 422, **context)


routes = [
    Route("/register", register, methods=["GET", "POST"], name="register"),
    Route("/register/sent", register_sent, name="register_sent"),
    Route("/register/confirm/{token}", confirm_email, methods=["GET", "POST"], name="confirm_email"),
    Route("/register/resend", resend_confirmation, methods=["POST"], name="resend_confirmation"),
    Route("/login", login, methods=["GET", "POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/password/forgot", password_forgot, methods=["GET", "POST"], name="password_forgot"),
    Route("/password/reset/{token}", password_reset, methods=["GET", "POST"], name="password_reset"),
    Route("/account", account, name="account"),
    Route("/account/password", change_password, methods=["POST"], name="change_password"),
    Route("/account/verify", verify, methods=["GET", "POST"], name="verify"),
]
