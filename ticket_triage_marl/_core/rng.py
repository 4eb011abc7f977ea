"""Randomness: a counter-based hash of (seed, episode, key, purpose, index).

Draws never depend on the order of evaluation, and the exogenous stream
(arrival times and ticket attributes, keyed by step and ticket id) does not
depend on the actions taken, which gives common random numbers. The hash is a
32-bit lowbias32 mixer in uint64 arithmetic kept below 2**64, so it never
overflows, compiled or in plain Python.

Each function has one explicit signature: arguments of any integer type are
converted to int64 at the call, so numba compiles each of them once instead
of once per literal purpose.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .jit import ENTRY_JIT as JIT  # explicit signatures: compiled at import, wrappers are small
from .types import Int

_M32 = np.uint64(0xFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B9)
_MUL_1 = np.uint64(0x7FEB352D)
_MUL_2 = np.uint64(0x846CA68B)
_S16 = np.uint64(16)
_S15 = np.uint64(15)


@njit("uint64(uint64)", **JIT)
def _mix32(x: np.uint64) -> np.uint64:
    x = x ^ (x >> _S16)
    x = (x * _MUL_1) & _M32
    x = x ^ (x >> _S15)
    x = (x * _MUL_2) & _M32
    x = x ^ (x >> _S16)
    return x


@njit("uint64(uint64, int64)", **JIT)
def _absorb(h: np.uint64, value: Int) -> np.uint64:
    return _mix32((h + (np.uint64(value) & _M32) + _GOLDEN) & _M32)


@njit("int64(int64, int64, int64)", **JIT)
def hash_prefix(seed_lo: Int, seed_hi: Int, episode: Int) -> np.int64:
    """The hash of (seed, episode) that every draw of the episode starts from."""
    h = _absorb(np.uint64(0), seed_lo)
    h = _absorb(h, seed_hi)
    prefix: np.int64 = np.int64(_absorb(h, episode))
    return prefix


@njit("float64(int64, int64, int64, int64)", **JIT)
def uniform(prefix: Int, key: Int, purpose: Int, index: Int) -> float:
    """A uniform draw in (0, 1): the hash of (``prefix`` = the episode's
    :func:`hash_prefix`, key, purpose, index)."""
    h = _absorb(np.uint64(prefix), key)
    h = _absorb(h, purpose)
    h = _absorb(h, index)
    return (float(h) + 0.5) / 4294967296.0


@njit("float64(int64, int64, int64, int64, int64)", **JIT)
def standard_normal(prefix: Int, key: Int, purpose_1: Int, purpose_2: Int, index: Int) -> float:
    """Box-Muller from two keyed uniforms."""
    u1 = uniform(prefix, key, purpose_1, index)
    u2 = uniform(prefix, key, purpose_2, index)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
