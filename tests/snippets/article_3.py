import torch

# 创建一个可求导的张量 x 和一个不可求导的张量 y
x = torch.tensor(3.0, requires_grad=True)  # x 可求导
y = torch.tensor(4.0, requires_grad=False) # y 不可求导

# 定义函数 z = f(x, y) = x^2 + y^2
z = torch.pow(x, 2) + torch.pow(y, 2)

# 让 z 保留梯度
z.retain_grad()

# 打印每个张量的 requires_grad 属性
print("x.requires_grad:", x.requires_grad)  # 输出: True
print("y.requires_grad:", y.requires_grad)  # 输出: False
print("z.requires_grad:", z.requires_grad)  # 输出: True

# 反向传播以计算梯度
z.backward()

# 打印 x 和 y 的梯度
print("x.grad:", x.grad)  # 输出: tensor(6.)
print("y.grad:", y.grad)  # 输出: None
print("z.grad:", z.grad)  # 输出: tensor(1.)
