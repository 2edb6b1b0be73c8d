"""The examples in every module's docstrings run, imported under the package's one namespace."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import govpath

SKIP = ("govpath.store.migrations",)


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(govpath.__path__, "govpath."):
        if not info.name.startswith(SKIP):
            names.append(info.name)
    return sorted(names)


MODULES = [m for m in _modules() if "__main__" not in m]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
