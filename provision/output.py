"""The commands' results on stdout, so --quiet (which silences logs) still shows them."""

from __future__ import annotations


def out(text: str) -> None:
    print(text, flush=True)
