"""Every user-facing string exists in both languages, and every key the code asks for exists.

- each key of ``ui/i18n.py`` and ``ui/text/*.py`` has a Chinese and an English text with the
  same ``{placeholders}``;
- each literal key passed to ``t("...")`` in ``pages/``, ``ui/`` and ``app.py`` exists, also through
  ``plural("key", n)`` and through helpers that pass their first argument on to ``t()`` as its key
  (``counted``, ``fill``: found by reading the code, not listed by hand);
- a ``key.one`` (what ``plural`` picks for one) has its ``key`` and no value that ``key`` lacks;
- each key built at run time (``t(f"train.state.{state}")``, ``labeled("dataset.target")``, a key
  that core returns) belongs to a family listed in ``FAMILIES`` below, and the family is complete
  for every value its source can produce (read from that source: a constant, a function's
  return values, the codes passed to a constructor);
- each key passed whole (``t(exc.key)``, ``t(reason)``) is listed in ``DYNAMIC_CALLS`` with the keys
  its source can produce, and each of those exists;
- ``t()`` with a missing key raises under tests, so AppTests and browser tests catch one.
"""

from __future__ import annotations

import ast
import importlib
import os
import string
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from ui import i18n
from ui.i18n import STRINGS, t

ROOT = Path(__file__).resolve().parents[2]
UI_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")])


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# ------------------------------------------------------------------ reading values from the source
def _tree(rel: str) -> ast.Module:
    return ast.parse((ROOT / rel).read_text(encoding="utf-8"), filename=rel)


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def strings_starting(rel: str, prefix: str) -> set[str]:
    """Every string constant in file ``rel`` that starts with ``prefix`` (f-string parts included)."""
    out = set()
    for node in ast.walk(_tree(rel)):
        value = _str(node)
        if value and value.startswith(prefix):
            out.add(value.split(":", 1)[0])  # "warn.missing:{name}": the key is before the colon
    return out


def returned(rel: str, func: str) -> set[str]:
    """The string constants that function ``func`` of ``rel`` returns or appends to its result."""
    fn = next(n for n in ast.walk(_tree(rel)) if isinstance(n, ast.FunctionDef) and n.name == func)
    out = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and _str(node.value):
            out.add(_str(node.value))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append" \
                and node.args and _str(node.args[0]):
            out.add(_str(node.args[0]))
    return out


def call_args(rels: Iterable[str], names: set[str], position: int = 0, keyword: str | None = None) -> set[str]:
    """String constants passed (at ``position``, or as ``keyword``) to calls of any of ``names``."""
    out = set()
    for rel in rels:
        for node in ast.walk(_tree(rel)):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in names:
                continue
            if len(node.args) > position and _str(node.args[position]):
                out.add(_str(node.args[position]))
            for kw in node.keywords:
                if keyword and kw.arg == keyword and _str(kw.value):
                    out.add(_str(kw.value))
    return out


def _imported_modules(rel: str) -> dict[str, str]:
    """The modules file ``rel`` imports by name (``from core import cluster``: "cluster" -> "core.cluster")."""
    out = {}
    for node in ast.walk(_tree(rel)):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        elif isinstance(node, ast.Import):
            out.update({a.asname or a.name: a.name for a in node.names})
    return out


def _option(rel: str, node: ast.AST) -> str | None:
    """A literal option, or a module's constant (``cluster.LOCAL``) read from that module."""
    if _str(node) is not None:
        return _str(node)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        module = _imported_modules(rel).get(node.value.id)
        if module:
            value = getattr(importlib.import_module(module), node.attr, None)
            return value if isinstance(value, str) else None
    return None


def list_literal(rel: str, call: str, keyword: str | None = None, position: int = 1) -> set[str]:
    """The options of a widget call written as a list, found by the call's first argument
    (e.g. ``st.radio(t("dataset.import_target"), ["qa", "general"], ...)``); an option may be a
    module's constant (``[cluster.LOCAL, cluster.SLURM]``)."""
    out = set()
    for node in ast.walk(_tree(rel)):
        if not isinstance(node, ast.Call) or len(node.args) <= position:
            continue
        first = node.args[0]
        label = _str(first.args[0]) if isinstance(first, ast.Call) and first.args else None
        if label == call and isinstance(node.args[position], (ast.List, ast.Tuple)):
            options = [_option(rel, e) for e in node.args[position].elts]
            assert None not in options, f"an option after t({call!r}) in {rel} is not a string the test can read"
            out |= set(options)
    assert out, f"no option list after t({call!r}) in {rel}"
    return out


