import torch
x = torch.tensor(3.14159, requires_grad=True)
y = x * 2
print(f"{y:.3f} {x.item():8.4f} {7:03d} {'ab':>5}|{1e-5:.2e}")
print("{} and {:.2f} and {name}".format(1, 2.5, name="n"))
v = torch.tensor([1.0, 2.0])
print(f"{v}")
print(f"{v:.2f}")
