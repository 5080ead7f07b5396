"""Training scenarios: load and validate the scenario files, build a starting lab, grade a lab, apply the answer.

A scenario is one TOML file in connectors/scenarios/ (format: docs/scenarios.md). Grading is the simulator's verdict
on each goal: a goal is an SMTP probe with expected outcomes, or an audit expectation; configuration text is never
compared. The functions taking an `Organization` are pure; `start`, `check` and `solve` work on stored labs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path

from django.db import transaction

from . import history, labs, labtemplates, models, store
from .exchange import ems
from .exchange.audit import audit
from .exchange.errors import ExchangeError, ValidationFailed
from .exchange.fates import Fate
from .exchange.model import Organization
from .exchange.smtp import Probe, SessionResult, Simulator
from .store import lab_to_org

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
PROBE_FIELDS = {f.name for f in fields(Probe)}
REPLY_EXPECTATIONS = ("mail_from", "rcpt", "data", "auth")
EXPECTATIONS = (*REPLY_EXPECTATIONS, "connector", "identity", "fate", "ehlo_has", "ehlo_lacks")
IDENTITY_KINDS = ("anonymous", "externally_secured", "partner", "exchange_server", "account")
_TOP_KEYS = {"title", "version", "template", "summary", "briefing", "setup", "hints", "answer", "goals"}


class ScenarioError(ExchangeError):
    """A scenario file that breaks the format, or a name that isn't a scenario."""


@dataclass(frozen=True)
class AuditExpectation:
    code: str
    present: bool  # True: the finding must be raised; False: it must not
    object: str = ""  # only findings concerning this object identity count


@dataclass(frozen=True)
class Goal:
    title: str
    probe: Probe | None = None
    expect: tuple[tuple[str, object], ...] = ()  # (expectation, value) pairs, in the file's order
    audit: AuditExpectation | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    version: str
    template: str
    summary: str
    briefing: str
    setup: str
    hints: tuple[str, ...]
    answer: str
    explanation: str
    goals: tuple[Goal, ...]


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    passed: bool
    detail: str  # what the simulator answered, worded for the trainee
    reasons: tuple[str, ...] = ()  # the simulator's reasons, for "why?"


# --- loading ---------------------------------------------------------------------------------------------------


def _text(data: dict, key: str, where: str, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ScenarioError(f"{where}: '{key}' must be a non-empty text.", key)
    return value.strip()


def _probe(data, where: str) -> Probe:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: 'probe' must be a table of Probe fields.", "probe")
    unknown = set(data) - PROBE_FIELDS
    if unknown:
        raise ScenarioError(
            f"{where}: unknown probe field(s) {', '.join(sorted(unknown))}. Use: {', '.join(sorted(PROBE_FIELDS))}.",
            "probe",
        )
    values = {**data, "rcpts": tuple(data.get("rcpts", ()))}
    if "server" not in values or "remote_ip" not in values:
        raise ScenarioError(f"{where}: a probe needs 'server' and 'remote_ip'.", "probe")
    return Probe(**values)


def _expect(data, where: str) -> tuple[tuple[str, object], ...]:
    if not isinstance(data, dict) or not data:
        raise ScenarioError(f"{where}: 'expect' must be a table with at least one of {', '.join(EXPECTATIONS)}.")
    for key, value in data.items():
        if key not in EXPECTATIONS:
            raise ScenarioError(f"{where}: unknown expectation '{key}'. Use one of: {', '.join(EXPECTATIONS)}.", key)
        if key == "identity" and value not in IDENTITY_KINDS:
            raise ScenarioError(f"{where}: identity must be one of {', '.join(IDENTITY_KINDS)}.", key)
        if key == "fate" and not all(map(Fate.named, [value] if isinstance(value, str) else value)):
            raise ScenarioError(f"{where}: fate must be one of {', '.join(Fate)}, or a list of them.", key)
        if key in ("ehlo_has", "ehlo_lacks") and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise ScenarioError(f'{where}: {key} must be a list of EHLO keywords such as "AUTH LOGIN".', key)
    return tuple(data.items())


def _goal(data, where: str) -> Goal:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: each [[goals]] entry must be a table.")
    title = _text(data, "title", where)
    unknown = set(data) - {"title", "probe", "expect", "audit"}
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}.")
    if "audit" in data:
        spec = data["audit"]
        if not isinstance(spec, dict) or len({"absent", "present"} & set(spec)) != 1:
            raise ScenarioError(f'{where}: \'audit\' needs exactly one of absent = "code" or present = "code".')
        present = "present" in spec
        return Goal(
            title, audit=AuditExpectation(spec["present" if present else "absent"], present, spec.get("object", ""))
        )
    return Goal(title, _probe(data.get("probe"), where), _expect(data.get("expect"), where))


