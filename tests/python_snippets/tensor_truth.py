import torch
x = torch.tensor([2.0], requires_grad=True)
y = x * x
if y > 3:
    print("big")
print(bool(torch.tensor(0.0)), not torch.tensor(1.0))
z = torch.tensor([1.0, 2.0])
while z:
    pass
