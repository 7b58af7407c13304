"""Read ``*.scenario.yaml`` files into scenarios, or fail with ``file:line:column``, what was expected
there and the closest valid word."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from scenarios import schema as S

Path_ = tuple[Any, ...]
SUFFIX = ".scenario.yaml"


@dataclass(frozen=True)
class Problem:
    """One mistake in a scenario file, where it is and how to fix it."""

    file: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.message}"
        return f"{text}\n    {self.hint}" if self.hint else text


class ScenarioFileError(Exception):
    """A scenario file that cannot be run; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Scenario:
    """One scenario of a file: its name, where it starts and its validated content."""

    name: str
    file: Path
    line: int
    data: dict[str, Any]
    #: (path inside the scenario) -> (line, column), 1-based, for failure messages
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)

    def where(self, path: Path_) -> str:
        line, col = self.marks.get(path, (self.line, 1))
        return f"{self.file}:{line}:{col}"

    @property
    def steps(self) -> list[Any]:
        return self.data.get("steps", [])


def suggest(word: str, choices: Iterable[str]) -> str:
    """ "did you mean 'x'?" for the closest choice, or the list of choices."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "expected one of: " + ", ".join(choices)


class _Reader:
    """YAML nodes to plain data, remembering where each value and each key was written."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}

    def load(self, text: str) -> Any:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = getattr(exc, "problem", None) or str(exc)
            raise ScenarioFileError(
                [
                    Problem(
                        self.file, line, col, f"not valid YAML: {problem}", "check the indentation and quotes"
                    )
                ]
            ) from None
        if node is None:
            raise ScenarioFileError([Problem(self.file, 1, 1, "the file is empty", "start with 'name: ...'")])
        return self.build(node, ())

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for k, v in node.value:
                key = str(k.value if isinstance(k, yaml.ScalarNode) else _scalar(k))
                if key in out:
                    raise ScenarioFileError(
                        [
                            Problem(
                                self.file,
                                k.start_mark.line + 1,
                                k.start_mark.column + 1,
                                f"'{key}' is given twice",
                            )
                        ]
                    )
                self.keys[(*path, key)] = (k.start_mark.line + 1, k.start_mark.column + 1)
                out[key] = self.build(v, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*path, i)) for i, v in enumerate(node.value)]
        return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    return yaml.SafeLoader("").construct_object(node, deep=True)


class _Checker:
    def __init__(self, reader: _Reader) -> None:
        self.r = reader
        self.problems: list[Problem] = []

    def at(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        if key and path in self.r.keys:
            return self.r.keys[path]
        while path and path not in self.r.values:
            path = path[:-1]
        return self.r.values.get(path, (1, 1))

    def fail(self, path: Path_, message: str, hint: str = "", *, key: bool = False) -> None:
        line, col = self.at(path, key=key)
        self.problems.append(Problem(self.r.file, line, col, message, hint))

    def keys(self, value: dict[str, Any], path: Path_, allowed: Iterable[str], what: str) -> None:
        allowed = list(allowed)
        for k in value:
            if k not in allowed:
                self.fail((*path, k), f"unknown {what} '{k}' — {suggest(k, allowed)}", key=True)

    def against(self, value: Any, schema: dict[str, Any], path: Path_, what: str) -> None:
        """Validate with the JSON Schema and translate its first error per place into a Problem."""
        validator = Draft202012Validator({**schema, "$defs": S.SCHEMA["$defs"]})
        seen: set[Path_] = set()
        for err in sorted(validator.iter_errors(value), key=lambda e: len(e.absolute_path)):
            where = (*path, *err.absolute_path)
            if where in seen:
                continue
            seen.add(where)
            self.problems.append(self._translate(err, where, what))

    def _translate(self, err: Any, where: Path_, what: str) -> Problem:
        kind = err.validator
        label = what if len(where) == 0 else str(where[-1])
        line, col = self.at(where)
        if kind == "additionalProperties":
            extra = [k for k in err.instance if k not in err.schema.get("properties", {})]
            allowed = list(err.schema.get("properties", {}))
            word = extra[0] if extra else "?"
            line, col = self.at((*where, word), key=True)
            return Problem(
                self.r.file, line, col, f"unknown key '{word}' in {label} — {suggest(word, allowed)}"
            )
        if kind == "enum":
            choices = [str(c) for c in err.validator_value]
            return Problem(
                self.r.file,
                line,
                col,
                f"'{err.instance}' is not allowed for {label} — {suggest(str(err.instance), choices)}",
            )
        if kind == "required":
            return Problem(
                self.r.file, line, col, f"{label} is missing {err.message.split(' is ')[0]}", "add it"
            )
        if kind == "type":
            return Problem(
                self.r.file,
                line,
                col,
                f"{label} must be {_a(err.validator_value)}, not {_a(_type(err.instance))}",
            )
        if kind == "pattern":
            desc = err.schema.get("description") or f"text matching {err.validator_value}"
            return Problem(self.r.file, line, col, f"{label}: '{err.instance}' is not {desc}")
        if kind == "propertyNames":
            return Problem(self.r.file, line, col, f"{label}: {err.message}")
        return Problem(self.r.file, line, col, f"{label}: {err.message}")


def _type(value: Any) -> str:
    return {
        dict: "mapping",
        list: "list",
        str: "text",
        bool: "true/false",
        int: "number",
        float: "number",
    }.get(type(value), "empty" if value is None else type(value).__name__)


def _a(kind: Any) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
             "number": "a number", "boolean": "true or false", "null": "empty", "mapping": "a mapping",
             "list": "a list", "text": "text", "true/false": "true or false", "empty": "empty"}  # fmt: skip
    if isinstance(kind, list):
        return " or ".join(names.get(k, k) for k in kind)
    return names.get(kind, str(kind))


