"""Splitting a batch of files between processes: ``--shard K/N`` or the launcher's environment.

``accelerate launch --num_processes N -m m2s_gen.cli upmix ...`` (or ``torchrun``) sets ``RANK`` and
``WORLD_SIZE`` in each process; each then takes every N-th file of the same sorted plan, so the
processes never write the same output and need not talk to each other.
"""
from __future__ import annotations

import os


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` -> ``(K, N)`` with ``0 <= K < N``; a ``ValueError`` says what is wrong."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"expected K/N (this process's index and the number of processes), got {text!r}") from None
    if not 0 <= index < count:
        raise ValueError(f"need 0 <= K < N, got {text!r}")
    return index, count


def shard_from_environment(environ=None) -> tuple[int, int]:
    """``(RANK, WORLD_SIZE)`` set by ``accelerate launch`` / ``torchrun``; ``(0, 1)`` when absent."""
    environ = os.environ if environ is None else environ
    try:
        count = int(environ.get("WORLD_SIZE", "1"))
        index = int(environ.get("RANK", "0"))
    except ValueError:
        return 0, 1
    return (index, count) if 0 <= index < count else (0, 1)


def local_device(device: str, environ=None) -> str:
    """``"cuda"`` becomes ``"cuda:LOCAL_RANK"`` under a launcher, so each process gets its own GPU."""
    environ = os.environ if environ is None else environ
    if device == "cuda" and "LOCAL_RANK" in environ:
        return f"cuda:{int(environ['LOCAL_RANK'])}"
    return device


def take_shard(items: list, index: int, count: int) -> list:
    """Every ``count``-th item starting at ``index``."""
    return items[index::count]
