import torch

def power(x, n):
    if n == 0:
        return torch.ones(())
    if n % 2 == 0:
        half = power(x, n // 2)
        return half * half
    return x * power(x, n - 1)

x = torch.tensor(1.5, requires_grad=True)
y = power(x, 5)
y.backward()
print(y)
print(x.grad, 5 * 1.5 ** 4)
