import torch

params = [torch.tensor(1.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)]
for step in range(2):
    loss = params[0] * params[1]
    loss.backward()
    print(step, [p.grad for p in params])
    for p in params:
        p.grad = None
print([p.grad for p in params])
