"""`orkit._exports.publish` on a package made up here: what moves, what is renamed, what stays,
and that type hints still resolve once a class names its package."""

from __future__ import annotations

import pickle
import sys
import textwrap
import typing
from collections.abc import Iterator, Mapping
from types import ModuleType

import pytest

from orkit._exports import publish
from orkit.errors import ConfigError

PACKAGE = "orkit_publish_probe"

PRIVATE_SOURCE = """
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Limits:
    per_model: Mapping[str, float] = field(default_factory=dict)


class Priced:
    price: Decimal  # only a type checker can resolve this one


def rubric(text: str) -> Mapping[str, str]:
    return {"rubric": text}
"""


def _module(name: str, source: str = "") -> ModuleType:
    module = ModuleType(name)
    sys.modules[name] = module
    exec(compile(textwrap.dedent(source), f"<{name}>", "exec"), vars(module))
    return module


@pytest.fixture
def package() -> Iterator[dict[str, object]]:
    """A package `orkit_publish_probe` whose `_private` module defines what it exports."""
    private = _module(f"{PACKAGE}._private", PRIVATE_SOURCE)
    namespace = vars(_module(PACKAGE))
    namespace.update(
        Limits=private.Limits,
        Priced=private.Priced,
        judge_rubric=private.rubric,  # re-exported under another name
        ConfigError=ConfigError,  # re-exported from its own public home
        LIMIT=3,
        __all__=["LIMIT", "ConfigError", "Limits", "Priced", "judge_rubric"],
    )
    yield namespace
    for name in (PACKAGE, f"{PACKAGE}._private"):
        del sys.modules[name]


def test_classes_and_functions_move_to_the_package(package: dict[str, typing.Any]) -> None:
    publish(package)
    assert package["Limits"].__module__ == PACKAGE
    assert package["Priced"].__module__ == PACKAGE
    assert package["judge_rubric"].__module__ == PACKAGE
    assert repr(package["Limits"]()) == "Limits(per_model={})"


def test_a_renamed_reexport_takes_its_public_name_and_pickles_by_it(
    package: dict[str, typing.Any],
) -> None:
    publish(package)
    judge_rubric = package["judge_rubric"]
    assert judge_rubric.__name__ == judge_rubric.__qualname__ == "judge_rubric"
    assert pickle.loads(pickle.dumps(judge_rubric)) is judge_rubric
    assert judge_rubric("polite") == {"rubric": "polite"}


def test_values_of_a_moved_dataclass_still_pickle(package: dict[str, typing.Any]) -> None:
    publish(package)
    limits = package["Limits"](per_model={"m": 1.0})
    assert pickle.loads(pickle.dumps(limits)) == limits


def test_names_from_another_public_home_and_constants_stay(
    package: dict[str, typing.Any],
) -> None:
    publish(package)
    assert ConfigError.__module__ == "orkit.errors"
    assert package["LIMIT"] == 3


def test_type_hints_resolve_after_the_move(package: dict[str, typing.Any]) -> None:
    limits = package["Limits"]
    publish(package)
    assert typing.get_type_hints(limits) == {"per_model": Mapping[str, float]}
    # A hint nothing can resolve at runtime stays a string, and publishing does not fail.
    assert package["Priced"].__annotations__ == {"price": "Decimal"}


def test_without_resolving_first_the_hints_would_be_lost(package: dict[str, typing.Any]) -> None:
    """What `publish` guards against: the package does not import `Mapping`."""
    package["Limits"].__module__ = PACKAGE
    with pytest.raises(NameError, match="Mapping"):
        typing.get_type_hints(package["Limits"])