def parse_scenario(name: str, text: str) -> Scenario:
    """A Scenario from the text of connectors/scenarios/<name>.toml; ScenarioError names what is wrong."""
    where = f"Scenario '{name}'"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{where} is not valid TOML: {error}.") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}.")
    if data.get("template") not in labtemplates.TEMPLATES:
        raise ScenarioError(f"{where}: template must be one of {', '.join(labtemplates.TEMPLATES)}.", "template")
    answer = data.get("answer")
    if not isinstance(answer, dict):
        raise ScenarioError(f"{where}: an [answer] table with 'script' and 'explanation' is required.", "answer")
    hints = data.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
        raise ScenarioError(f"{where}: 'hints' must be a list of texts.", "hints")
    goals = data.get("goals")
    if not isinstance(goals, list) or not goals:
        raise ScenarioError(f"{where}: at least one [[goals]] entry is required.", "goals")
    return Scenario(
        name=name,
        title=_text(data, "title", where),
        version=_text(data, "version", where),
        template=data["template"],
        summary=_text(data, "summary", where),
        briefing=_text(data, "briefing", where),
        setup=_text(data, "setup", where, required=False),
        hints=tuple(h.strip() for h in hints),
        answer=_text(answer, "script", f"{where} [answer]"),
        explanation=_text(answer, "explanation", f"{where} [answer]"),
        goals=tuple(_goal(goal, f"{where}, goal {number}") for number, goal in enumerate(goals, 1)),
    )


@cache
def scenarios() -> dict[str, Scenario]:
    """Every scenario shipped in connectors/scenarios/, by name (the file name without .toml)."""
    return {
        path.stem: parse_scenario(path.stem, path.read_text("utf-8")) for path in sorted(SCENARIO_DIR.glob("*.toml"))
    }


def get_scenario(name: str) -> Scenario:
    found = scenarios().get(name)
    if found is None:
        raise ScenarioError(f"There's no scenario called '{name}'. Use one of: {', '.join(scenarios())}.", "name")
    return found


# --- engine side -------------------------------------------------------------------------------------------------


def run_script(org: Organization, script: str, what: str) -> Organization:
    """The organisation after `script`; ScenarioError with the console's first error if a command fails."""
    if not script.strip():
        return org
    result = ems.run_script(org, script)
    if result.error:
        raise ScenarioError(f"The {what} failed: {result.error}")
    return result.org


def starting_org(scenario: Scenario) -> Organization:
    return run_script(
        labtemplates.template_org(scenario.template), scenario.setup, f"setup script of '{scenario.name}'"
    )


def solved_org(scenario: Scenario, org: Organization) -> Organization:
    return run_script(org, scenario.answer, f"model answer of '{scenario.name}'")


def grade(scenario: Scenario, org: Organization) -> list[GoalResult]:
    """Each goal's verdict from the simulator (probes) or the audit (findings)."""
    simulator = Simulator(org)
    findings = None
    results = []
    for goal in scenario.goals:
        if goal.audit is not None:
            findings = audit(org) if findings is None else findings
            results.append(_grade_audit(goal, findings))
        else:
            results.append(_grade_probe(goal, simulator))
    return results


def _grade_audit(goal: Goal, findings) -> GoalResult:
    wanted = goal.audit
    matching = [
        f for f in findings if f.code == wanted.code and (not wanted.object or wanted.object.casefold() in
                                                           {o.identity.casefold() for o in f.objects})
    ]  # fmt: skip
    if wanted.present:
        detail = matching[0].title if matching else f"The audit raises no {wanted.code} finding."
        return GoalResult(goal, bool(matching), detail)
    if not matching:
        return GoalResult(goal, True, f"The audit raises no {wanted.code} finding.")
    return GoalResult(goal, False, f"The audit still finds: {matching[0].title}.", matching[0].evidence)


def _grade_probe(goal: Goal, simulator: Simulator) -> GoalResult:
    try:
        result = simulator.simulate(goal.probe)
    except ExchangeError as error:
        return GoalResult(goal, False, str(error))
    failures = [problem for key, value in goal.expect if (problem := _mismatch(result, key, value))]
    if failures:
        return GoalResult(goal, False, " ".join(failures), result.reasons)
    return GoalResult(goal, True, _summary(result), result.reasons)


def _replies(result: SessionResult, key: str) -> list[tuple[str, str | None]]:
    """(what the client sent, the reply) for the step(s) an expectation is about."""
    if key == "rcpt":
        return [(f"RCPT TO:<{r.address}>", r.reply) for r in result.recipients]
    prefix = {"mail_from": "MAIL FROM", "data": "From:", "auth": ("AUTH", "X-EXPS", "********")}[key]
    steps = [s for s in result.transcript if (s.client or "").startswith(prefix)]
    label = {"mail_from": "MAIL FROM", "data": "DATA", "auth": "AUTH"}[key]
    return [(label, steps[-1].server[0] if steps else None)]


