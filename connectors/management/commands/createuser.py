"""manage.py createuser USERNAME [--trainer] [--password-stdin]: an account without the admin."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from connectors import accounts


class Command(BaseCommand):
    help = (
        "Make a sign-in account (a trainee, or a trainer with --trainer). Without --password-stdin it gets a generated "
        "one-time password, printed once, that must be changed at the first sign-in."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--trainer", action="store_true", help="Make a trainer (member of the trainers group).")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from the first line of standard input."
        )

    def handle(self, *args, username, trainer, password_stdin, **options):
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("No password on standard input.")
        try:
            user, password = accounts.create_account(username, trainer=trainer, password=password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        role = "trainer" if trainer else "trainee"
        self.stdout.write(f"Created {role} '{user.get_username()}'.")
        if not password_stdin:
            self.stdout.write(f"One-time password (shown once; they choose their own at first sign-in): {password}")
