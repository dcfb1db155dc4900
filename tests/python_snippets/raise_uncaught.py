import torch
def check(t):
    if t.item() < 0:
        raise ValueError("negative input")
    return t
x = torch.tensor(-1.0, requires_grad=True)
(x * 2).backward()
print(x.grad)
check(x)
