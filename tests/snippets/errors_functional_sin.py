# torch.nn.functional has the activations (relu, sigmoid, tanh, softplus), not torch's other functions
import torch.nn.functional as F
import torch

x = torch.tensor(0.5, requires_grad=True)
print(F.relu(x), F.sigmoid(x), F.tanh(x))
F.sin(x)