def _core_files() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in sorted((ROOT / "core").rglob("*.py"))]


def _problem_codes() -> set[str]:
    """Codes of core's dataset problems: ``problem(unit, index, "code", ...)`` and ``fatal("code", ...)``."""
    return call_args(_core_files(), {"problem"}, 2) | call_args(_core_files(), {"fatal", "_fatal"}, 0)


def _problem_units() -> set[str]:
    units = {u for u in call_args(_core_files(), {"problem"}, 0) if u != "file"}  # "file" needs no place
    return units | {"turn"}


def _import_formats() -> set[str]:
    return returned("core/dataset_io.py", "_shape") | returned("core/dataset_io.py", "_detect") | {"csv", "xlsx"}


def _binary_kinds() -> set[str]:
    from core import dataset_io

    return set(dataset_io._MAGIC.values()) | {"binary"}


def _job_states() -> set[str]:
    from core import jobs

    return {jobs.RUNNING, jobs.STOPPING, jobs.SUCCEEDED, jobs.FAILED, jobs.STOPPED}


def _prep_phases() -> set[str]:
    from core import preparation

    return set(preparation.PHASES)


def _methods() -> set[str]:
    from core import config

    return set(config.METHODS)


def _config_fields() -> set[str]:
    """Fields the config page names: the form's, and those its checks report (core and page)."""
    from core import config_form

    reported = set()
    for rel in ("core/config_form.py", "pages/config.py"):
        for node in ast.walk(_tree(rel)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "append" and node.args \
                    and isinstance(node.args[0], ast.Tuple) and node.args[0].elts and _str(node.args[0].elts[0]):
                reported.add(_str(node.args[0].elts[0]))
    return set(config_form.FIELD_NAMES) | set(config_form.LORA_LIMITS) | reported


def _number_fields() -> set[str]:
    """Fields drawn as number inputs with help (``_num("name", ...)`` on the config page)."""
    return call_args(["pages/config.py"], {"_num"}, 0)


def _chat_reasons() -> set[str]:
    """ChatError reasons: the constructors' defaults and every literal reason passed."""
    reasons = set()
    for node in ast.walk(_tree("core/chat.py")):
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            reasons |= {_str(d) for d in node.args.defaults if _str(d)}
    names = {"ChatError", "ModelLoadError", "GenerationError", "super"}
    passed = call_args(["core/chat.py"], names, 1, "reason") | call_args(["core/chat.py"], {"__init__"}, 2)
    return (reasons | passed) - {""}


def _chat_options() -> set[str]:
    return call_args(["core/chat.py"], {"RunOption"}, keyword="kind")


def _scorecard_kinds() -> set[str]:
    from core import scorecard

    return {scorecard.IDENTITY, scorecard.GENERAL}


def _render_codes() -> set[str]:
    return call_args(["core/config.py"], {"RenderError"}, 0)


def _checklist_steps() -> set[str]:
    fn = next(n for n in ast.walk(_tree("core/runs.py")) if isinstance(n, ast.FunctionDef) and n.name == "checklist")
    ret = next(n for n in ast.walk(fn) if isinstance(n, ast.Return) and isinstance(n.value, ast.Dict))
    return {_str(k) for k in ret.value.keys if _str(k)}


def _module_constant(rel: str, name: str) -> object:
    for node in _tree(rel).body:
        if isinstance(node, ast.Assign) and any(getattr(tg, "id", None) == name for tg in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} in {rel}")


def _export_formats() -> set[str]:
    from core import dataset_io

    return set(dataset_io.EXPORTS)


def _parse_reasons() -> set[str]:
    """Codes of why a file is not valid JSON, CSV or Excel (a problem's ``reason`` value):
    core.dataset.JSON_REASON_CODES and the literals core assigns to ``reason`` or passes as ``reason=``."""
    from core import dataset

    out = set(dataset.JSON_REASON_CODES)
    for rel in _core_files():
        for node in ast.walk(_tree(rel)):
            values = []
            if isinstance(node, ast.Assign) and any(getattr(tg, "id", None) == "reason" for tg in node.targets):
                values.append(node.value)
            if isinstance(node, ast.Call):
                values += [kw.value for kw in node.keywords if kw.arg == "reason"]
            out |= {k for v in values for k in _literal_results(v)}
    return out


def _literal_results(node: ast.AST) -> set[str]:
    """The strings an expression can be: ``"a"``, ``"a" if x else "b" if y else "c"``."""
    if isinstance(node, ast.IfExp):
        return _literal_results(node.body) | _literal_results(node.orelse)
    return {_str(node)} if _str(node) is not None else set()


def _attention_choices() -> set[str]:
    from core import attention

    return set(attention.FASTEST_FIRST)


def _placeholder_fields() -> set[str]:
    """The form fields an identity file's placeholders can need: the ``values`` that
    core.dataset_io._fill fills them from (``needs`` names some of them)."""
    fn = next(n for n in ast.walk(_tree("core/dataset_io.py")) if isinstance(n, ast.FunctionDef) and n.name == "_fill")
    found = next(n.value for n in ast.walk(fn) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Dict)
                 and any(getattr(tg, "id", None) == "values" for tg in n.targets))
    return {_str(k) for k in found.keys if _str(k)}