def _check_scenario(c: _Checker, sc: Any, base: Path_) -> None:
    if not isinstance(sc, dict):
        c.fail(base, f"a scenario must be a mapping, not {_a(_type(sc))}", "start it with 'name: ...'")
        return
    c.keys(sc, base, S.SCENARIO["properties"], "scenario key")
    for req in S.SCENARIO["required"]:
        if req not in sc:
            hint = {
                "cites": "cite the Microsoft page it encodes: cites: https://learn.microsoft.com/..."
            }.get(req, "")
            c.fail(base, f"the scenario has no '{req}'", hint)
    for k, v in sc.items():
        if k in ("steps",) or k not in S.SCENARIO["properties"]:
            continue
        c.against(v, S.SCENARIO["properties"][k], (*base, k), k)
    steps = sc.get("steps")
    if steps is None:
        return
    if not isinstance(steps, list):
        c.fail((*base, "steps"), "steps must be a list ('- advance: PT40M')")
        return
    for i, step in enumerate(steps):
        _check_step(c, step, (*base, "steps", i))
    _check_references(c, sc, base)


def _check_step(c: _Checker, step: Any, path: Path_) -> None:
    if isinstance(step, str):
        if step not in S.ZERO_ARGUMENT:
            if step in S.STEP_ACTIONS:
                c.fail(path, f"step '{step}' needs a value", f"write '{step}: ...'")
            else:
                c.fail(path, f"unknown step '{step}' — {suggest(step, S.STEP_KEYS)}")
        return
    if not isinstance(step, dict) or not step:
        c.fail(path, f"a step must be a mapping such as 'advance: PT40M', not {_a(_type(step))}")
        return
    extra = ("expect", "refused", "note")
    c.keys(step, path, [*S.STEP_KEYS, *extra], "step")
    actions = [k for k in step if k in S.STEP_ACTIONS]
    if len(actions) > 1:
        c.fail(
            (*path, actions[1]),
            f"one action per step: '{actions[0]}' and '{actions[1]}' share one",
            "split them",
            key=True,
        )
    for k, v in step.items():
        if k in S.STEP_ACTIONS:
            c.against(v, S.STEP_ACTIONS[k], (*path, k), k)
        elif k == "refused":
            c.against(v, S.SCHEMA["$defs"]["refused"], (*path, k), k)
    if "expect" in step:
        exp = step["expect"]
        items = exp if isinstance(exp, list) else [exp]
        for j, item in enumerate(items):
            ipath = (*path, "expect", j) if isinstance(exp, list) else (*path, "expect")
            if not isinstance(item, dict) or len(item) != 1:
                c.fail(
                    ipath, "each expectation is a mapping with one of: " + ", ".join(sorted(S.EXPECT_KINDS))
                )
                continue
            ((kind, value),) = item.items()
            if kind not in S.EXPECT_KINDS:
                c.fail(
                    (*ipath, kind),
                    f"unknown expectation '{kind}' — {suggest(kind, S.EXPECT_KINDS)}",
                    key=True,
                )
                continue
            if kind == "user" and isinstance(value, str):
                value = {"user": value}
            c.against(value, S.EXPECT_KINDS[kind], (*ipath, kind), kind)


