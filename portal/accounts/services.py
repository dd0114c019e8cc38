"""Account use cases: registration, e-mail confirmation, login, password reset, resident
verification, and the admin's role and account management. Every state change is audited.

Services take explicit arguments (no Request) and raise portal.errors exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from argon2 import PasswordHasher
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal.accounts import nik as nik_rules
from portal.accounts import passwords, sessions
from portal.accounts.identity import Identity, Role
from portal.accounts.models import ResidentVerification, User, UserRole
from portal.accounts.tokens import CONFIRM_EMAIL, RESET_PASSWORD, TokenError, Tokens, fingerprint
from portal.core import audit
from portal.core.mail import Mailer
from portal.core.models import Agency, Kelurahan
from portal.core.timeutil import utcnow
from portal.errors import Conflict, InvalidInput, NotAllowed, NotFound
from portal.i18n import gettext as _
from portal.i18n import lazy


@dataclass(frozen=True)
class AccountDeps:
    hasher: PasswordHasher
    tokens: Tokens
    mailer: Mailer
    nik_key: bytes
    nik_key_id: str
    base_url: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def register(deps: AccountDeps, *, email: str, name: str, password: str, ip_hash: str = "") -> None:
    """Create an unconfirmed account and mail a confirmation link.

    An address that already has an account gets a notice instead, and the caller shows the
    same page either way: registration reveals nothing about who is registered.
    """
    email = normalise_email(email)
    existing = await User.get_or_none(email=email)
    if existing is not None:
        await deps.mailer.send(
            email,
            _("Someone tried to register with your e-mail address"),
            _("Someone tried to create a Warga account with this address, which already has one. "
              "If it was you, log in or reset your password: %(url)s")
            % {"url": f"{deps.base_url}/password/forgot"},
        )
        return
    password_hash = await passwords.hash_password(deps.hasher, password)
    try:
        async with in_transaction() as conn:
            user = await User.create(email=email, name=name, password_hash=password_hash, using_db=conn)
            await audit.record("accounts:user:register", actor_id=user.id, target_type="user",
                               target_id=user.id, ip_hash=ip_hash, conn=conn)
    except IntegrityError:
        return  # a concurrent registration of the same address won; nothing to reveal
    await send_confirmation(deps, user)


async def send_confirmation(deps: AccountDeps, user: User) -> None:
    token = deps.tokens.make(CONFIRM_EMAIL, {"uid": user.id, "email": user.email})
    await deps.mailer.send(
        user.email,
        _("Confirm your e-mail address for Warga"),
        _("Hello %(name)s,\n\nPlease confirm your e-mail address by opening this link "
          "(valid for 3 days):\n%(url)s\n\nIf you did not register, ignore this message.")
        % {"name": user.name, "url": f"{deps.base_url}/register/confirm/{token}"},
    )


async def resend_confirmation(deps: AccountDeps, user_id: int) -> None:
    user = await User.get(id=user_id)
    if user.email_confirmed_at is None:
        await send_confirmation(deps, user)


async def confirm_email(deps: AccountDeps, token: str) -> User:
    try:
        data = deps.tokens.read(CONFIRM_EMAIL, token)
    except TokenError as exc:
        raise InvalidInput({"token": _("This confirmation link is invalid or has expired.")}) from exc
    user = await User.get_or_none(id=data.get("uid"), email=data.get("email"))
    if user is None:
        raise InvalidInput({"token": _("This confirmation link is invalid or has expired.")})
    if user.email_confirmed_at is None:
        async with in_transaction() as conn:
            user.email_confirmed_at = utcnow()
            await user.save(update_fields=["email_confirmed_at"], using_db=conn)
            await audit.record("accounts:user:confirm_email", actor_id=user.id, target_type="user",
                               target_id=user.id, conn=conn)
    return user


async def authenticate(deps: AccountDeps, *, email: str, password: str, ip_hash: str = "") -> User:
    user = await User.get_or_none(email=normalise_email(email))
    stored = user.password_hash if user else passwords.dummy_hash(deps.hasher)
    ok = await passwords.check_password(deps.hasher, stored, password)
    if user is None or not ok or user.disabled_at is not None:
        raise InvalidInput({"password": _("E-mail address or password is not correct.")})
    if deps.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password(deps.hasher, password)
        await user.save(update_fields=["password_hash"])
    await audit.record("accounts:user:login", actor_id=user.id, target_type="user",
                       target_id=user.id, ip_hash=ip_hash)
    return user


async def request_password_reset(deps: AccountDeps, *, email: str) -> None:
    user = await User.get_or_none(email=normalise_email(email), disabled_at=None)
    if user is None:
        return  # same page for unknown addresses
    token = deps.tokens.make(RESET_PASSWORD, {"uid": user.id, "fp": fingerprint(user.password_hash)})
    await deps.mailer.send(
        user.email,
        _("Reset your Warga password"),
        _("Hello %(name)s,\n\nOpen this link within one hour to choose a new password:\n%(url)s\n\n"
          "The link works once. If you did not ask for it, ignore this message.")
        % {"name": user.name, "url": f"{deps.base_url}/password/reset/{token}"},
    )


async def user_for_reset(deps: AccountDeps, token: str) -> User:
    try:
        data = deps.tokens.read(RESET_PASSWORD, token)
    except TokenError as exc:
        raise InvalidInput({"token": _("This reset link is invalid, used or expired.")}) from exc
    user = await User.get_or_none(id=data.get("uid"), disabled_at=None)
    if user is None or fingerprint(user.password_hash) != data.get("fp"):
        raise InvalidInput({"token": _("This reset link is invalid, used or expired.")})
    return user


async def reset_password(deps: AccountDeps, *, token: str, password: str, ip_hash: str = "") -> User:
    user = await user_for_reset(deps, token)
    new_hash = await passwords.hash_password(deps.hasher, password)
    async with in_transaction() as conn:
        # Conditional update: of two concurrent uses of one link, only one can win.
        changed = await User.filter(id=user.id, password_hash=user.password_hash).using_db(conn).update(
            password_hash=new_hash, email_confirmed_at=user.email_confirmed_at or utcnow()
        )
        if changed != 1:
            raise InvalidInput({"token": _("This reset link is invalid, used or expired.")})
        await audit.record("accounts:user:reset_password", actor_id=user.id, target_type="user",
                           target_id=user.id, ip_hash=ip_hash, conn=conn)
    await sessions.end_all(user.id)
    return await User.get(id=user.id)


async def change_password(deps: AccountDeps, actor: Identity, *, current: str, new: str) -> User:
    user = await User.get(id=actor.user_id)
    if not await passwords.check_password(deps.hasher, user.password_hash, current):
        raise InvalidInput({"current_password": _("The current password is not correct.")})
    user.password_hash = await passwords.hash_password(deps.hasher, new)
    async with in_transaction() as conn:
        await user.save(update_fields=["password_hash"], using_db=conn)
        await audit.record("accounts:user:change_password", actor_id=user.id, target_type="user",
                           target_id=user.id, conn=conn)
    await sessions.end_all(user.id)
    return await User.get(id=user.id)


async def set_language(user_id: int, lang: str) -> None:
    await User.filter(id=user_id).update(lang=lang)


# --- resident verification -------------------------------------------------------------------

NIK_MESSAGES = {
    "format": lazy("A NIK has exactly 16 digits."),
    "region": lazy("The first six digits of this NIK are not a valid region code."),
    "birth_date": lazy("The birth date inside this NIK is not a real date."),
    "future": lazy("The birth date inside this NIK lies in the future."),
    "serial": lazy("The last four digits of a NIK cannot be 0000."),
}


async def verify_resident(
    deps: AccountDeps, *, user_id: int, raw_nik: str, kelurahan_code: str, today: date,
    method: str = "online", verifier: Identity | None = None, ip_hash: str = "",
) -> ResidentVerification:
    """Verify a resident by NIK. Only the NIK's HMAC, a mask and the birth year are kept."""
    try:
        facts = nik_rules.parse_nik(raw_nik, today)
    except nik_rules.NikError as exc:
        raise InvalidInput({"nik": _(NIK_MESSAGES.get(exc.code, NIK_MESSAGES["format"]))}) from None
    kelurahan = await Kelurahan.get_or_none(code=kelurahan_code)
    if kelurahan is None:
        raise InvalidInput({"kelurahan": _("Choose your kelurahan of domicile from the list.")})
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound()
    if method == "online" and user.email_confirmed_at is None:
        raise Conflict(_("Confirm your e-mail address first."))
    normalised = nik_rules.normalise_nik(raw_nik)
    digest = nik_rules.nik_digest(normalised, deps.nik_key, deps.nik_key_id)
    adult_on = _seventeenth_birthday(facts.birth_date)
    try:
        async with in_transaction() as conn:
            await ResidentVerification.filter(user_id=user.id).using_db(conn).delete()
            verification = await ResidentVerification.create(
                user=user, nik_digest=digest, nik_masked=nik_rules.mask_nik(normalised),
                birth_year=facts.birth_date.year, kelurahan=kelurahan, method=method,
                verified_by_id=verifier.user_id if verifier else None, verified_at=utcnow(),
                adult_on=adult_on if adult_on > today else None, using_db=conn,
            )
            await audit.record(
                "accounts:resident:verify", actor_id=verifier.user_id if verifier else user.id,
                target_type="user", target_id=user.id,
                data={"method": method, "kelurahan": kelurahan.code, "nik": verification.nik_masked},
                ip_hash=ip_hash, conn=conn,
            )
    except IntegrityError:
        raise InvalidInput({"nik": _(
            "This NIK cannot be used for this account. If you believe it is yours, "
            "visit your kelurahan office for assisted verification."
        )}) from None
    return verification


