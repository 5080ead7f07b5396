from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand

from connectors import labs
from connectors.management.cli import made
from connectors.middleware import local_user
from connectors.models import Lab


class Command(BaseCommand):
    help = (
        "Migrate, create the demo lab and the local trainer, and serve the dashboard at http://127.0.0.1:8000 as a "
        "user meets it: DEBUG off (exchsim's own error pages), static files collected and served by WhiteNoise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Set everything up but don't start the server")
        parser.add_argument("--reset", action="store_true", help="Recreate the demo lab, dropping your changes to it")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, no_serve=False, reset=False, addrport="127.0.0.1:8000", **options):
        call_command("migrate", interactive=False, verbosity=0)
        if isinstance(staticfiles_storage, ManifestFilesMixin):
            # With DEBUG off, {% static %} names the hashed files of the manifest, which collectstatic writes.
            call_command("collectstatic", interactive=False, verbosity=0)
        owner = local_user()
        lab = Lab.objects.filter(slug="demo").first()
        if lab is None or reset:
            lab = labs.create_demo_lab(owner=owner)
        base_url = f"http://{addrport if ':' in addrport else f'127.0.0.1:{addrport}'}"
        self.stdout.write(made("Demo", lab, base_url) + " — you are signed in as local, a trainer.")
        settings.EXCHSIM_SINGLE_USER = True  # every request is signed in as the local trainer
        if no_serve:
            return
        self.stdout.write(f"Open {base_url}/ — press Ctrl+C to stop.")
        call_command("runserver", addrport, use_reloader=False)
