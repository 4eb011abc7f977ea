"""The simulation core: state layout, numba kernels and the batched state.

Never imports gymnasium or pettingzoo; adapters live one level up.
"""
