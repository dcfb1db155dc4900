# Andrej Karpathy, "Neural Networks: Zero to Hero", makemore part 3 (activations, gradients, BatchNorm): the
# network built from plain classes, trained a few steps, and the cells that print its statistics.
import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(2147483647)  # for reproducibility


class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = torch.randn((fan_in, fan_out), generator=g) / fan_in**0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        # parameters (trained with backprop)
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        # buffers (trained with a running 'momentum update')
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        # calculate the forward pass
        if self.training:
            xmean = x.mean(0, keepdim=True)  # batch mean
            xvar = x.var(0, keepdim=True)  # batch variance
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)  # normalize to unit variance
        self.out = self.gamma * xhat + self.beta
        # update the buffers
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


# random contexts of a small vocabulary stand for names.txt's
vocab_size = 5  # the number of characters
block_size = 3  # context length: how many characters do we take to predict the next one?
n_embd = 2  # the dimensionality of the character embedding vectors
n_hidden = 4  # the number of neurons in the hidden layer of the MLP
Xtr = torch.randint(0, vocab_size, (20, block_size), generator=g)
Ytr = torch.randint(0, vocab_size, (20,), generator=g)

C = torch.randn((vocab_size, n_embd), generator=g)
layers = [
    Linear(n_embd * block_size, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, vocab_size, bias=False), BatchNorm1d(vocab_size),
]

with torch.no_grad():
    # last layer: make less confident
    layers[-1].gamma *= 0.1
    # all other layers: apply gain
    for layer in layers[:-1]:
        if isinstance(layer, Linear):
            layer.weight *= 5 / 3

parameters = [C] + [p for layer in layers for p in layer.parameters()]
print(sum(p.nelement() for p in parameters))  # number of parameters in total
for p in parameters:
    p.requires_grad = True

max_steps = 3
batch_size = 4
lossi = []
ud = []

for i in range(max_steps):
    # minibatch construct
    ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
    Xb, Yb = Xtr[ix], Ytr[ix]  # batch X,Y

    # forward pass
    emb = C[Xb]  # embed the characters into vectors
    x = emb.view(emb.shape[0], -1)  # concatenate the vectors
    for layer in layers:
        x = layer(x)
    loss = F.cross_entropy(x, Yb)  # loss function

    # backward pass
    for layer in layers:
        layer.out.retain_grad()
    for p in parameters:
        p.grad = None
    loss.backward()

    # update
    lr = 0.1 if i < 150000 else 0.01  # step learning rate decay
    for p in parameters:
        p.data += -lr * p.grad

    # track stats
    print(f"{i:7d}/{max_steps:7d}: {loss.item():.4f}")
    lossi.append(loss.log10().item())
    with torch.no_grad():
        ud.append([((lr * p.grad.std() / p.data.std()).log10().item()) for p in parameters])

# forward pass activation statistics
for i, layer in enumerate(layers[:-1]):  # note: exclude the output layer
    if isinstance(layer, Tanh):
        t = layer.out
        saturated = (t.abs() > 0.97).sum().item() / t.nelement() * 100
        print(f"layer {i} ({'Tanh':>10}): mean {t.mean():+.2f}, std {t.std():.2f}, saturated: {saturated:.2f}%")

# backward pass gradient statistics
for i, layer in enumerate(layers[:-1]):
    if isinstance(layer, Tanh):
        t = layer.out.grad
        print(f"layer {i} ({'Tanh':>10}): std {t.std():.4e}")

# parameter gradient statistics
for i, p in enumerate(parameters):
    t = p.grad
    if p.dim() == 2:
        shape = str(tuple(p.shape))
        mean = round(t.mean().item(), 6) + 0.0  # C's is 1e-9: its sign is the float32 sum's order
        print(f"weight {shape:>10} | mean {mean:+f} | std {t.std():.4e} | grad:data ratio {t.std() / p.std():.4e}")

# update-to-data ratios of the last step, and the losses
print([f"{r:.2f}" for r in ud[-1]])
print([round(l, 4) for l in lossi])
print(layers[1].running_mean, layers[1].running_var)
