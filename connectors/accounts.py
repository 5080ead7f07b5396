"""Accounts made by trainers (the people page) and by `manage.py createuser`: one set of rules for both."""

from __future__ import annotations

import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .middleware import TRAINERS_GROUP
from .models import TemporaryPassword

# No 0/O, 1/l/I: the trainer reads the password out or writes it on a card.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
MAX_NAMES = 200  # one pasted list; a typo in a 10,000-line paste shouldn't make 10,000 accounts


def generate_password() -> str:
    """Three groups of four: about 60 bits, easy to type once before choosing one's own."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def check_username(username: str) -> str:
    """The name as Django's username field accepts it, or ValidationError saying why (taken, too long, bad letters)."""
    model = get_user_model()
    field = model._meta.get_field(model.USERNAME_FIELD)
    username = model.normalize_username(username.strip())
    if not username:
        raise ValidationError("A user name can't be empty.")
    try:
        field.run_validators(username)
    except ValidationError as error:
        raise ValidationError(f"'{username}': {' '.join(error.messages)}") from None
    if len(username) > field.max_length:
        raise ValidationError(f"'{username}' is longer than {field.max_length} characters.")
    if model._default_manager.filter(**{f"{model.USERNAME_FIELD}__iexact": username}).exists():
        raise ValidationError(f"There is already an account called '{username}'.")
    return username


def parse_names(text: str) -> list[str]:
    """A pasted list: one name a line (commas and spaces also separate), each checked, no name twice."""
    names = [name for name in text.replace(",", " ").split() if name]
    if not names:
        raise ValidationError("Enter at least one user name.")
    if len(names) > MAX_NAMES:
        raise ValidationError(f"At most {MAX_NAMES} names at once; this list has {len(names)}.")
    errors, seen, checked = [], set(), []
    for name in names:
        if name.lower() in seen:
            errors.append(f"'{name}' is in the list twice.")
            continue
        seen.add(name.lower())
        try:
            checked.append(check_username(name))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return checked


@transaction.atomic
def create_account(username: str, *, trainer: bool = False, password: str | None = None):
    """A new account. Without `password` it gets a generated one that must be changed at first sign-in.
    Returns (user, password)."""
    username = check_username(username)
    temporary = password is None
    if temporary:
        password = generate_password()
    else:
        validate_password(password, get_user_model()(username=username))
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(username, password=password)
    except IntegrityError:  # made by someone else between the check and the insert
        raise ValidationError(f"There is already an account called '{username}'.") from None
    if trainer:
        user.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
    if temporary:
        TemporaryPassword.objects.create(user=user)
    return user, password


@transaction.atomic
def reset_password(user) -> str:
    """A new generated password, to be changed at the next sign-in; the account's sign-in lockout is lifted."""
    password = generate_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    TemporaryPassword.objects.get_or_create(user=user)
    axes_reset(username=user.get_username())
    return password
