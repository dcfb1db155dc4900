import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)


model = Net()
x = torch.randn(5, 4)
labels = torch.tensor([0, 2, 1, 1, 0])
criterion = nn.CrossEntropyLoss()
print(criterion)
loss = criterion(model(x), labels)
print(loss)
loss.backward()
print(model.fc.weight.grad)
print(model.fc.bias.grad)
model.zero_grad()
smoothed = nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum")(model(x), labels)
print(smoothed)
print(F.cross_entropy(model(x), labels, reduction="none"))
target = torch.randn(5, 3)
mse = nn.MSELoss()
loss = mse(model(x), target)
print(loss)
loss.backward()
print(model.fc.weight.grad)
print(nn.MSELoss(reduction="none")(model(x), target))
print(nn.NLLLoss()(torch.log_softmax(model(x), dim=1), labels))
