"""The package boundaries of ARCHITECTURE.md, checked on the source (imports only)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGES = ("airspace", "firmware_bridge", "simulators", "fleet")
# What each package may import among the project's packages (itself is always allowed).
ALLOWED = {
    "airspace": set(),
    "firmware_bridge": set(),
    "simulators": set(),
    "fleet": {"airspace", "firmware_bridge", "simulators"},
}
# Third-party modules confined to some packages.
CONFINED = {"pymavlink": {"firmware_bridge", "simulators"}}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_respect_the_architecture(package: str) -> None:
    offenders = []
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        roots = _imported_roots(path)
        for other in (set(PACKAGES) - {package}) & roots:
            if other not in ALLOWED[package]:
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {other}")
        for module, owners in CONFINED.items():
            if module in roots and package not in owners:
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {module}")
    assert offenders == []


CLIENT_ALLOWED = ("fleet.demo", "fleet.cli.serve", "fleet.cli.token", "fleet.runner.clock")
CLIENT_FORBIDDEN = ("fleet.service", "fleet.scheduler", "fleet.dispatch", "fleet.runner")
CLIENT_EXCEPTIONS = ("fleet.service.settings",)  # the configuration it starts the service with


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def _within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_the_demo_is_a_client_of_the_service() -> None:
    """fleet/demo starts the service as ``skyfleet serve`` builds it and then speaks HTTP and
    the WebSocket only: no service internals, no scheduler, no dispatcher, no runner."""
    offenders = []
    for path in sorted((REPO_ROOT / "fleet" / "demo").rglob("*.py")):
        for module in _imported_modules(path):
            if _within(module, CLIENT_ALLOWED) or _within(module, CLIENT_EXCEPTIONS):
                continue
            if _within(module, CLIENT_FORBIDDEN):
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {module}")
    assert offenders == []