def _cluster_error_keys() -> set[str]:
    """Message keys of core.cluster.ClusterError: those core/cluster.py raises or reports, and those
    of core.slurm.SlurmError that core/cluster.py passes on (``ClusterError(exc.key, ...)``)."""
    return (call_args(["core/cluster.py"], {"ClusterError"}, 0) | call_args(["core/slurm.py"], {"SlurmError"}, 0)
            | strings_starting("core/slurm.py", "cluster.err."))


def _pending_reason_keys() -> set[str]:
    """core.cluster.pending_reason's keys: core.slurm.reason_key's literal returns and one per
    core.slurm.PENDING_REASONS explanation."""
    from core import slurm

    return returned("core/slurm.py", "reason_key") | {f"cluster.reason.{v}" for v in slurm.PENDING_REASONS.values()}


def _core_keys(*prefixes: str) -> Callable[[], set[str]]:
    return lambda: set().union(*(strings_starting(CORE_KEYS[p][0], p) for p in prefixes))


def _verdict_places() -> set[str]:
    return call_args(["ui/learning_panel.py"], {"verdict"}, 1)


# Every key built at run time: its pattern ("{}" for the part computed), where it is built, and
# the values that part can take, read from the code that produces them.
FAMILIES: dict[str, tuple[str, Callable[[], set[str]]]] = {
    "train.state.{}": ("pages/train.py: the job's state", _job_states),
    "convert.state.{}": ("pages/convert.py: the job's state", _job_states),
    "train.phase.{}": ("ui/train_live.py: core.preparation's phases", _prep_phases),
    "train.hw.{}": ("pages/train.py: the hardware radio's options", lambda: {"cpu", "gpu1", "gpuN"}),
    "config.hw.{}": ("pages/config.py: the hardware radio", lambda: {"gpu", "cpu"}),
    "config.method.{}": ("pages/config.py: core.config.METHODS", _methods),
    "config.method_short.{}": ("ui/config_fit.py: core.config.METHODS", _methods),
    "config.render.{}": ("pages/config.py: core.config.RenderError codes", _render_codes),
    "field.{}": ("pages/config.py: form fields and the fields its checks report", _config_fields),
    "help.{}": ("pages/config.py: number fields (_num)", _number_fields),
    "chat.err.{}": ("ui/chat_models.py: core.chat.ChatError reasons", _chat_reasons),
    "chat.opt.{}": ("ui/chat_models.py: core.chat.RunOption kinds", _chat_options),
    "chat.view.{}": ("pages/chat.py: the view switch", lambda: {"chat", "scorecard"}),
    "chat.sc.kind.{}": ("ui/chat_scorecard.py: core.scorecard row kinds", _scorecard_kinds),
    "dataset.warn.{}": ("ui/dataset_check.py: core.dataset_stats.warnings",
                        lambda: returned("core/dataset_stats.py", "warnings")),
    "dataset.export.{}": ("ui/dataset_save.py: core.dataset_io.EXPORTS", _export_formats),
    "dataset.lang.{}": ("pages/dataset.py: the languages radio", lambda: list_literal("pages/dataset.py",
                                                                                      "dataset.langs")),
    "dataset.mode.{}": ("pages/dataset.py: the mode radio", lambda: list_literal("pages/dataset.py", "dataset.mode")),
    "dataset.target.{}": ("ui/dataset_import.py: the import target radio",
                          lambda: list_literal("ui/dataset_import.py", "dataset.import_target")),
    "dataset.needs.{}": ("ui/dataset_import.py: the fields an identity file's placeholders need",
                         _placeholder_fields),
    "config.attention.{}": ("pages/config.py: core.attention.FASTEST_FIRST (attention.available picks from it)",
                            _attention_choices),
    "cluster.where.{}": ("ui/cluster_panel.py: the where-to-run radio's options",
                         lambda: list_literal("ui/cluster_panel.py", "cluster.where")),
    "dataset.fmt.{}": ("ui/dataset_widgets.py: core.dataset_io's detected formats", _import_formats),
    "dataset.where.{}": ("ui/dataset_widgets.py: the units of core's problems", _problem_units),
    "dataset.kind.{}": ("ui/dataset_widgets.py: what a binary file looks like (core.dataset_io)", _binary_kinds),
    "dataset.p.{}": ("ui/dataset_widgets.py: codes of core's dataset problems", _problem_codes),
    "dataset.reason.{}": ("ui/dataset_widgets.py (say, WORD_VALUES): a problem's reason code", _parse_reasons),
    "step.{}": ("pages/home.py ('step.' + step): core.runs.checklist", _checklist_steps),
    "learning.learnt.{}": ("ui/learning_panel.py: verdict(..., where)", _verdict_places),
    "learning.not_learnt.{}": ("ui/learning_panel.py: verdict(..., where)", _verdict_places),
    "chat.{}": ("pages/chat.py ('chat.' + side): the two sides", lambda: set(_module_constant("ui/chat_models.py",
                                                                                            "SIDES"))),
}

