"""Compatibility module: the flat-observation wrappers live in :mod:`ticket_triage_marl.envs.wrappers`."""

from .envs.wrappers import FlatObservationWrapper, flatten_observations, mask_from_flat

__all__ = ["FlatObservationWrapper", "flatten_observations", "mask_from_flat"]
