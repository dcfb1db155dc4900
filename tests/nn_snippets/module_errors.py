import torch
import torch.nn as nn


class Early(nn.Module):
    def __init__(self):
        self.fc = nn.Linear(2, 2)


class NoForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(2))


try:
    Early()
except AttributeError as e:
    print("AttributeError:", e)
m = NoForward()
try:
    m(torch.ones(2))
except NotImplementedError as e:
    print("NotImplementedError:", e)
try:
    m.w = torch.zeros(2)
except TypeError as e:
    print("TypeError:", e)
m.w = nn.Parameter(torch.zeros(2))
print(m.w)
layer = nn.Linear(3, 4)
try:
    layer(torch.ones(2, 5))
except RuntimeError as e:
    print("RuntimeError:", e)
y = (m.w * 2).sum()
y.backward()
print(m.w.grad)
