import torch

# 创建一个标量张量 x,并启用梯度计算
x = torch.tensor(3.0, requires_grad=True)

# 计算 y = x^2
y = torch.pow(x, 2)

# 判断 x 和 y 是否需要梯度计算
print(x.requires_grad)  # 输出 x 的 requires_grad 属性
print(y.requires_grad)  # 输出 y 的 requires_grad 属性

# 反向传播,计算 y 对 x 的导数
y.backward()

# 查看 x 的梯度
print(x.grad)  # 输出 x 的梯度
