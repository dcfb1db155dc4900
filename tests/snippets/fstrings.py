import torch
x = torch.tensor(3.0, requires_grad=True)
v = torch.tensor([1.0, 2.0])
y = x ** 2
y.backward()
print(f"x = {x}, y = {y:.3f}, repr: {y!r}")
print(f"vector {v}, grad {x.grad}, item {x.grad.item():>8.2f}")
print(f"{x.grad=}")
width = 6
print(f"[{y.item():{width}.1f}] {x.requires_grad!s:>6} {x.is_leaf} {y.grad_fn.name()}")
print(f"{'text':^10}|{3 * 2}|{2.5 / 2}|{x.dtype}|{v.shape}")
