import torch
a = torch.tensor(2.0)
b = a * 2               # computed before b requires grad: an ordinary leaf
print(b.is_leaf, b.requires_grad, b.grad_fn)
b.requires_grad_()
print(b.is_leaf, b.requires_grad)
t = torch.tensor([1.0, 2.0])
t.requires_grad = True
c = (b * 3 + t * t).sum()
c.backward()
print(b.grad, t.grad, a.grad)
y = t * 2
y.requires_grad_(True)   # allowed on a non-leaf when already True
print("requires_grad_(True) on non-leaf ok", y.requires_grad)
