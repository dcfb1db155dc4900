import torch
from torch import nn

torch.manual_seed(0)

# random data instead of FashionMNIST: 3 features, 2 outputs fitted by least squares
inputs = torch.rand(2, 3)
targets = torch.rand(2, 2)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(3, 3),
            nn.ReLU(),
            nn.Linear(3, 3),
            nn.ReLU(),
            nn.Linear(3, 2),
        )

    def forward(self, x):
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork()
print(model)

learning_rate = 1e-1
epochs = 5


def loss_fn(pred, y):
    return ((pred - y) ** 2).mean()


def train_loop(X, y, model, loss_fn, optimizer):
    # Set the model to training mode - important for batch normalization and dropout layers
    model.train()
    # Compute prediction and loss
    pred = model(X)
    loss = loss_fn(pred, y)

    # Backpropagation
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()

    print(f"loss: {loss:>7.4f}  [{len(X):>5d}/{len(X):>5d}]")


def test_loop(X, y, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    model.eval()
    # Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
    with torch.no_grad():
        pred = model(X)
        test_loss = loss_fn(pred, y).item()
    print(f"Test Error: \n Avg loss: {test_loss:>8.4f} \n")


optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(inputs, targets, model, loss_fn, optimizer)
    test_loop(inputs, targets, model, loss_fn)
print("Done!")
