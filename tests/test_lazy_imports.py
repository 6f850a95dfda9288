"""The package's public names load on first use, so the command line answers at once.

``symbiosis-abm --help`` and an argument error need neither the model, Mesa nor the
compiled kernels (about 1.5 s of imports); the public API is the same as before.
"""

from __future__ import annotations

import subprocess
import sys

import symbiosis_abm
import symbiosis_abm.calibration
import symbiosis_abm.sweep

HEAVY = ("symbiosis_abm.model", "symbiosis_abm.params", "mesa", "numba", "pandas")


def _modules_after(code: str, heavy: tuple[str, ...] = HEAVY) -> set[str]:
    """The ``heavy`` modules loaded by a fresh interpreter running ``code``."""
    probe = f"{code}\nimport sys\nprint(*[m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


def test_importing_the_package_loads_no_model():
    assert _modules_after("import symbiosis_abm, symbiosis_abm.sweep, "
                          "symbiosis_abm.calibration") == set()


def _after_cli(argv: list[str], heavy: tuple[str, ...] = HEAVY) -> set[str]:
    """The ``heavy`` modules loaded by ``symbiosis-abm *argv`` (its output swallowed)."""
    return _modules_after("import contextlib, io, sys\nfrom symbiosis_abm.cli import main\n"
                          f"sys.argv = ['symbiosis-abm', *{argv!r}]\n"
                          "with contextlib.redirect_stdout(io.StringIO()), "
                          "contextlib.redirect_stderr(io.StringIO()), "
                          "contextlib.suppress(SystemExit):\n    main()", heavy)


def test_the_command_line_help_and_its_errors_load_no_model():
    for argv in (["--help"], ["sweep", "--help"], ["calibrate", "--help"],
                 ["run", "--no-such-option"]):
        assert _after_cli(argv) == set(), argv


def test_a_wrong_region_setting_or_spec_is_told_before_the_model_loads():
    """``run`` and ``opportunities`` check their ``--set`` values and region, and
    ``calibrate`` its spec, before they load the model or pyabc (a wrong region took 1.9 s
    to be told, a wrong ``--set`` 1.8 s, a missing spec 3.9 s)."""
    for command in ("run", "opportunities"):
        assert _after_cli([command, "kalundborg", "--set", "no_such=1"]) == {
            "symbiosis_abm.params"}, command
        wrong_region = _after_cli([command, "no_such_region"])
        assert not wrong_region & {"symbiosis_abm.model", "mesa", "numba"}, command
    missing_spec = _after_cli(["calibrate", "no_such_spec.toml"], HEAVY + ("pyabc",))
    assert not missing_spec & {"symbiosis_abm.model", "mesa", "numba", "pyabc"}


def test_every_public_name_resolves_to_its_home_module():
    for package in (symbiosis_abm, symbiosis_abm.sweep, symbiosis_abm.calibration):
        for name in package.__all__:
            value = getattr(package, name)
            assert value.__module__.startswith(package.__name__), name
        assert set(package.__all__) <= set(dir(package))


def test_an_unknown_name_is_an_attribute_error():
    try:
        symbiosis_abm.NoSuchThing  # noqa: B018
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("symbiosis_abm.NoSuchThing resolved")


def test_star_import_gives_the_public_api():
    scope: dict = {}
    exec("from symbiosis_abm import *", scope)
    assert {"SymbiosisModel", "Parameters", "load_results"} <= set(scope)


def test_a_name_shared_with_its_module_stays_the_function_once_the_module_loads():
    """``symbiosis_abm.opportunities`` is the function, also after ``opportunities.py``
    is imported (the import system binds a loaded submodule to its package's name)."""
    code = ("import types, symbiosis_abm\n"
            "from symbiosis_abm.opportunities import link_census\n"
            "import symbiosis_abm.opportunities\n"
            "assert isinstance(symbiosis_abm.opportunities, types.FunctionType)\n"
            "assert symbiosis_abm.opportunities.__module__ == 'symbiosis_abm.opportunities'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_deferred_module_runs_at_its_first_use_and_not_at_an_import_statement():
    """``defer_import``: further ``import`` statements (``import x``, ``from x import``
    of a submodule's parent) give the module without running it; its first attribute
    lookup, or the import of a submodule, runs it once, and it then works as imported."""
    code = ("import sys\n"
            "from symbiosis_abm._lazy import defer_import\n"
            "defer_import('json')\n"
            "import json\n"
            "import json as again\n"
            "print('json.decoder' in sys.modules, json is again)\n"
            "import json.tool\n"
            "print('json.decoder' in sys.modules, type(json).__name__)\n"
            "print(json.dumps({'a': 1}), json.tool.__name__)\n"
            "defer_import('no_such_module_here'); print('no_such_module_here' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines() == ["False True", "True module", '{"a": 1} json.tool',
                                        "False"]