def _mismatch(result: SessionResult, key: str, expected) -> str:
    if key in REPLY_EXPECTATIONS:
        problems = []
        for command, reply in _replies(result, key):
            if reply is None:
                problems.append(f"{command} was never answered (the session ended before it).")
            elif not reply.startswith(str(expected)):
                problems.append(f"{command} got '{reply}', expected '{expected}'.")
        return " ".join(problems)
    if key == "connector":
        actual = result.connector.identity if result.connector else "none"
        return "" if actual.casefold() == str(expected).casefold() else f"{actual} took the connection, not {expected}."
    if key == "identity":
        actual = result.identity.kind if result.identity else "none"
        return "" if actual == expected else f"The session ran as {actual}, expected {expected}."
    if key == "fate":
        allowed = [expected] if isinstance(expected, str) else expected
        wrong = [f"{r.address}: {r.fate} ({r.reason})" for r in result.recipients if r.fate not in allowed]
        return f"Expected {' or '.join(allowed)}; " + "; ".join(wrong) if wrong else ""
    ehlo = _last_ehlo(result)
    if key == "ehlo_has":
        missing = [k for k in expected if not _advertised(ehlo, k)]
        return f"EHLO does not advertise {', '.join(missing)}." if missing else ""
    present = [k for k in expected if _advertised(ehlo, k)]
    return f"EHLO advertises {', '.join(present)}." if present else ""


def _last_ehlo(result: SessionResult) -> list[list[str]]:
    steps = [s for s in result.transcript if (s.client or "").startswith("EHLO")]
    return [line[4:].split() for line in steps[-1].server] if steps else []


def _advertised(ehlo: list[list[str]], keyword: str) -> bool:
    """ "AUTH LOGIN" is advertised when a line starts with AUTH and lists LOGIN; "STARTTLS" when a line is STARTTLS."""
    wanted = keyword.upper().split()
    return any(words and words[0].upper() == wanted[0] and set(wanted[1:]) <= {w.upper() for w in words[1:]}
               for words in ehlo)  # fmt: skip


def _summary(result: SessionResult) -> str:
    connector = result.connector.identity if result.connector else "no connector"
    last = next((s for s in reversed(result.transcript) if s.client != "QUIT"), None)
    command = "DATA" if (last and (last.client or "").startswith("From:")) else (last.client if last else "")
    said = f"{command or 'connect'} -> {last.server[0]}" if last else ""
    return f"{connector}: {said}"


# --- stored labs -------------------------------------------------------------------------------------------------


@transaction.atomic
def start(scenario: Scenario, *, slug: str | None = None, owner=None, session=None, change=None) -> models.Lab:
    """A new lab in the scenario's starting state, linked to the scenario (and the session, for a trainee); its
    first history entry is the scenario's start."""
    org = starting_org(scenario)
    errors = store.organization_errors(org)
    if errors:
        raise ValidationFailed(errors)
    lab = labs.create_lab(
        org,
        f"the starting state of scenario {scenario.name}",
        slug=slug,
        owner=owner,
        default_name=scenario.title,
        description=scenario.summary,
        change=replace(change or history.Change(), action="scenario"),
    )
    models.ScenarioLab.objects.create(lab=lab, scenario=scenario.name, session=session, trainee=owner)
    return lab


@dataclass(frozen=True)
class Help:
    """What a scenario lab shows its viewer: hints, the model answer, and (self-study only) the session that holds
    them back."""

    hints: tuple[str, ...]
    answer: bool
    held_back_by: models.TrainingSession | None = None


def visible_help(scenario: Scenario, link: models.ScenarioLab, user) -> Help:
    """Self-study shows every hint and the answer; a session shows what its trainer revealed (all of it to the trainer).
    While `user` is a trainee in a session of the same scenario, self-study shows no more than that session does:
    otherwise a trainee could read the hints and the answer ahead of the trainer by starting a lab of their own."""
    session = link.session
    if session is not None:
        if session.trainer_id == user.pk:
            return Help(scenario.hints, True)
        return Help(scenario.hints[: session.hints_revealed], session.answer_revealed)
    sessions = list(
        models.TrainingSession.objects.filter(scenario=scenario.name, enrolments__trainee=user).exclude(trainer=user)
    )
    if not sessions:
        return Help(scenario.hints, True)
    hints = min(s.hints_revealed for s in sessions)
    strictest = min(sessions, key=lambda s: (s.answer_revealed, s.hints_revealed))
    return Help(scenario.hints[:hints], all(s.answer_revealed for s in sessions), strictest)


def scenario_of(lab: models.Lab) -> Scenario:
    link = models.ScenarioLab.objects.filter(lab=lab).first()
    if link is None:
        raise ScenarioError(f"The lab '{lab.slug}' was not started from a scenario.", "slug")
    return get_scenario(link.scenario)


def check(lab: models.Lab) -> list[GoalResult]:
    return grade(scenario_of(lab), lab_to_org(lab))


def solve(lab: models.Lab, change=None) -> list[GoalResult]:
    """Apply the model answer to the lab (one history entry) and return the new verdicts."""
    scenario = scenario_of(lab)
    record = replace(change or history.Change(), action="answer", note=f"the model answer of {scenario.title}")
    _before, org = store.edit_lab(lab, lambda org: solved_org(scenario, org), record=record)
    return grade(scenario, org)
