from django.core.management.base import BaseCommand

from connectors.exchange import collector


class Command(BaseCommand):
    help = (
        "Print the read-only collector script (python manage.py collector > Collect-Exchsim.ps1): run it in the "
        "Exchange Management Shell, then import the zip it writes with importconfig or the Import page."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--folder",
            default=collector.DEFAULT_FOLDER,
            help=f"The default output folder's name in the script (default {collector.DEFAULT_FOLDER})",
        )

    def handle(self, *args, folder, **options):
        self.stdout.write(collector.collector_script(folder), ending="")