# Whole keys that core hands to the pages (``t(problem[0])``, ``t(snap.failure)``, ``t(key)``):
# the files that produce them and the prefix they share.
CORE_KEYS: dict[str, tuple[str, str]] = {
    "model.err.": ("core/models.py", "pages/home.py, ui/chat_models.py, pages/config.py: check_model_dir"),
    "fail.": ("core/logs.py", "pages/train.py, pages/convert.py: classify_failure"),
    "warn.": ("core/sysinfo.py", "pages/home.py: system check warnings"),
    "convert.warn.": ("core/convert.py", "pages/convert.py: preflight warnings"),
    "config.err.": ("core/config_form.py", "pages/config.py: validate"),
    "learning.advice.": ("core/learning.py", "ui/learning_panel.py: advice"),
}

# Calls of t() (or of a helper that passes its key on to t(), see _key_helpers) whose key is neither a
# literal nor an f-string: (file, source of the argument) -> (what it is, every key it can be).
DYNAMIC_CALLS: dict[tuple[str, str], tuple[str, Callable[[], set[str]]]] = {
    ("pages/home.py", "key"): ("system check warnings", _core_keys("warn.")),
    ("pages/home.py", "problem[0]"): ("check_model_dir", _core_keys("model.err.")),
    ("ui/chat_models.py", "problem[0]"): ("check_model_dir", _core_keys("model.err.")),
    ("pages/convert.py", "key"): ("preflight warnings", _core_keys("convert.warn.")),
    ("pages/convert.py", "snap.failure"): ("classify_failure", _core_keys("fail.")),
    ("pages/train.py", "snap.failure"): ("classify_failure", _core_keys("fail.")),
    ("pages/config.py", "key"): ("validate's message keys", _core_keys("config.err.", "model.err.")),
    ("ui/dataset_widgets.py", "key"): ("say(): 'dataset.p.{code}', used only when it exists",
                                       lambda: {f"dataset.p.{c}" for c in _problem_codes()}),
    ("ui/cluster_panel.py", "exc.key"): ("show_error: a ClusterError from submit/start_node_share",
                                         _cluster_error_keys),
    ("ui/cluster_panel.py", "err.key"): ("_errors: validate_slurm/validate_nodes",
                                         lambda: call_args(["core/cluster.py"], {"ClusterError"}, 0)),
    ("ui/cluster_panel.py", "reason"): ("run_notes: core.cluster.pending_reason", _pending_reason_keys),
    ("ui/learning_panel.py", "a.key"): ("advice: core.learning.advice", _core_keys("learning.advice.")),
}


