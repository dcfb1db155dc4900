import torch
x = torch.tensor(2.0, requires_grad=True)
z = x * 3
z.backward()
print("a",
      z.grad,
      x.grad)
print(
    float(z))
v = torch.tensor([1.0, 2.0],
                 requires_grad=True)
w = (v *
     2)
w.backward(
)
