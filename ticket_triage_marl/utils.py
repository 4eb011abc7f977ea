"""Compatibility module: the seed imported ``EnvConfig`` from ``...utils``."""

from .config import EnvConfig, load_config

__all__ = ["EnvConfig", "load_config"]
