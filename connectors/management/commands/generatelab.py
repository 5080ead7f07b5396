import time

from django.core.management.base import BaseCommand, CommandError

from connectors import labs
from connectors.exchange.errors import ExchangeError
from connectors.management.cli import made, owner_named


class Command(BaseCommand):
    help = "Generate a large, valid lab for benchmarks; the same arguments and --seed give the same lab."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--servers", type=int, default=10)
        parser.add_argument("--connectors-per-server", type=int, default=10)
        parser.add_argument("--ranges-per-connector", type=int, default=100)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--replace", action="store_true", help="Delete an existing lab with this slug first")
        parser.add_argument("--owner", help="Username of the lab's owner (default: local, the demo's trainer)")

    def handle(self, *args, slug, servers, connectors_per_server, ranges_per_connector, seed, replace, **options):
        owner = owner_named(options.get("owner"))
        if min(servers, connectors_per_server, ranges_per_connector) < 1:
            raise CommandError("--servers, --connectors-per-server and --ranges-per-connector must be at least 1.")
        if replace:
            labs.models.Lab.objects.filter(slug=slug).delete()
        started = time.perf_counter()
        try:
            lab = labs.generate_lab(slug, servers, connectors_per_server, ranges_per_connector, seed, owner=owner)
        except ExchangeError as error:
            raise CommandError(str(error)) from None
        total = servers * connectors_per_server
        self.stdout.write(made("Generated", lab))
        self.stdout.write(
            f"  {servers} servers, {total} connectors, {total * ranges_per_connector} remote ranges (seed {seed}) "
            f"in {time.perf_counter() - started:.1f} s."
        )
