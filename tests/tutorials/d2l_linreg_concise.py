import torch
from torch import nn

torch.manual_seed(1)


def synthetic_data(w, b, num_examples):
    """Generate y = Xw + b + noise."""
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = X @ w + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y


true_w = torch.tensor([[2.0], [-3.4]])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 100)

net = nn.Sequential(nn.Linear(2, 1))
net[0].weight.data.normal_(0, 0.01)
net[0].bias.data.fill_(0)


def loss(y_hat, y):
    return ((y_hat - y) ** 2).mean()


trainer = torch.optim.SGD(net.parameters(), lr=0.03)

num_epochs = 3
for epoch in range(num_epochs):
    for _ in range(10):
        l = loss(net(features), labels)
        trainer.zero_grad()
        l.backward()
        trainer.step()
    l = loss(net(features), labels)
    print(f'epoch {epoch + 1}, loss {l:.4f}')

w = net[0].weight.data
print('estimated w:', w)
b = net[0].bias.data
print('error in estimating b:', true_b - b)