def _seventeenth_birthday(born: date) -> date:
    try:
        return born.replace(year=born.year + 17)
    except ValueError:  # 29 February
        return born.replace(year=born.year + 17, day=28) + timedelta(days=1)


async def revoke_verification(moderator: Identity, *, user_id: int, reason: str) -> None:
    _require(moderator, Role.MODERATOR)
    async with in_transaction() as conn:
        verification = await ResidentVerification.get_or_none(user_id=user_id, revoked_at=None).using_db(conn)
        if verification is None:
            raise Conflict(_("This account is not verified."))
        # Free the NIK so that its rightful owner can claim it.
        await ResidentVerification.filter(id=verification.id).using_db(conn).update(
            revoked_at=utcnow(), revoked_reason=reason, nik_digest=None
        )
        await audit.record("accounts:resident:revoke", actor_id=moderator.user_id, target_type="user",
                           target_id=user_id, data={"reason": reason}, conn=conn)


# --- administration --------------------------------------------------------------------------

GRANTABLE = (Role.PANELIST, Role.OFFICER, Role.AGENCY_HEAD, Role.MODERATOR, Role.COUNCIL, Role.ADMIN)


def _require(actor: Identity, *roles: str) -> None:
    if not actor.has(*roles):
        raise NotAllowed()