# ------------------------------------------------------------------ the calls
def _first_param(fn: ast.FunctionDef) -> str | None:
    params = fn.args.posonlyargs + fn.args.args
    return params[0].arg if params else None


def _unwrap(node: ast.AST) -> ast.AST:
    """``plural(key, n)`` as ``key``: it gives ``key`` or ``key.one`` (the latter only when it exists)."""
    while isinstance(node, ast.Call) and getattr(node.func, "id", None) == "plural" and node.args:
        node = node.args[0]
    return node


def _forwarding(fn: ast.FunctionDef) -> list[ast.Call]:
    """The calls of t() in ``fn`` whose key is ``fn``'s first parameter (``t(key)``, ``t(plural(key, n))``)."""
    param = _first_param(fn)
    return [n for n in ast.walk(fn) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "t" and n.args
            and isinstance(_unwrap(n.args[0]), ast.Name) and _unwrap(n.args[0]).id == param]


def _key_helpers() -> tuple[set[str], set[int]]:
    """Helpers that pass their first argument on to t() as its key (``counted``, ``fill``): their calls
    are checked like t()'s; the t() calls inside them that only pass the key on are not."""
    names, inner = set(), set()
    for path in UI_FILES:
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef) and _forwarding(fn):
                names.add(fn.name)
                inner |= {(str(path), n.lineno, n.col_offset) for n in _forwarding(fn)}
    return names, inner


def _t_calls() -> list[tuple[str, ast.Call]]:
    helpers, inner = _key_helpers()
    calls = []
    for path in UI_FILES:
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=rel)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args \
                    and (node.func.id == "t" or node.func.id in helpers) \
                    and (str(path), node.lineno, node.col_offset) not in inner:
                calls.append((rel, node))
    return calls


def _pattern(node: ast.AST) -> str | None:
    """``f"train.state.{state}"`` and ``"step." + step`` as "train.state.{}" and "step.{}"."""
    node = _unwrap(node)
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _str(node.left) is not None:
        return _str(node.left) + "{}"
    return None


def _literal_keys(node: ast.AST) -> list[str]:
    """The keys of ``t("a")``, of ``t("a" if x else "b")`` and of ``t(plural("a", n))``."""
    node = _unwrap(node)
    if _str(node) is not None:
        return [_str(node)]
    if isinstance(node, ast.IfExp) and _str(node.body) is not None and _str(node.orelse) is not None:
        return [_str(node.body), _str(node.orelse)]
    return []


def _labeled_prefixes() -> set[tuple[str, str]]:
    """``labeled("prefix")`` format functions: they show ``t(f"{prefix}.{value}")``."""
    out = set()
    for path in UI_FILES:
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "labeled" and node.args:
                out.add((rel, f"{_str(node.args[0])}.{{}}"))
    return out


# ------------------------------------------------------------------ the tests
def test_every_string_has_both_languages_with_the_same_placeholders():
    bad = []
    for key, entry in STRINGS.items():
        if set(entry) != {"zh", "en"} or not all(isinstance(v, str) and v.strip() for v in entry.values()):
            bad.append(f"{key}: languages {sorted(entry)}")
        elif _placeholders(entry["zh"]) != _placeholders(entry["en"]):
            bad.append(f"{key}: zh {sorted(_placeholders(entry['zh']))} vs en {sorted(_placeholders(entry['en']))}")
    assert not bad, "\n".join(bad)


def test_every_literal_key_exists():
    missing = [f"{rel}:{node.lineno}: {key}" for rel, node in _t_calls()
               for key in _literal_keys(node.args[0]) if key not in STRINGS]
    assert not missing, "\n".join(missing)


