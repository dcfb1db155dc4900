# tensors over 1000 elements print as summaries, as PyTorch prints them
import torch

x = torch.tensor([[1., 2., 3.]], requires_grad=True)
y = x * torch.ones(340, 1) * 0.5
print(y)
print(torch.zeros(1200, dtype=torch.float64))
print(torch.ones(2, 600, requires_grad=True) * 1e-5)
loss = (x * x).sum()
loss.backward()
print(x.grad)
