"""torch.autograd.graph's context managers about saved tensors, on a CPU engine: disable_saved_tensors_hooks (its
message is the RuntimeError of any saved-tensor hooks entered meanwhile), save_on_cpu (moves nothing: everything is
on the CPU already) and allow_mutation_on_saved_tensors (in-place changes meanwhile write new arrays, so what nodes
saved keeps its values, and backward does not refuse them)."""

from __future__ import annotations

import contextlib
import types

state = types.SimpleNamespace(disabled=None, mutation=False)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str):
    previous, state.disabled = state.disabled, error_message
    try:
        yield
    finally:
        state.disabled = previous


class save_on_cpu:  # noqa: N801 - PyTorch's name
    def __init__(self, pin_memory: bool = False, device_type: str = "cuda"):
        self.pin_memory, self.device_type = pin_memory, device_type

    def __enter__(self):
        if state.disabled is not None:
            raise RuntimeError(state.disabled)
        return self

    def __exit__(self, *exc) -> None:
        return None

    def __repr__(self) -> str:
        return f"<torch.autograd.graph.save_on_cpu object at {hex(id(self))}>"


@contextlib.contextmanager
def allow_mutation_on_saved_tensors():
    if state.mutation:
        raise RuntimeError("allow_mutation_on_saved_tensors contexts cannot be nested")
    state.mutation = True
    try:
        yield
    finally:
        state.mutation = False