def test_every_key_built_at_run_time_belongs_to_a_listed_family():
    unlisted = []
    for rel, node in _t_calls():
        arg = node.args[0]
        if _literal_keys(arg):
            continue
        if (rel, _pattern(arg)) == ("ui/dataset_widgets.py", "{}.{}"):
            continue  # labeled(prefix): its prefixes are checked below
        if (rel, _pattern(arg)) == ("ui/dataset_widgets.py", "dataset.{}.{}"):  # say(): words of WORD_VALUES
            unlisted += [f"{rel}:{node.lineno}: say() words {name!r} values: 'dataset.{name}.{{}}' not in FAMILIES"
                         for name in _module_constant(rel, "WORD_VALUES") if f"dataset.{name}.{{}}" not in FAMILIES]
            continue
        if _pattern(arg) is not None:
            if _pattern(arg) not in FAMILIES:
                unlisted.append(f"{rel}:{node.lineno}: t({ast.unparse(arg)}) builds {_pattern(arg)!r}, "
                                "not in FAMILIES")
        elif (rel, ast.unparse(arg)) not in DYNAMIC_CALLS:
            unlisted.append(f"{rel}:{node.lineno}: t({ast.unparse(arg)}) is not in DYNAMIC_CALLS")
    for rel, pattern in _labeled_prefixes():
        if pattern not in FAMILIES:
            unlisted.append(f"{rel}: labeled() shows {pattern!r}, not in FAMILIES")
    assert not unlisted, "\n".join(unlisted)


@pytest.mark.parametrize("pattern", sorted(FAMILIES))
def test_each_family_is_complete_for_what_its_source_produces(pattern):
    where, values = FAMILIES[pattern]
    produced = values()
    assert produced, f"{pattern}: no values found in its source ({where})"
    missing = sorted(pattern.format(v) for v in produced if pattern.format(v) not in STRINGS)
    assert not missing, f"{pattern} ({where}) lacks: {missing}"


@pytest.mark.parametrize("call", sorted(DYNAMIC_CALLS), ids=lambda c: f"{c[0]}:{c[1]}")
def test_each_key_passed_whole_has_a_string(call):
    where, keys = DYNAMIC_CALLS[call]
    produced = keys()
    assert produced, f"{call}: no keys found in its source ({where})"
    missing = sorted(k for k in produced if k not in STRINGS)
    assert not missing, f"t({call[1]}) in {call[0]} ({where}) can get keys with no string: {missing}"


def test_each_singular_has_its_plural_with_the_same_values():
    """``plural(key, n)`` gives ``key.one`` when n is 1: filled with the same values as ``key``."""
    bad = []
    for key, entry in STRINGS.items():
        if key.endswith(".one"):
            base = STRINGS.get(key.removesuffix(".one"))
            if base is None:
                bad.append(f"{key}: no {key.removesuffix('.one')}")
            elif not _placeholders(entry["en"]) <= _placeholders(base["en"]):
                bad.append(f"{key}: {sorted(_placeholders(entry['en']) - _placeholders(base['en']))} not in the plural")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("prefix", sorted(CORE_KEYS))
def test_keys_core_hands_to_the_pages_exist(prefix):
    rel, where = CORE_KEYS[prefix]
    produced = strings_starting(rel, prefix)
    assert produced, f"no {prefix}* keys found in {rel} ({where})"
    missing = sorted(k for k in produced if k not in STRINGS)
    assert not missing, f"{rel} ({where}) hands out keys with no string: {missing}"


def test_a_missing_key_fails_under_tests_and_shows_the_key_otherwise(monkeypatch):
    assert os.environ.get(i18n.STRICT_ENV) == "1"  # set by tests/conftest.py for every test and app server
    with pytest.raises(i18n.MissingString, match="no.such.key"):
        t("no.such.key")
    monkeypatch.delenv(i18n.STRICT_ENV)
    assert t("no.such.key") == "no.such.key"


def test_a_placeholder_may_be_called_key():
    """Dataset problems carry a value named ``key`` (the field that is missing)."""
    STRINGS["test.with_key"] = {"zh": "缺少 {key}", "en": "{key} is missing"}
    try:
        assert t("test.with_key", key="input") == "缺少 input"
    finally:
        del STRINGS["test.with_key"]