async def grant_role(admin: Identity | None, *, user_id: int, role: str, agency_abbr: str = "") -> None:
    """Grant `role`; officers are bound to one agency. `admin=None` is the operator's CLI."""
    if admin is not None:
        _require(admin, Role.ADMIN)
    async with in_transaction() as conn:
        await _grant_in(conn, admin, user_id=user_id, role=role, agency_abbr=agency_abbr)


async def _grant_in(conn: BaseDBAsyncClient, admin: Identity | None, *, user_id: int, role: str,
                    agency_abbr: str) -> None:
    if role not in GRANTABLE:
        raise InvalidInput({"role": _("Unknown role.")})
    agency = None
    if role == Role.OFFICER:
        agency = await Agency.get_or_none(abbreviation=agency_abbr).using_db(conn) if agency_abbr else None
        if agency is None:
            raise InvalidInput({"agency": _("An agency officer must be bound to an agency.")})
    if not await User.filter(id=user_id).using_db(conn).exists():
        raise NotFound()
    existing = await UserRole.get_or_none(user_id=user_id, role=role).using_db(conn)
    if existing is None:
        await UserRole.create(user_id=user_id, role=role, agency=agency, using_db=conn)
    elif existing.agency_id != (agency.id if agency else None):  # type: ignore[attr-defined]
        existing.agency = agency
        await existing.save(update_fields=["agency_id"], using_db=conn)
    await audit.record("accounts:role:grant", actor_id=admin.user_id if admin else None,
                       target_type="user", target_id=user_id,
                       data={"role": role, "agency": agency_abbr if agency else ""}, conn=conn)


async def revoke_role(admin: Identity | None, *, user_id: int, role: str) -> None:
    if admin is not None:
        _require(admin, Role.ADMIN)
        if admin.user_id == user_id and role == Role.ADMIN:
            raise Conflict(_("You cannot remove your own administrator role."))
    async with in_transaction() as conn:
        await UserRole.filter(user_id=user_id, role=role).using_db(conn).delete()
        await audit.record("accounts:role:revoke", actor_id=admin.user_id if admin else None,
                           target_type="user", target_id=user_id, data={"role": role}, conn=conn)


async def set_disabled(admin: Identity, *, user_id: int, disabled: bool) -> None:
    _require(admin, Role.ADMIN)
    if admin.user_id == user_id:
        raise Conflict(_("You cannot disable your own account."))
    async with in_transaction() as conn:
        updated = await User.filter(id=user_id).using_db(conn).update(disabled_at=utcnow() if disabled else None)
        if not updated:
            raise NotFound()
        await audit.record("accounts:user:disable" if disabled else "accounts:user:enable",
                           actor_id=admin.user_id, target_type="user", target_id=user_id, conn=conn)
    if disabled:
        await sessions.end_all(user_id)


async def create_user(
    deps: AccountDeps, *, email: str, name: str, password: str, roles: tuple[str, ...] = (),
    agency_abbr: str = "", confirmed: bool = True,
) -> User:
    """Operator path (CLI, demo): a ready account with roles, no e-mail round trip."""
    password_hash = await passwords.hash_password(deps.hasher, password)
    try:
        async with in_transaction() as conn:
            user = await User.create(
                email=normalise_email(email), name=name, password_hash=password_hash,
                email_confirmed_at=utcnow() if confirmed else None, using_db=conn,
            )
            await audit.record("accounts:user:create", actor_id=None, target_type="user",
                               target_id=user.id, data={"roles": list(roles)}, conn=conn)
            # Roles in the same transaction: a user is never left half-created.
            for role in roles:
                await _grant_in(conn, None, user_id=user.id, role=role, agency_abbr=agency_abbr)
    except IntegrityError:
        raise Conflict(_("An account with this e-mail address already exists.")) from None
    return user
