"""Reads Tests/expectations.json: which real models run on which delegate, with which inputs,
precision and tolerance, and why.

Each entry of "checks" runs once per delegate it names (and, with "forward", once per seed behind the
forwarding test plugin); one such run is named ID@DELEGATE, or ID@DELEGATE#SEED. conformance.py
--check NAME runs one of them, --list-checks prints their names.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass



def _find() -> str:
    """Tests/expectations.json in the nearest folder above this script that has one: the repository
    (scripts/test/), or the device bundle that carries a copy beside its scripts/ (scripts/device/bundle.sh)."""
    folder = os.path.dirname(os.path.abspath(__file__))
    while True:
        candidate = os.path.join(folder, "Tests", "expectations.json")
        if os.path.isfile(candidate) or os.path.dirname(folder) == folder:
            return candidate
        folder = os.path.dirname(folder)


PATH = _find()
REPO = os.path.dirname(os.path.dirname(PATH))


def load(path: str = PATH) -> dict:
    with open(path) as file:
        return json.load(file)


@dataclass(frozen=True)
class Run:
    """One conformance.py run of a check: the entry, the delegate it runs on, the forwarding seed."""

    entry: dict
    delegate: str
    seed: int | None = None

    @property
    def name(self) -> str:
        return f"{self.entry['id']}@{self.delegate}" + (f"#{self.seed}" if self.seed is not None else "")

    def models(self, data: dict) -> list[str]:
        models = self.entry["models"]
        return list(data["model_sets"][models]) if isinstance(models, str) else list(models)


def runs(data: dict, delegates: list[str] | None = None) -> list[Run]:
    """Every run of every check, delegate by delegate (the order the delegates first appear in),
    each delegate's checks in file order; only those on `delegates` when given."""
    order: list[str] = []
    for entry in data["checks"]:
        order += [d for d in entry["delegates"] if d not in order]
    if delegates is not None:
        order = [d for d in order if d in delegates]
    result = []
    for delegate in order:
        for entry in data["checks"]:
            if delegate not in entry["delegates"]:
                continue
            seeds = entry.get("forward", {}).get("seeds")
            result += [Run(entry, delegate, seed) for seed in seeds] if seeds else [Run(entry, delegate)]
    return result


def find(data: dict, name: str) -> Run:
    """The run called `name` (ID@DELEGATE or ID@DELEGATE#SEED); KeyError naming the known ones."""
    for run in runs(data):
        if run.name == name:
            return run
    raise KeyError(f"no check {name!r} in {os.path.relpath(PATH, REPO)}; known: "
                   + ", ".join(run.name for run in runs(data)))
