import torch
import torch.nn as nn


class Net(nn.Module):
    """A two-layer network with a scale of its own."""

    def __init__(self, hidden=4):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(3, hidden)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(hidden, 2)
        self.scale = nn.Parameter(torch.tensor(0.5))
        self.hidden = hidden

    def forward(self, x):
        h = self.act(self.fc1(x))
        return self.fc2(h) * self.scale


torch.manual_seed(1)
model = Net()
print(model)
print(model.hidden, model.training, model.fc1.in_features, model.fc1.out_features)
print(model.scale)
for name, p in model.named_parameters():
    print(name, p.shape, p.requires_grad)
print(len(list(model.parameters())))
print(model.state_dict())
x = torch.randn(2, 3)
out = model(x)
print(out)
loss = out.pow(2).sum()
loss.backward()
print(model.fc2.bias.grad)
print(model.scale.grad)
model.zero_grad()
print(model.scale.grad, model.fc1.weight.grad)
model.eval()
print(model.training, model.fc1.training)
model.train()
print(model.training, model.act.training)
print(model.forward(torch.ones(3)))
