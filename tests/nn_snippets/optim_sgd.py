import torch

torch.manual_seed(0)
x = torch.randn(8, 3)
true_w = torch.tensor([[1.0, -2.0, 0.5]])
y = (x * true_w).sum(dim=1, keepdim=True) + 0.1

model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
print(optimizer)
for epoch in range(20):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    if epoch % 5 == 4:
        print(epoch, f"{loss.item():.5f}")
print(model.weight, model.bias)
print(optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["momentum"])
for group in optimizer.param_groups:
    group["lr"] = 0.01
optimizer.step()
print(model.weight.grad is None, model.bias)
plain = torch.optim.SGD([model.weight], lr=0.5, dampening=0.5, momentum=0.5, maximize=True)
loss = (model(x) ** 2).mean()
loss.backward()
plain.step()
plain.step()
print(model.weight)
plain.zero_grad(set_to_none=False)
print(model.weight.grad, model.bias.grad)