def _check_references(c: _Checker, sc: dict[str, Any], base: Path_) -> None:
    given = sc.get("given") or {}
    tenants = set(given.get("tenants") or {"source": 1, "target": 1})
    users = set(given.get("users") or {})
    groups = set(given.get("groups") or {})
    for step in sc.get("steps") or []:
        if isinstance(step, dict) and isinstance(step.get("create_user"), dict):
            users.add(str(step["create_user"].get("user")))

    def ref(path: Path_, name: Any, known: set[str], what: str) -> None:
        if isinstance(name, str) and name not in known:
            c.fail(
                path,
                f"no {what} named '{name}' in this scenario — {suggest(name, known) if known else 'declare it under given'}",
            )

    for kind, items in (
        ("users", given.get("users")),
        ("groups", given.get("groups")),
        ("guests", given.get("guests")),
    ):
        for name, spec in (items or {}).items():
            if not isinstance(spec, dict):
                continue
            p = (*base, "given", kind, name)
            ref((*p, "tenant"), spec.get("tenant"), tenants, "tenant")
            for j, g in enumerate(spec.get("groups") or []):
                ref((*p, "groups", j), g, groups, "group")
            for j, m in enumerate(spec.get("members") or []):
                ref((*p, "members", j), m, users, "user")
            if "of" in spec:
                ref((*p, "of"), spec["of"], users, "user")
    setup = sc.get("setup") or {}
    for k in ("source", "target"):
        ref((*base, "setup", k), setup.get(k), tenants, "tenant")
    if isinstance(setup.get("scope"), str) and setup["scope"] != "all":
        ref((*base, "setup", "scope"), setup["scope"], groups, "group (or 'all')")
    for i, step in enumerate(sc.get("steps") or []):
        if not isinstance(step, dict):
            continue
        p = (*base, "steps", i)
        for k, v in step.items():
            if k in ("disable", "enable", "delete", "restore", "target_delete", "provision_on_demand"):
                ref((*p, k), v, users, "user")
            elif isinstance(v, dict) and k in S.STEP_ACTIONS:
                if k != "create_user":
                    ref((*p, k, "user"), v.get("user"), users, "user")
                ref((*p, k, "group"), v.get("group"), groups, "group")
                for j, g in enumerate(v.get("groups") or []) if k == "create_user" else ():
                    ref((*p, k, "groups", j), g, groups, "group")
        exp = step.get("expect")
        for j, item in enumerate(exp if isinstance(exp, list) else [exp] if exp else []):
            if isinstance(item, dict) and len(item) == 1:
                ((kind, value),) = item.items()
                ip = (*p, "expect", j) if isinstance(exp, list) else (*p, "expect")
                name = (
                    value
                    if kind == "user" and isinstance(value, str)
                    else value.get("user")
                    if isinstance(value, dict)
                    else None
                )
                ref((*ip, kind, "user") if isinstance(value, dict) else (*ip, kind), name, users, "user")
                if isinstance(value, dict) and kind == "audit":
                    ref((*ip, kind, "tenant"), value.get("tenant"), tenants, "tenant")


def load_text(text: str, file: str | Path) -> list[Scenario]:
    """The scenarios of one file's text; raises ScenarioFileError with every problem found."""
    name = str(file)
    reader = _Reader(name)
    doc = reader.load(text)
    c = _Checker(reader)
    if isinstance(doc, dict) and "scenarios" in doc:
        c.keys(doc, (), ["scenarios"], "top-level key")
        items = doc["scenarios"]
        if not isinstance(items, list) or not items:
            c.fail(("scenarios",), "'scenarios' must be a non-empty list of scenarios")
            items = []
        bases: list[Path_] = [("scenarios", i) for i in range(len(items))]
    else:
        items, bases = [doc], [()]
    for sc, base in zip(items, bases, strict=True):
        _check_scenario(c, sc, base)
    names = [sc.get("name") for sc in items if isinstance(sc, dict)]
    for i, n in enumerate(names):
        if n in names[:i]:
            c.fail(
                (*bases[i], "name"),
                f"two scenarios of this file are named '{n}'",
                "names must be unique per file",
            )
    if not c.problems:  # the published schema must agree with the checks above
        err = next(iter(Draft202012Validator(S.SCHEMA).iter_errors(doc)), None)
        if err is not None:
            line, col = c.at(tuple(err.absolute_path))
            c.problems.append(Problem(name, line, col, f"does not match the scenario schema: {err.message}"))
    if c.problems:
        raise ScenarioFileError(c.problems)
    out = []
    for sc, base in zip(items, bases, strict=True):
        marks = {p[len(base) :]: v for p, v in reader.values.items() if p[: len(base)] == base}
        out.append(Scenario(sc["name"], Path(file), reader.values[base][0], sc, marks))
    return out


def load_file(path: str | Path) -> list[Scenario]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError([Problem(str(p), 1, 1, f"cannot read the file: {exc}")]) from None
    return load_text(text, p)


def find_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``*.scenario.yaml`` under the given files and folders, sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(p.rglob(f"*{SUFFIX}")))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return out
