from django.core.management.base import BaseCommand, CommandError

from connectors import training
from connectors.exchange.errors import ExchangeError
from connectors.management.cli import made, owner_named
from connectors.management.commands.dumplab import lab_named


class Command(BaseCommand):
    help = "Training scenarios: list them, start one as a lab, check a lab's goals, apply the model answer."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="One scenario name per line, then its title")
        start = actions.add_parser("start", help="Create a lab in the scenario's starting state")
        start.add_argument("name")
        start.add_argument("--slug", required=True, help="The lab's slug (letters, digits, hyphens, underscores)")
        start.add_argument("--owner", help="Username of the lab's owner (default: local, the demo's trainer)")
        for action, text in (("check", "Grade each goal; exit 0 only when all pass"), ("solve", "Apply the answer")):
            actions.add_parser(action, help=text).add_argument("slug")

    def handle(self, *args, **options):
        try:
            getattr(self, f"_{options['action']}")(options)
        except ExchangeError as error:
            raise CommandError(str(error)) from None

    def _list(self, options):
        scenarios = training.scenarios()
        width = max(map(len, scenarios), default=0)
        for name, scenario in scenarios.items():
            self.stdout.write(f"{name.ljust(width)}  {scenario.title}")

    def _start(self, options):
        scenario = training.get_scenario(options["name"])
        lab = training.start(scenario, slug=options["slug"], owner=owner_named(options["owner"]))
        self.stdout.write(made("Started", lab))
        self.stdout.write(f"  '{scenario.title}', in its starting state.\n\n{scenario.briefing}")

    def _check(self, options):
        self._report(training.check(lab_named(options["slug"])))

    def _solve(self, options):
        self._report(training.solve(lab_named(options["slug"])))

    def _report(self, results):
        for result in results:
            self.stdout.write(f"{'PASS' if result.passed else 'FAIL'}  {result.goal.title}")
            self.stdout.write(f"      {result.detail}")
        failed = sum(not r.passed for r in results)
        if failed:
            raise CommandError(f"{failed} of {len(results)} goals not met.", returncode=1)
        self.stdout.write(f"All {len(results)} goals met.")
