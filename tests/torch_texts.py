"""PyTorch 2.13's refusal texts that the engine and `run` tests both expect, recorded from torch."""

SUB_BOOL = (
    "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
    "use the `~` or `logical_not()` operator instead."
)
SUB_BOOLS = (
    "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
    "operator instead."
)
NEG_BOOL = (
    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use "
    "the `~` or `logical_not()` operator instead."
)

# keepdim without a dim (or another call no overload of sum/mean takes): PyTorch's argument parser lists these
SUM_OVERLOADS = (
    " * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, tuple of ints dim, bool keepdim = "
    "False, *, torch.dtype dtype = None, Tensor out = None)\n"
)
MEAN_OVERLOADS = (
    " * (Tensor input, *, torch.dtype dtype = None, Tensor out = None)\n * (Tensor input, tuple of ints "
    "dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = None)\n"
)
METHOD_OVERLOADS = (
    " * (*, torch.dtype dtype = None)\n * (tuple of ints dim, bool keepdim = False, *, torch.dtype "
    "dtype = None)\n"
)  # x.sum(...) and x.mean(...)
POW_OVERLOADS = (
    " * (Tensor input, Tensor exponent, *, Tensor out = None)\n * (Number self, Tensor exponent, *, "
    "Tensor out = None)\n * (Tensor input, Number exponent, *, Tensor out = None)\n"
)  # torch.pow(2, 3)
CLAMP_NO_BOUND = "torch.clamp: At least one of 'min' or 'max' must not be None"  # clamp, clip, either, no bound
