import torch
import torch.nn as nn

w = nn.Parameter(torch.tensor([1.0, -2.0]))
b = nn.Parameter(torch.tensor(0.5))
opt = torch.optim.SGD([w, b], lr=0.1, momentum=0.9)
print(opt.state)
print(len(opt.state))
(w * w).sum().backward()
opt.step()
print(opt.state[w])
buf = opt.state[w]["momentum_buffer"]
print(buf)
print(b in opt.state, w in opt.state)
print(opt.state)
print(opt.state_dict())
opt.zero_grad()
(w * w).sum().backward()
opt.step()
print(buf, buf is opt.state[w]["momentum_buffer"])
print(opt.state[b], len(opt.state), b in opt.state)

adam = torch.optim.Adam([w], lr=0.01)


def closure():
    adam.zero_grad()
    loss = (w**2).sum()
    loss.backward()
    return loss


print(adam.step(closure))
print(adam.state[w])
s = adam.state[w]
print(s["step"], s["exp_avg"], s["exp_avg_sq"])
print(sorted(s.keys()))
print(adam.state_dict())
adam.add_param_group({"params": b, "lr": 0.5})
print(len(adam.param_groups), adam.param_groups[1]["lr"], adam.param_groups[1]["betas"])
print(adam.param_groups[1])
try:
    adam.add_param_group({"params": [w]})
except ValueError as e:
    print(e)
adam.zero_grad()
loss = (w * b).sum()
loss.backward()
print(adam.step())
print(s["step"], w, b)
print(adam)

rms = torch.optim.RMSprop([w], momentum=0.5, centered=True)
(w * w).sum().backward()
rms.step()
print(rms.state[w])
sgd = torch.optim.SGD([{"params": [w], "momentum": 0.5}], lr=0.1)
print(sgd.param_groups[0])
