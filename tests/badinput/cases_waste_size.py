"""Rows for ``twin waste size SCENARIO``: options out of range, a scenario without waste, bad fleets."""

from __future__ import annotations

from badinput import Case

HEAD = '[scenario]\nname = "s"\ncity = "testville"\n'
GOOD = {"s.toml": HEAD + "\n[waste]\nroute_iterations = 5\n"}
SIZE = ("waste", "size", "s.toml")


def with_waste(line: str) -> dict[str, str]:
    return {"s.toml": HEAD + f"\n[waste]\nroute_iterations = 5\n{line}\n"}


CASES = [
    Case("waste_size-missing-file", ("waste", "size", "nope.toml"), "nope.toml"),
    Case("waste_size-no-waste", SIZE, "does not run the waste module",
         files={"s.toml": HEAD + "\n[access]\n"}),
    Case("waste_size-slack-nan", (*SIZE, "--slack", "nan"), "argument --slack", files=GOOD),
    Case("waste_size-slack-one", (*SIZE, "--slack", "1"), "argument --slack", files=GOOD),
    Case("waste_size-slack-negative", (*SIZE, "--slack", "-0.1"), "argument --slack", files=GOOD),
    Case("waste_size-iterations-zero", (*SIZE, "--iterations", "0"), "argument --iterations", files=GOOD),
    Case("waste_size-iterations-float", (*SIZE, "--iterations", "2.5"), "argument --iterations", files=GOOD),
    Case("waste_size-depot-trucks-length", SIZE,
         "waste.depot_trucks.kitchen: 2 values for the 1 waste depots",
         files=with_waste("depot_trucks = { kitchen = [1, 2] }")),
    Case("waste_size-depot-trucks-zero", SIZE, "stream 'residual' has no trucks",
         files=with_waste("depot_trucks = { residual = [0] }")),
    Case("waste_size-depot-trucks-negative", SIZE, "depot_trucks.kitchen",
         files=with_waste("depot_trucks = { kitchen = [-1] }")),
    Case("waste_size-depot-trucks-stream", SIZE, "unknown stream 'food'",
         files=with_waste("depot_trucks = { food = [1] }")),
    Case("waste_size-shift-zero", SIZE, "waste.shift_h", files=with_waste("shift_h = 0.0")),
]
