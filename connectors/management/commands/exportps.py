from django.core.management.base import BaseCommand

from connectors import labs
from connectors.exchange import powershell
from connectors.management.commands.dumplab import lab_named
from connectors.store import lab_to_org


class Command(BaseCommand):
    help = (
        "Print a lab as Exchange Management Shell commands: the whole-lab script (from Setup's defaults), or with "
        "--plan / --rollback the changes from the lab's baseline (the lab it was copied from, else the state it "
        "started in: its template, lab file or scenario) and back."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--plan", action="store_true", help="The commands that turn the baseline into this lab")
        what.add_argument("--rollback", action="store_true", help="The commands that turn this lab back")
        parser.add_argument("--baseline", metavar="OTHER", help="Compare with lab OTHER instead of the baseline")
        parser.add_argument("--whatif", action="store_true", help="Add -WhatIf to every change")

    def handle(self, *args, slug, plan, rollback, baseline, whatif, **options):
        lab = lab_named(slug)
        org = lab_to_org(lab)
        if not (plan or rollback):
            self.stdout.write(powershell.render_lab(org, lab.name, whatif=whatif), ending="")
            return
        other = lab_named(baseline) if baseline else None
        before = lab_to_org(other) if other else labs.baseline_org(lab)
        before_name = other.name if other else labs.baseline_name(lab)
        render = powershell.render_rollback if rollback else powershell.render_plan
        self.stdout.write(render(before, org, lab.name, before_name, whatif=whatif), ending="")
