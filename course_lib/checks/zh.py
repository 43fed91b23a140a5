"""The Chinese (zh) catalogue of the checks' feedback (every chapter; see
:mod:`course_lib.checks.messages`, which explains the design).

``BY_KEY`` translates the framework's and the general diagnosis's messages, keyed by id as in
``messages.TEXTS["en"]``; ``BY_TEXT`` translates each chapter's messages, keyed by their English
text (the English is the message id, as in gettext), in sections per module. ``SAME`` lists the
English texts that read the same in Chinese (formulas, code, names). Each translation keeps its
English's ``{placeholders}`` and format specs; tests/test_checks_zh.py checks that, that every
text the checks use is here, and that nothing here is stale. Terms follow the course glossary
(:mod:`course_lib.glossary`): 生成器, 判别器, 交叉熵, 潜在向量, 批次大小, Fréchet距离, ...

When a check's English text changes, change its key here too (the test names the text).
"""


BY_KEY: dict[str, str] = {
    # ------------------------------------------------------------------ framework
    "call.none": "还没有可检查的内容：你传入的是 None。请传入函数本身，不带 ()："
                 "cl.checks.check(\"{exercise}\", your_function)。",
    "call.value": "你传入的是{found}，而不是函数。请传入函数本身，不带 ()："
                  "cl.checks.check(\"{exercise}\", your_function)，而不是 your_function()。",
    "call.value.hint": "加上 () 后，Python 会先运行函数，只把结果交给检查；而检查需要用自己的输入"
                       "调用你的函数。",
    "call.signature": "无法用练习给定的参数调用你的函数：{error}",
    "call.signature.hint": "函数名和参数请保持与练习给出的完全一致（def ...(...):），只在函数体里写代码。",
    "todo": "把 `raise NotImplementedError()` 换成你的代码，然后重新运行这个单元格。",
    "raised": "你的代码抛出了异常 {error}",
    "raised.hint": "在新单元格里用一个小输入运行你的函数，看看它在哪里出错。",
    "unusable": "你的函数返回了{found}，检查无法把它当作{expects}使用。",
    "unusable.hint": "打印你的函数对一个小输入的返回值：它必须是{expects}。",
    "returned.none": "你的函数返回了 None：它没有 `return` 语句（或者某条路径上什么也没返回）。",
    "returned.none.hint": "在函数末尾写上 `return <你的结果>`。",
    "returned.not_numbers": "{what}必须是数值，但你的函数返回了{found}。",
    "returned.not_numbers.hint": "请返回 NumPy 数组（或浮点数）：{expects}。",
    "expects.numbers": "数值（NumPy 数组或浮点数）",
    "passed": "做得好。",
    "result.head": "{exercise}：{status}。",
    "label_colon": "：",
    "label_expected": "预期",
    "label_found": "实际",
    "label_hint": "提示",
    "status.passed": "通过",
    "status.failed": "未通过",
    "status.todo": "尚未作答",
    # ------------------------------------------------------------------ what came back
    "describe.bool": "布尔值 {value}",
    "describe.string": "字符串 {text}",
    "describe.number": "数字 {value}",
    "describe.dict": "一个字典，键为 {keys}",
    "describe.empty_dict": "一个空字典",
    "describe.ragged_tuple": "一个参差不齐的元组（各元素长度不同：{lengths}）",
    "describe.ragged_list": "一个参差不齐的列表（各元素长度不同：{lengths}）",
    "describe.tuple_none": "一个含 {n} 个值的元组，其中有的是 None",
    "describe.list_none": "一个含 {n} 个值的列表，其中有的是 None",
    "describe.tuple": "一个含 {n} 个值的元组",
    "describe.list": "一个含 {n} 个值的列表",
    "describe.array": "一个形状为 {shape}、dtype 为 {dtype} 的数组",
    "describe.shaped": "一个类型为 {type}、形状为 {shape} 的值",
    "describe.function": "一个函数（{name}）",
    "describe.object": "一个类型为 {type} 的对象",
    # ------------------------------------------------------------------ shapes
    "shape.scalar_sum": "{what}：你返回了一个数，即练习要求的 {n} 个值之和。",
    "shape.scalar_sum.hint": "返回全部 {n} 个值（形状 {shape}），不要把它们加起来。",
    "shape.scalar_mean": "{what}：你返回了一个数，即练习要求的 {n} 个值的平均值。",
    "shape.scalar_mean.hint": "返回全部 {n} 个值（形状 {shape}），不要求平均。",
    "shape.scalar": "{what}：预期是 {n} 个值（形状 {shape}），你却返回了一个数。",
    "shape.scalar.hint": "逐元素计算，不要求和或求平均。",
    "shape.transposed": "{what}的值正确，但被转置了：形状是 {found_shape}，而不是 {shape}。",
    "shape.transposed.hint": "交换两个轴（.T），或者把行和列反过来构造结果。",
    "shape.reshaped": "{what}的值正确，但形状不对：是 {found_shape}，而不是 {shape}。",
    "shape.reshaped.hint": "保持练习要求的形状；逐一检查每次 reshape、concatenate 或 stack。",
    "shape.unreduced_sum": "{what}：这些是沿轴 {axis}（大小 {size}）求和之前的各项；缺少这次求和。",
    "shape.unreduced_sum.hint": "用 np.sum(..., axis={axis}) 把它们加起来。",
    "shape.unreduced_mean": "{what}：这些是沿轴 {axis}（大小 {size}）求平均之前的值；缺少这次求平均。",
    "shape.unreduced_mean.hint": "用 np.mean(..., axis={axis}) 求平均。",
    "shape.reduced_sum": "{what}：你沿轴 {axis}（大小 {size}）求了和，而这个轴必须保留：形状是 "
                         "{found_shape}，而不是 {shape}。",
    "shape.reduced_sum.hint": "只沿练习指定的轴求和，或者不求和。",
    "shape.reduced_mean": "{what}：你沿轴 {axis}（大小 {size}）求了平均，而这个轴必须保留：形状是 "
                          "{found_shape}，而不是 {shape}。",
    "shape.reduced_mean.hint": "只沿练习指定的轴求平均，或者不求平均。",
    "shape.broadcast": "{what}是一个 {found_shape} 的表格，其对角线上的值才是正确的：形状 (n, 1) "
                       "的数组与形状 (n,) 的数组沿错误的轴发生了广播。",
    "shape.broadcast.hint": "先让两个操作数形状相同（x.ravel() 或 x[:, None]），再把它们组合起来。",
    "shape.other": "{what}的形状不对：是 {found_shape}，而不是 {shape}。",
    "shape.other.hint": "打印每个中间结果的形状，看看形状在哪里变了。",
    # ------------------------------------------------------------------ non-finite
    "nonfinite.where": "{what}在 {where}为 {bad}，其余处是有限值。",
    "nonfinite.where.hint": "看看你的公式如何处理这样的输入（对数或除以零、溢出的 exp）。",
    "nonfinite.log_of_logit": "{what}在 {where}为 {bad}：你的代码对 {name} 取了对数，但它存的是 "
                              "logit，却被当成了概率。",
    "nonfinite.log_of_logit.hint": "logit 可以是任意实数；概率是 sigmoid(logit)。请用数值稳定的 "
                                   "softplus 形式直接从 logit 计算（第 2 章）。",
    "nonfinite.some": "{what}在 {n} 个探测输入中的 {k} 个上为 {bad}{which}，其余为有限值。",
    "nonfinite.some.hint": "用这里列出的输入试试你的函数：找找对零取对数、除以零或溢出的 exp。",
    "nonfinite.all": "{what}处处为 {bad}。",
    "nonfinite.all.hint": "打印中间值：对零或负数取对数、除以零，或者 exp 溢出。",
    # ------------------------------------------------------------------ values
    "value.constant": "无论输入是什么，你的函数都返回同一个值（{value}）：而预期值随输入变化。",
    "value.constant.hint": "用参数计算结果，不要返回固定的数。",
    "value.zeros": "你的函数返回的全是零：公式的任何部分都没有进入结果。",
    "value.zeros.hint": "检查函数返回的是它计算出的值，而不是占位值。",
    "value.sign": "{what}大小正确但符号相反：你得到的是预期值的 -1 倍。",
    "value.sign.hint": "找找缺少或多出的负号。",
    "value.factor_named": "{what}是预期值的{factor_text}：{meaning}。",
    "value.factor_named.hint": "{fix}",
    "value.factor": "{what}差了一个常数因子：每个值都是预期值的 {factor} 倍。",
    "value.factor.hint": "找找乘在整个结果上的、缺少或多出的常数（1/2、2 或归一化常数）。",
    "value.factor_about": "{what}约为预期值的 {factor} 倍（比值在 {lo} 与 {hi} 之间）：某个尺度不对，"
                          "例如归一化常数，或在该求平均的地方求了和。",
    "value.factor_about.hint": "找找缩放整个结果的因子：缺少除以总数，或者在该对各点取平均的地方"
                               "对它们求了和。",
    "value.offset_named": "{what}差了一个常数：每个值都比预期值{direction} {offset}（{meaning}）。",
    "value.offset_named.hint": "{fix}",
    "value.offset": "{what}差了一个常数：每个值都比预期值{direction} {offset}。",
    "value.offset.hint": "找找与输入无关的项：结果上缺少或多加了一个常数。",
    "value.complement": "{what}是 1 减去预期值：即另一种结果的概率。",
    "value.complement.hint": "检查公式要的是哪一种结果（例如真实而不是伪造），以及哪一项放在分子上。",
    "value.affine": "{what}是预期值的线性函数（{a} * 预期值 {sign} {b}）：尺度和平移都不对。",
    "value.affine.hint": "检查乘在结果上的常数和加到结果上的常数。",
    "value.reciprocal": "{what}是预期值的倒数（1 / 值）：分子和分母颠倒了。",
    "value.reciprocal.hint": "检查哪个量应该放在分数的上面。",
    "value.square": "{what}是预期值的平方。",
    "value.square.hint": "找找多出的平方（**2），或者缺少的平方根。",
    "value.sqrt": "{what}是预期值的平方根。",
    "value.sqrt.hint": "找找多出的平方根，或者缺少的平方。",
    "value.log": "{what}是预期值的对数：多取了一次对数。",
    "value.log.hint": "返回这个量本身，而不是它的对数（或者对它取指数）。",
    "value.exp": "{what}是预期值的 exp：预期结果是你的结果的对数。",
    "value.exp.hint": "取对数（或者去掉 exp）。",
    "value.sigmoid": "{what}是预期值的 sigmoid：在预期 logit（或原始值）的地方给出了概率。",
    "value.sigmoid.hint": "去掉 sigmoid：返回它之前的值。",
    "value.logit": "{what}是预期值的 logit（对数几率）：在预期概率的地方给出了 logit。",
    "value.logit.hint": "对它应用 sigmoid，即 1 / (1 + exp(-logit))，得到概率。",
    "value.rounded": "{what}被取整成了整数。",
    "value.rounded.hint": "用浮点数计算：整除（//）或整数 dtype 会丢掉小数部分。",
    "value.swapped": "{what}是把 {a} 和 {b} 互换后的公式结果：你的代码把每个参数用在了另一个的位置上。",
    "value.swapped.hint": "检查参数的顺序：（{order}）。",
    "value.negated": "{what}是用 -{name} 代替 {name} 后的公式结果：{name} 的符号（对 logit 而言是标签）"
                     "被翻转了。",
    "value.negated.hint": "检查 {name} 以什么符号进入公式。",
    "value.duplicated": "{what}是用 {a} 代替 {b} 后的公式结果：你的代码从未读取 {b}。",
    "value.duplicated.hint": "把每个参数用在公式中它该在的位置：现在 {b} 被忽略了。",
    "value.ignored": "{what}等于公式在 {name} = {value} 时的值：你的代码忽略了 {name}。",
    "value.ignored_two": "{what}等于公式在 {a} = {va} 且 {b} = {vb} 时的值：你的代码忽略了 {a} 和 {b}。",
    "value.ignored_two.hint": "把参数 {a} 和 {b} 用在公式中它们该在的位置。",
    "value.ignored.hint": "把参数 {name} 用在公式中它该在的位置。",
    "value.logits_as_probs": "{what}：你的代码把 {name} 中的 logit 当成了概率。",
    "value.logits_as_probs.hint": "logit 可以是任意实数；概率是 sigmoid(logit)。请使用基于 logit 的公式。",
    "value.sigmoid_twice": "{what}：你先对 {name} 应用了 sigmoid，又用了一个以 logit 为输入的公式，"
                           "于是 sigmoid 作用了两次。",
    "value.sigmoid_twice.hint": "把原始的 logit 直接传给基于 logit 的公式。",
    "value.probs_as_logits": "{what}：你的代码把 {name} 当成了 logit，但它存的是概率。",
    "value.probs_as_logits.hint": "{name} 是 [0, 1] 中的概率：直接使用它们（log p、log(1 - p)），"
                                  "不要再套 sigmoid。",
    "value.partial_where": "{what}只在 {where}正确，其他地方都错：你的公式中在那里起作用的部分不对。",
    "value.partial_where.hint": "在该区域之外取一个输入，把你的结果与预期结果比较：差值会显示哪一项"
                                "错了（x**2 与 |x| 只在 0 和 1 处相等：检查幂次）。",
    "value.partial": "{what}在 {n} 个探测输入中的 {k} 个上正确{which}，其余的都错。",
    "value.partial.hint": "比较结果正确的输入与结果错误的输入。",
    "value.wrong": "{what}的值不对。",
    "value.wrong.hint": "手算一个输入，逐步比较每一步。",
}


BY_TEXT: dict[str, str] = {
    # ---------------------------------------------------------------- diagnose
    "Your result":
        "你的结果",
    " ({labels})":
        "（{labels}）",
    "NaN or infinite":
        "NaN 或无穷大",
    "argument {i}":
        "第 {i} 个参数",
    "where {name} = 0":
        "{name} = 0 处",
    "where {name} < 0":
        "{name} < 0 处",
    "where {name} > 0":
        "{name} > 0 处",
    "where {name} = 1":
        "{name} = 1 处",
    "where {name} > 1":
        "{name} > 1 处",
    "where {name} <= 0":
        "{name} <= 0 处",
    "where {name} is 0 or 1":
        "{name} 为 0 或 1 处",
    "where |{name}| is 0 or 1":
        "|{name}| 为 0 或 1 处",
    "where {name} is not 0":
        "{name} 不为 0 处",
    "twice":
        "两倍",
    "a factor 2 too many (or a 1/2 missing)":
        "多了一个因子 2（或少了一个 1/2）",
    "Look for a 2 that should not be there, or a missing 1/2.":
        "找找不该出现的 2，或者缺少的 1/2。",
    "half":
        "一半",
    "a factor 1/2 too many (or a 2 missing)":
        "多了一个因子 1/2（或少了一个 2）",
    "Look for a 1/2 that should not be there, or a missing factor 2.":
        "找找不该出现的 1/2，或者缺少的因子 2。",
    "1/ln 2 ≈ 1.443 times":
        "1/ln 2 ≈ 1.443 倍",
    "you used log base 2 where the natural log is wanted":
        "在该用自然对数的地方你用了以 2 为底的对数",
    "Use np.log (natural log, nats), not np.log2.":
        "用 np.log（自然对数，单位为奈特），不要用 np.log2。",
    "ln 2 ≈ 0.693 times":
        "ln 2 ≈ 0.693 倍",
    "you used the natural log where log base 2 is wanted":
        "在该用以 2 为底的对数的地方你用了自然对数",
    "Use np.log2 (bits), or divide by np.log(2).":
        "用 np.log2（单位为比特），或者除以 np.log(2)。",
    "1/ln 10 ≈ 0.434 times":
        "1/ln 10 ≈ 0.434 倍",
    "you used log base 10 where the natural log is wanted":
        "在该用自然对数的地方你用了以 10 为底的对数",
    "Use np.log, not np.log10.":
        "用 np.log，不要用 np.log10。",
    "ln 10 ≈ 2.303 times":
        "ln 10 ≈ 2.303 倍",
    "you used the natural log where log base 10 is wanted":
        "在该用以 10 为底的对数的地方你用了自然对数",
    "Use np.log10.":
        "用 np.log10。",
    "Look for a log 2 term you added or dropped.":
        "找找你多加或漏掉的 log 2 项。",
    "Look for a log 4 = 2 log 2 term you added or dropped.":
        "找找你多加或漏掉的 log 4 = 2 log 2 项。",
    "0.5 * log(2 pi), the Gaussian's normaliser":
        "0.5 * log(2 pi)，即高斯分布的归一化常数",
    "Check the -0.5 * log(2 * pi * sigma**2) term.":
        "检查 -0.5 * log(2 * pi * sigma**2) 这一项。",
    "Look for a + 1 or - 1 too many or missing.":
        "找找多出或缺少的 + 1 或 - 1。",
    "shape {shape}":
        "形状 {shape}",
    "{n} times":
        "{n} 倍",
    "a sum over the {n} {name} where their mean is wanted":
        "对 {n} 个{name}求了和，而这里要的是平均值",
    "Average over the {name} (np.mean) instead of summing.":
        "对{name}求平均（np.mean），不要求和。",
    "1/{n} times":
        "1/{n} 倍",
    "a mean over the {n} {name} where their sum is wanted":
        "对 {n} 个{name}求了平均，而这里要的是和",
    "Sum over the {name} (np.sum) instead of averaging.":
        "对{name}求和（np.sum），不要求平均。",
    "{n}/{m} times":
        "{n}/{m} 倍",
    "a division by n - 1 = {m} where n = {n} is wanted (the {name})":
        "除以了 n - 1 = {m}，而这里应除以 n = {n}（{name}的个数）",
    "Divide by n = {n}, not n - 1.":
        "除以 n = {n}，而不是 n - 1。",
    "{m}/{n} times":
        "{m}/{n} 倍",
    "a division by n = {n} where n - 1 = {m} is wanted (the {name})":
        "除以了 n = {n}，而这里应除以 n - 1 = {m}（{name}的个数）",
    "Divide by n - 1 = {m}, not n.":
        "除以 n - 1 = {m}，而不是 n。",
    "{n} x {meaning}, once for each of the {n} {name}":
        "{n} × {meaning}，{n} 个{name}各一次",
    "above":
        "高",
    "below":
        "低",
    # ---------------------------------------------------------------- ch00
    "2014: Goodfellow et al., 'Generative Adversarial Nets'.":
        "2014 年：Goodfellow 等人，《Generative Adversarial Nets》。",
    "0 -> -1 and 255 -> 1, the range of tanh.":
        "0 -> -1，255 -> 1，正是 tanh 的值域。",
    "The scaled pixels":
        "缩放后的像素",
    "Return the year as an int.":
        "请以 int 返回年份。",
    "That is the article's claim, and it is wrong.":
        "这是那篇文章的说法，但它是错的。",
    "Not the year GANs were introduced.":
        "这不是 GAN 提出的年份。",
    "The output must have the input's shape.":
        "输出的形状必须与输入相同。",
    "Return float32, the dtype the networks use.":
        "请返回 float32，这是网络使用的 dtype。",
    "Your values lie in [0, 1]: right for a sigmoid generator, but ours ends in tanh.":
        "你的值落在 [0, 1] 中：这适合输出层为 sigmoid 的生成器，但我们的生成器以 tanh 结尾。",
    "You scaled by 127.5 but did not shift.":
        "你除以了 127.5，但没有平移。",
    "Your values lie in [-0.5, 0.5].":
        "你的值落在 [-0.5, 0.5] 中。",
    "Map 0 to -1 and 255 to 1 linearly, in floating point (uint8 arithmetic wraps).":
        "用浮点数把 0 线性映射到 -1、把 255 映射到 1（uint8 运算会回绕溢出）。",
    "an int such as 1999":
        "一个 int，例如 1999",
    "the year of Goodfellow et al.'s paper 'Generative Adversarial Nets'":
        "Goodfellow 等人的论文《Generative Adversarial Nets》发表的年份",
    "The 1980s gave us Boltzmann machines, an earlier generative model; GANs came three decades later (NeurIPS, the year DeepFace and GoogLeNet appeared).":
        "1980 年代出现的是玻尔兹曼机，一种更早的生成模型；生成对抗网络（GAN）是三十年后才出现的（NeurIPS，与 DeepFace 和 GoogLeNet 同年）。",
    "Look at the chapter's timeline.":
        "看看本章的时间线。",
    "Use .astype(np.float32).":
        "使用 .astype(np.float32)。",
    "Map 0 to -1 and 255 to 1: x / 127.5 - 1.":
        "把 0 映射到 -1、把 255 映射到 1：x / 127.5 - 1。",
    "Subtract 1 after dividing.":
        "除完之后再减 1。",
    "Multiply by 2 after subtracting 0.5.":
        "减去 0.5 之后再乘以 2。",
    # ---------------------------------------------------------------- ch01
    "Your density matches the formula, with sigma the standard deviation.":
        "你的密度与公式一致，其中 sigma 是标准差。",
    "mu_hat is the mean and sigma_hat divides by n: the maximum-likelihood estimates.":
        "mu_hat 是均值，sigma_hat 除以 n：这就是最大似然估计。",
    "The log-likelihood":
        "对数似然",
    "The log-likelihood of the 1,000 points is {expected:.2f}, finite because you summed logs.":
        "这 1,000 个点的对数似然是 {expected:.2f}；因为你对对数求和，所以它是有限值。",
    "The samples":
        "这些样本",
    "samples with mean {m:.4f}, std {s:.4f}":
        "样本的均值为 {m:.4f}，标准差为 {s:.4f}",
    "mean ~ {mu:.4f}, std ~ {sigma:.4f} (the fitted mu_hat, sigma_hat)":
        "均值约为 {mu:.4f}，标准差约为 {sigma:.4f}（拟合出的 mu_hat、sigma_hat）",
    "Fit (mu_hat={mu:.3f}, sigma_hat={sigma:.3f}), then sample: new values, reproducible by seed.":
        "先拟合（mu_hat={mu:.3f}，sigma_hat={sigma:.3f}），再采样：得到新值，且可按种子复现。",
    "The densities":
        "这些密度",
    "Sum log N(x_i; mu, sigma^2) = -0.5*log(2*pi*sigma**2) - (x_i - mu)**2 / (2*sigma**2) over all points.":
        "对所有点求 log N(x_i; mu, sigma^2) = -0.5*log(2*pi*sigma**2) - (x_i - mu)**2 / (2*sigma**2) 之和。",
    "That is the MEAN log density, not the log-likelihood.":
        "这是平均对数密度，不是对数似然。",
    "Sum over the data points instead of averaging (np.sum, not np.mean).":
        "对数据点求和，而不是求平均（用 np.sum，不用 np.mean）。",
    "The sign is flipped: that is the NEGATIVE log-likelihood (the loss).":
        "符号反了：这是负对数似然（即损失）。",
    "The log-likelihood of continuous data is usually negative; return the sum of log densities without the minus sign.":
        "连续数据的对数似然通常是负数；返回对数密度之和，不要加负号。",
    "The normalising term -n/2 * log(2 pi sigma^2) is missing.":
        "缺少归一化项 -n/2 * log(2 pi sigma^2)。",
    "Without it the log-likelihood no longer depends on sigma correctly, and the fit would push sigma to infinity. Include -0.5 * np.log(2 * np.pi * sigma**2) per point.":
        "没有它，对数似然对 sigma 的依赖就不对了，拟合会把 sigma 推向无穷大。请对每个点加上 -0.5 * np.log(2 * np.pi * sigma**2)。",
    "You used sigma where the formula has sigma^2.":
        "在公式需要 sigma^2 的地方你用了 sigma。",
    "sigma is the standard deviation: use sigma**2 in both places.":
        "sigma 是标准差：两处都要用 sigma**2。",
    "You used log base 10.":
        "你用了以 10 为底的对数。",
    "Use the natural log, np.log.":
        "使用自然对数 np.log。",
    "Some samples are NaN or infinite.":
        "有些样本是 NaN 或无穷大。",
    "Your samples only repeat values from the data: you resampled the training data instead of sampling from the fitted model.":
        "你的样本只是重复数据中的值：你对训练数据做了重采样，而不是从拟合出的模型中采样。",
    "These are standard-normal samples: the fitted parameters are not used.":
        "这些是标准正态分布的样本：没有用到拟合出的参数。",
    "The spread of your samples is sigma^2: you passed the variance as the scale.":
        "你的样本的离散程度是 sigma^2：你把方差当成了 scale 传入。",
    "The mean of your samples is not the fitted mu_hat.":
        "你的样本的均值不是拟合出的 mu_hat。",
    "The spread of your samples is not the fitted sigma_hat.":
        "你的样本的离散程度不是拟合出的 sigma_hat。",
    "The number of samples must follow the argument n.":
        "样本数必须随参数 n 变化。",
    "Two calls with the same seed gave different samples.":
        "用同一个种子调用两次，得到了不同的样本。",
    "seed=0 and seed=1 gave the same samples: the seed is ignored.":
        "seed=0 和 seed=1 得到了相同的样本：种子被忽略了。",
    "{what} must be one number, but your function returned {size} numbers (shape {shape}).":
        "{what}必须是一个数，但你的函数返回了 {size} 个数（形状 {shape}）。",
    "a single float":
        "一个浮点数",
    "Add the per-point values up (np.sum) into one number.":
        "把各点的值加起来（np.sum），得到一个数。",
    "It is the density of a normal whose *variance* is sigma: you used sigma where the formula has sigma^2.":
        "这是方差为 sigma 的正态分布的密度：在公式需要 sigma^2 的地方你用了 sigma。",
    "sigma is the standard deviation; the formula needs sigma**2 in the exponent and under the square root.":
        "sigma 是标准差；公式在指数中和平方根下都需要 sigma**2。",
    "It is the density of a normal whose standard deviation is sigma^2: you squared sigma twice.":
        "这是标准差为 sigma^2 的正态分布的密度：你把 sigma 平方了两次。",
    "Use sigma**2 once (2 * sigma**2 in the exponent, 2 * pi * sigma**2 under the root).":
        "sigma**2 只用一次（指数中是 2 * sigma**2，根号下是 2 * pi * sigma**2）。",
    "The normaliser is missing its square root.":
        "归一化常数缺少平方根。",
    "Divide by np.sqrt(2 * np.pi * sigma**2), not by 2 * np.pi * sigma**2.":
        "除以 np.sqrt(2 * np.pi * sigma**2)，而不是 2 * np.pi * sigma**2。",
    "The normaliser has sigma where it needs sigma^2.":
        "归一化常数在需要 sigma^2 的地方用了 sigma。",
    "Divide by np.sqrt(2 * np.pi * sigma**2) = np.sqrt(2 * np.pi) * sigma.":
        "除以 np.sqrt(2 * np.pi * sigma**2) = np.sqrt(2 * np.pi) * sigma。",
    "The normaliser has sigma^2 outside the square root.":
        "归一化常数把 sigma^2 放在了平方根外面。",
    "sqrt(2 pi sigma^2) = sqrt(2 pi) * sigma, not sqrt(2 pi) * sigma^2.":
        "sqrt(2 pi sigma^2) = sqrt(2 pi) * sigma，而不是 sqrt(2 pi) * sigma^2。",
    "Your values grow away from mu: the exponent has the wrong sign.":
        "你的值离 mu 越远越大：指数的符号错了。",
    "The exponent is -(x - mu)**2 / (2 * sigma**2): note the minus sign.":
        "指数是 -(x - mu)**2 / (2 * sigma**2)：注意负号。",
    "The exponent has sigma where it needs sigma^2.":
        "指数在需要 sigma^2 的地方用了 sigma。",
    "Use -(x - mu)**2 / (2 * sigma**2): sigma is squared in the exponent too.":
        "使用 -(x - mu)**2 / (2 * sigma**2)：指数中的 sigma 也要平方。",
    "The exponent is missing the factor 2 in its denominator.":
        "指数的分母缺少因子 2。",
    "Use -(x - mu)**2 / (2 * sigma**2).":
        "使用 -(x - mu)**2 / (2 * sigma**2)。",
    "Operator precedence: `/ 2 * sigma**2` divides by 2 and then MULTIPLIES by sigma^2.":
        "运算符优先级：`/ 2 * sigma**2` 是先除以 2，再乘以 sigma^2。",
    "Put the denominator in parentheses: -(x - mu)**2 / (2 * sigma**2).":
        "把分母放进括号：-(x - mu)**2 / (2 * sigma**2)。",
    "The normaliser 1/sqrt(2 pi sigma^2) is missing, so the curve does not integrate to 1.":
        "缺少归一化常数 1/sqrt(2 pi sigma^2)，所以曲线下的面积不等于 1。",
    "Divide by np.sqrt(2 * np.pi * sigma**2).":
        "除以 np.sqrt(2 * np.pi * sigma**2)。",
    "Your curve is centred at -mu instead of mu.":
        "你的曲线以 -mu 为中心，而不是 mu。",
    "The exponent uses (x - mu), not (x + mu).":
        "指数里用的是 (x - mu)，不是 (x + mu)。",
    "These are log densities: you returned the exponent's argument plus the log of the normaliser.":
        "这些是对数密度：你返回的是指数的参数加上归一化常数的对数。",
    "Return the density itself: np.exp(...) / np.sqrt(2 * np.pi * sigma**2).":
        "返回密度本身：np.exp(...) / np.sqrt(2 * np.pi * sigma**2)。",
    "Return one density per x value.":
        "每个 x 值返回一个密度。",
    "Check each factor: exp(-(x - mu)**2 / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2).":
        "逐个检查每个因子：exp(-(x - mu)**2 / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)。",
    "You returned one log density per data point.":
        "你为每个数据点返回了一个对数密度。",
    "You returned the densities of the data points.":
        "你返回的是各数据点的密度。",
    "With 1,000 data points your result is {found}: you multiplied the densities, and their product underflows to 0.":
        "在 1,000 个数据点上你的结果是 {found}：你把密度相乘了，而它们的乘积下溢成了 0。",
    "Each density is about 0.1, and 0.1**1000 is far below the smallest float (~1e-308). Add log densities instead of multiplying densities: that is why we work with the LOG-likelihood.":
        "每个密度大约是 0.1，而 0.1**1000 远小于最小的浮点数（约 1e-308）。请把对数密度相加，而不是把密度相乘：这正是我们使用对数似然的原因。",
    "Sum log N(x_i; mu, sigma^2) over all points.":
        "对所有点求 log N(x_i; mu, sigma^2) 之和。",
    "Return the pair (mu, sigma).":
        "请返回二元组 (mu, sigma)。",
    "You returned (sigma, mu): the order is swapped.":
        "你返回的是 (sigma, mu)：顺序颠倒了。",
    "mu_hat is the median; the maximum-likelihood mu is the mean.":
        "mu_hat 是中位数；最大似然估计的 mu 是均值。",
    "Setting d/dmu of the log-likelihood to zero gives mu_hat = mean of x.":
        "令对数似然对 mu 的导数为零，得到 mu_hat = x 的均值。",
    "sigma_hat divides by n - 1. That is the unbiased estimate of the variance (np.std(x, ddof=1)); the maximum-likelihood estimate divides by n.":
        "sigma_hat 除以了 n - 1。那是方差的无偏估计（np.std(x, ddof=1)）；最大似然估计除以 n。",
    "sigma_hat is a variance, not a standard deviation.":
        "sigma_hat 是方差，不是标准差。",
    "sigma_hat is the mean ABSOLUTE deviation.":
        "sigma_hat 是平均绝对偏差。",
    "sigma_hat = np.sqrt(np.mean((x - mu_hat)**2)).":
        "sigma_hat = np.sqrt(np.mean((x - mu_hat)**2))。",
    "Return exactly n = {n} samples as a 1-D array.":
        "请以 1 维数组返回恰好 n = {n} 个样本。",
    "Pass size=n to the generator's normal(...).":
        "把 size=n 传给随机数生成器的 normal(...)。",
    "Check sigma_hat is finite.":
        "检查 sigma_hat 是否为有限值。",
    "A generative model creates NEW samples; copying training examples is memorisation. Fit mu and sigma, then draw rng.normal(mu, sigma, size=n).":
        "生成模型创造新的样本；复制训练样本只是记忆。先拟合 mu 和 sigma，再抽样 rng.normal(mu, sigma, size=n)。",
    "Fit first (mu, sigma = mean and std of data), then sample rng.normal(mu, sigma, size=n), i.e. mu + sigma * z.":
        "先拟合（mu、sigma 取数据的均值和标准差），再抽样 rng.normal(mu, sigma, size=n)，即 mu + sigma * z。",
    "NumPy's normal(loc, scale) takes the standard deviation as scale.":
        "NumPy 的 normal(loc, scale) 中 scale 是标准差。",
    "mu_hat = np.mean(data).":
        "mu_hat = np.mean(data)。",
    "sigma_hat = np.std(data) (divide by n).":
        "sigma_hat = np.std(data)（除以 n）。",
    "shape (1000,)":
        "形状 (1000,)",
    "identical samples for seed=0 twice":
        "两次都用 seed=0 得到相同的样本",
    "different samples":
        "不同的样本",
    "Create the generator from the argument: rng = np.random.default_rng(seed).":
        "用参数创建随机数生成器：rng = np.random.default_rng(seed)。",
    "Use rng = np.random.default_rng(seed), not a fixed seed.":
        "使用 rng = np.random.default_rng(seed)，不要用固定的种子。",
    "Your function works for one number but not for an array of x values.":
        "你的函数对单个数有效，但对 x 值组成的数组无效。",
    "Compute elementwise with NumPy; do not sum or average.":
        "用 NumPy 逐元素计算，不要求和或求平均。",
    "one number: their sum":
        "一个数：它们的和",
    "The log-likelihood is the SUM of the log densities: np.sum(...).":
        "对数似然是各对数密度之和：np.sum(...)。",
    "one number: the sum of their logs":
        "一个数：它们的对数之和",
    "Take the log of each density, then sum: np.sum(np.log(...)).":
        "先对每个密度取对数，再求和：np.sum(np.log(...))。",
    "a tuple (mu_hat, sigma_hat)":
        "一个元组 (mu_hat, sigma_hat)",
    "End the function with `return mu, sigma`.":
        "在函数末尾写 `return mu, sigma`。",
    "Return mu first, then sigma.":
        "先返回 mu，再返回 sigma。",
    "Use np.mean(x).":
        "使用 np.mean(x)。",
    "Setting d/dsigma of the log-likelihood to zero gives sigma_hat^2 = mean((x - mu_hat)**2): use np.std(x) (ddof=0, NumPy's default).":
        "令对数似然对 sigma 的导数为零，得到 sigma_hat^2 = mean((x - mu_hat)**2)：使用 np.std(x)（ddof=0，NumPy 的默认值）。",
    "Take the square root: sigma_hat = np.sqrt(mean((x - mu)**2)).":
        "取平方根：sigma_hat = np.sqrt(mean((x - mu)**2))。",
    "Square the deviations, average them, then take the root.":
        "先把偏差平方，再求平均，最后开平方根。",
    "shape ({n},)":
        "形状 ({n},)",
    "{n} new values from N({mu:.3f}, {sigma:.3f}^2)":
        "来自 N({mu:.3f}, {sigma:.3f}^2) 的 {n} 个新值",
    "{size} distinct values":
        "{size} 个不同的值",
    "an array of densities, one per x":
        "密度组成的数组，每个 x 一个",
    "Use NumPy (np.exp, np.sqrt, np.pi), not the math module: math.exp only takes single numbers.":
        "使用 NumPy（np.exp、np.sqrt、np.pi），不要用 math 模块：math.exp 只接受单个数。",
    "data points":
        "数据点",
    # ---------------------------------------------------------------- ch02
    "H(p, q) = -sum p log q per row: p is the truth, q the prediction, inside the log.":
        "每行 H(p, q) = -sum p log q：p 是真实分布，q 是预测，放在对数里面。",
    "KL(p || q) = H(p, q) - H(p) >= 0, zero only when q = p, and not symmetric.":
        "KL(p || q) = H(p, q) - H(p) >= 0，只有 q = p 时为零，而且不对称。",
    "Stable at logits of +-1000 and the batch mean: the same as cl.losses and Keras.":
        "在 logit 为 +-1000 时依然稳定，并取批次平均：与 cl.losses 和 Keras 相同。",
    "Chapter 1's fitted N(mu, sigma^2) is a density p(x) you can sample new x from: the smallest generative model.":
        "第 1 章拟合出的 N(mu, sigma^2) 是一个可以从中采样新 x 的密度 p(x)：最小的生成模型。",
    "It predicts a label from an input, p(spam | e-mail), and cannot write an e-mail: discriminative.":
        "它根据输入预测标签 p(spam | e-mail)，却写不出一封邮件：判别模型。",
    "D(x) = p(real | x) is a binary classifier: a discriminative model. The article calls it a 'discriminative model' that, with the generator, makes up generative AI: that mixes the GAN's two networks up with the generative-vs-discriminative distinction. D is a discriminative model used INSIDE a generative model, and is thrown away after training.":
        "D(x) = p(real | x) 是一个二分类器：判别模型。文章称它是与生成器一起构成生成式AI的“判别模型”：这把 GAN 的两个网络与“生成模型与判别模型之分”混为一谈。D 是在生成模型内部使用的判别模型，训练结束后就被丢弃。",
    "G turns noise into samples x = G(z): it defines p(x) implicitly and is what you keep to generate.":
        "G 把噪声变成样本 x = G(z)：它隐式地定义了 p(x)，生成时保留的正是它。",
    "The GAN as a whole learns to sample from p(x): a generative model (its discriminator is only a training device).":
        "GAN 作为整体学会从 p(x) 中采样：它是生成模型（其判别器只是训练用的工具）。",
    "A VAE learns p(x) through an encoder and decoder and samples new x: generative, with no discriminator at all.":
        "VAE 通过编码器和解码器学习 p(x) 并采样新的 x：生成模型，完全没有判别器。",
    "All six right. A GAN is a generative model that contains a discriminative one; generative AI is not 'made of' generative and discriminative models.":
        "六个全对。GAN 是一个包含判别模型的生成模型；生成式AI并不是由生成模型和判别模型“组成”的。",
    "The cross-entropy":
        "交叉熵",
    "H(p, q) for one-hot labels":
        "one-hot 标签下的 H(p, q)",
    "The loss":
        "损失",
    "The mean BCE":
        "平均二元交叉熵（BCE）",
    "You summed over the wrong axis: one value per class instead of one per row.":
        "你沿错误的轴求了和：每个类别一个值，而不是每行一个。",
    "You returned the individual terms -p_i log q_i without summing them.":
        "你返回了各项 -p_i log q_i，却没有把它们加起来。",
    "-np.sum(p * np.log(q), axis=-1).":
        "-np.sum(p * np.log(q), axis=-1)。",
    "With one-hot labels and a prediction of exactly 0 for a WRONG class, your result is NaN: 0 * log(0) = 0 * (-inf) = NaN in floating point.":
        "使用 one-hot 标签时，若对某个错误类别的预测恰好为 0，你的结果就是 NaN：在浮点运算中 0 * log(0) = 0 * (-inf) = NaN。",
    "With a one-hot p, H(p, q) = -log(q of the true class).":
        "当 p 是 one-hot 时，H(p, q) = -log(真实类别的 q)。",
    "np.sum(p * np.log(p / q), axis=-1).":
        "np.sum(p * np.log(p / q), axis=-1)。",
    "The divergence of a distribution from itself is 0.":
        "一个分布与它自身的散度为 0。",
    "mean of max(z, 0) - z * y + log1p(exp(-|z|)); at z = 0 each term is log 2.":
        "max(z, 0) - z * y + log1p(exp(-|z|)) 的平均值；z = 0 时每一项都是 log 2。",
    "Return one number: the mean loss over the batch.":
        "返回一个数：整个批次的平均损失。",
    "The loss is NaN even for moderate logits such as -1 and 3: you took the log of a logit as if it were a probability.":
        "即使 logit 是 -1 和 3 这样的适中值，损失也是 NaN：你把 logit 当成概率取了对数。",
    "logits {logits} ({dtype}), labels {labels}":
        "logit {logits}（{dtype}），标签 {labels}",
    "Return a dict mapping each name to 'generative' or 'discriminative'.":
        "请返回一个字典，把每个名称映射到 'generative' 或 'discriminative'。",
    "Rows are examples, columns are classes: sum over the classes, axis=-1.":
        "行是样本，列是类别：对类别求和，axis=-1。",
    "You returned one number for the whole batch. This {name} returns one value per row; a training loss would then average them.":
        "你为整个批次返回了一个数。这个{name}每行返回一个值；训练损失随后才会对它们求平均。",
    "a single number":
        "一个数",
    "Sum over the classes only: np.sum(..., axis=-1).":
        "只对类别求和：np.sum(..., axis=-1)。",
    "Sum over the classes: np.sum(..., axis=-1).":
        "对类别求和：np.sum(..., axis=-1)。",
    "Clip the predictions before the log, np.log(np.clip(q, 1e-7, 1.0)), as cl.losses does; a zero probability for a class with p = 0 then adds nothing.":
        "像 cl.losses 那样在取对数前裁剪预测值：np.log(np.clip(q, 1e-7, 1.0))；这样 p = 0 的类别即使概率为零也不贡献任何值。",
    "You computed KL(q || p): KL is not symmetric, and the order matters.":
        "你计算的是 KL(q || p)：KL散度不对称，顺序很重要。",
    "KL(p || q) = sum p * log(p / q): the weights are p, the true distribution.":
        "KL(p || q) = sum p * log(p / q)：权重是真实分布 p。",
    "The sign is flipped: KL(p || q) is never negative.":
        "符号反了：KL(p || q) 永远不会是负数。",
    "KL(p || q) = sum p * log(p / q) = H(p, q) - H(p).":
        "KL(p || q) = sum p * log(p / q) = H(p, q) - H(p)。",
    "That is the cross-entropy H(p, q): the entropy H(p) still has to come off.":
        "这是交叉熵 H(p, q)：还需要减去熵 H(p)。",
    "KL(p || q) = H(p, q) - H(p).":
        "KL(p || q) = H(p, q) - H(p)。",
    "You added H(p) instead of subtracting it.":
        "你加上了 H(p)，而不是减去它。",
    "You averaged over the classes instead of summing.":
        "你对类别求了平均，而不是求和。",
    "Use np.sum(..., axis=-1).":
        "使用 np.sum(..., axis=-1)。",
    "You returned one loss per example. The contract is the batch MEAN, one number, like keras.losses.BinaryCrossentropy and cl.losses.":
        "你为每个样本返回了一个损失。约定是返回批次的平均值，一个数，与 keras.losses.BinaryCrossentropy 和 cl.losses 一样。",
    "Logits are any real number; sigmoid(logit) is the probability. Use the stable form max(z, 0) - z * y + log(1 + exp(-|z|)).":
        "logit 可以是任意实数；sigmoid(logit) 才是概率。请使用稳定形式 max(z, 0) - z * y + log(1 + exp(-|z|))。",
    "You summed over the batch; the contract is the mean.":
        "你对批次求了和；约定是求平均。",
    "Use np.mean instead of np.sum.":
        "用 np.mean 代替 np.sum。",
    "The sign is flipped: a cross-entropy is never negative.":
        "符号反了：交叉熵永远不会是负数。",
    "BCE = -[y log p + (1 - y) log(1 - p)]; the stable form is max(z, 0) - z * y + log1p(exp(-|z|)).":
        "BCE = -[y log p + (1 - y) log(1 - p)]；稳定形式是 max(z, 0) - z * y + log1p(exp(-|z|))。",
    "You swapped the labels: this is the loss for y and 1 - y exchanged.":
        "你把标签弄反了：这是 y 与 1 - y 互换后的损失。",
    "y = 1 (real) must give -log sigmoid(z), small when z is large and positive.":
        "y = 1（真实）时必须得到 -log sigmoid(z)，当 z 是很大的正数时它很小。",
    "Sign error in the middle term: it is  - z * y, not + z * y.":
        "中间项的符号错了：应是 - z * y，而不是 + z * y。",
    "max(z, 0) - z * y + log1p(exp(-|z|)).":
        "max(z, 0) - z * y + log1p(exp(-|z|))。",
    "The term log(1 + exp(-|z|)) is missing.":
        "缺少 log(1 + exp(-|z|)) 这一项。",
    "Add np.log1p(np.exp(-np.abs(z))): it is log 2 at z = 0, where the loss is log 2.":
        "加上 np.log1p(np.exp(-np.abs(z)))：在 z = 0 处它等于 log 2，而此处损失正是 log 2。",
    "You wrote log(1 + exp(-z)) where the stable form needs exp(-|z|).":
        "你写的是 log(1 + exp(-z))，而稳定形式需要 exp(-|z|)。",
    "Use the absolute value: np.log1p(np.exp(-np.abs(z))).":
        "使用绝对值：np.log1p(np.exp(-np.abs(z)))。",
    "The mean BCE for {where}":
        "{where} 时的平均二元交叉熵",
    "Use the stable form max(z, 0) - z * y + log1p(exp(-|z|)).":
        "使用稳定形式 max(z, 0) - z * y + log1p(exp(-|z|))。",
    "Missing entries: {entries}.":
        "缺少条目：{entries}。",
    "{n_wrong} of {n_MODEL_KINDS} wrong, first {first!r}: {v}":
        "{n_MODEL_KINDS} 个中错了 {n_wrong} 个，第一个是 {first!r}：{v}",
    "Ask: does it model p(x) and can it produce new x (generative), or does it model p(y | x) and predict a label (discriminative)?":
        "问问自己：它是否对 p(x) 建模、能否产生新的 x（生成模型）？还是对 p(y | x) 建模、预测标签（判别模型）？",
    "shape ({n},): one value per example (row)":
        "形状 ({n},)：每个样本（行）一个值",
    "You computed H(q, p): the arguments are swapped.":
        "你计算的是 H(q, p)：参数颠倒了。",
    "p (the article's y) is the TRUE distribution and multiplies the log; q (its x) is the model's prediction and goes INSIDE the log: -sum p * log(q).":
        "p（文章中的 y）是真实分布，乘在对数外面；q（文章中的 x）是模型的预测，放在对数里面：-sum p * log(q)。",
    "The sign is flipped: -sum p log q is positive, yours is negative.":
        "符号反了：-sum p log q 是正数，而你的是负数。",
    "Keep the minus sign in front of the sum (log q <= 0 for probabilities).":
        "保留求和前面的负号（对概率而言 log q <= 0）。",
    "Use np.sum(..., axis=-1), not np.mean.":
        "使用 np.sum(..., axis=-1)，不要用 np.mean。",
    "You used log base 2 (bits).":
        "你用了以 2 为底的对数（比特）。",
    "Use the natural log, np.log, as TensorFlow and Keras do (nats).":
        "像 TensorFlow 和 Keras 一样使用自然对数 np.log（奈特）。",
    "The log is missing: you computed -sum p * q.":
        "缺少对数：你计算的是 -sum p * q。",
    "Take the log of the predicted probabilities: -sum p * np.log(q).":
        "对预测概率取对数：-sum p * np.log(q)。",
    "Return np.mean(...) of the per-example losses.":
        "返回各样本损失的 np.mean(...)。",
    "Your loss is {fb} for {where}: it overflowed. Either sigmoid rounded to exactly 0 or 1 and log(0) = -inf, or exp(z) overflowed.":
        "在 {where} 时你的损失是 {fb}：发生了溢出。要么 sigmoid 被舍入成恰好 0 或 1，使 log(0) = -inf，要么 exp(z) 溢出了。",
    "Never compute sigmoid or exp(z) of a large logit. Use max(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))): exp(-|z|) is at most 1.":
        "永远不要对很大的 logit 计算 sigmoid 或 exp(z)。请使用 max(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))：exp(-|z|) 最大为 1。",
    "For {where} your loss is {fb:.2f}, but the true loss is {eb:.2f}. Did you clip the probability? Clipping the probability keeps the loss finite but caps each term at -log(eps) (16 for eps = 1e-7), and its gradient is 0 there.":
        "在 {where} 时你的损失是 {fb:.2f}，但真实损失是 {eb:.2f}。你是否裁剪了概率？裁剪概率能让损失保持有限，但会把每一项限制在 -log(eps)（eps = 1e-7 时为 16），而且那里的梯度为 0。",
    "Work with logits, not clipped probabilities: max(z, 0) - z * y + log1p(exp(-|z|)).":
        "直接用 logit 计算，不要用裁剪过的概率：max(z, 0) - z * y + log1p(exp(-|z|))。",
    "Unknown entry {key!r}.":
        "未知条目 {key!r}。",
    "{key}: answer 'generative' or 'discriminative'.":
        "{key}：请回答 'generative' 或 'discriminative'。",
    "{eb:.4f} (finite)":
        "{eb:.4f}（有限值）",
    "logits {logits}":
        "logit {logits}",
    # ---------------------------------------------------------------- ch03
    "Compute from logits: -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), with softplus(t) = max(t, 0) + log1p(exp(-|t|)) (chapter 2), or use tf.nn.sigmoid_cross_entropy_with_logits / keras.ops.softplus.":
        "直接从 logit 计算：-log sigmoid(l) = softplus(-l)，-log(1 - sigmoid(l)) = softplus(l)，其中 softplus(t) = max(t, 0) + log1p(exp(-|t|))（第 2 章）；或者使用 tf.nn.sigmoid_cross_entropy_with_logits / keras.ops.softplus。",
    "L_D = mean softplus(-real_logits) + mean softplus(fake_logits), stable for confident discriminators too.":
        "L_D = mean softplus(-real_logits) + mean softplus(fake_logits)，对置信度很高的判别器也是稳定的。",
    "The weighted gap between D and D*: near 0 only where D has learned the optimum.":
        "D 与 D* 之间的加权差距：只有在 D 学到最优解的地方才接近 0。",
    "(V, JSD) for p_g = p_data":
        "p_g = p_data 时的 (V, JSD)",
    "V(D*, G) = -log 4 + 2 JSD on all {n_pairs} pairs (largest difference {gap:.1e}): the generator minimises the Jensen-Shannon divergence.":
        "在全部 {n_pairs} 对上都有 V(D*, G) = -log 4 + 2 JSD（最大差值 {gap:.1e}）：生成器最小化的是 Jensen-Shannon 散度。",
    "a pair of numbers (V, jsd)":
        "一对数 (V, jsd)",
    "The gap |D - D*|":
        "差距 |D - D*|",
    "one number (a float)":
        "一个数（浮点数）",
    "The sign is flipped: you returned log D(x) + log(1 - D(G(z))), the value function V that the discriminator *maximises*; L_D = -V is what it minimises.":
        "符号反了：你返回的是 log D(x) + log(1 - D(G(z)))，即判别器要最大化的价值函数 V；判别器最小化的是 L_D = -V。",
    "Both log terms are negative, so L_D must be positive. Put a minus in front.":
        "两个对数项都是负数，所以 L_D 必须为正。在前面加上负号。",
    "Real and fake labels are swapped: real samples must have target 1 (log D(x)) and generated ones target 0 (log(1 - D(G(z)))).":
        "真实与伪造的标签颠倒了：真实样本的目标必须是 1（log D(x)），生成的样本的目标是 0（log(1 - D(G(z)))）。",
    "Use sigmoid cross-entropy with labels 1 for real_logits and 0 for fake_logits.":
        "使用 sigmoid 交叉熵：real_logits 的标签为 1，fake_logits 的标签为 0。",
    "You applied the sigmoid and then a loss that expects logits: the sigmoid was applied twice.":
        "你先应用了 sigmoid，又用了一个以 logit 为输入的损失：sigmoid 被应用了两次。",
    "Pass the raw logits to the from-logits cross-entropy, without sigmoid.":
        "把原始 logit 直接传给基于 logit 的交叉熵，不要加 sigmoid。",
    "You treated the logits as probabilities (clipped into [0, 1]).":
        "你把 logit 当成了概率（裁剪到 [0, 1] 中）。",
    "Only the real term -log D(x) is there; the fake term -log(1 - D(G(z))) is missing.":
        "只有真实项 -log D(x)；缺少伪造项 -log(1 - D(G(z)))。",
    "L_D has two terms, one per batch: add them.":
        "L_D 有两项，每个批次一项：把它们加起来。",
    "Only the fake term -log(1 - D(G(z))) is there; the real term -log D(x) is missing.":
        "只有伪造项 -log(1 - D(G(z)))；缺少真实项 -log D(x)。",
    "You summed over the batch instead of averaging.":
        "你对批次求了和，而不是求平均。",
    "Use the mean of each term, so the loss does not grow with the batch size.":
        "对每一项取平均，这样损失就不会随批次大小增长。",
    "You halved L_D: averaged the two terms, or took one mean over real and fake samples together.":
        "你把 L_D 减半了：对两项取了平均，或者对真实和伪造样本合在一起取了一个平均。",
    "L_D = mean(-log D(x)) + mean(-log(1 - D(G(z)))): add the two batch means. (Halving changes only the scale, but the checks and cl.losses use the sum.)":
        "L_D = mean(-log D(x)) + mean(-log(1 - D(G(z))))：把两个批次平均值相加。（减半只改变尺度，但检查和 cl.losses 使用的是和。）",
    "L_D = -[mean log D(x) + mean log(1 - D(G(z)))] with D = sigmoid(logit).":
        "L_D = -[mean log D(x) + mean log(1 - D(G(z)))]，其中 D = sigmoid(logit)。",
    "V uses D = p_g / (p_data + p_g): the probability of being fake, not D* = p_data / (p_data + p_g).":
        "V 用的是 D = p_g / (p_data + p_g)：这是样本为伪造的概率，而不是 D* = p_data / (p_data + p_g)。",
    "D*(x) is the probability that x is real: p_data on top.":
        "D*(x) 是 x 为真实的概率：p_data 在分子上。",
    "V has the wrong sign: it is L_D = -V.":
        "V 的符号反了：那是 L_D = -V。",
    "V is a sum of p log (a probability), so it is at most 0.":
        "V 是 p log（一个概率）之和，所以它至多为 0。",
    "V = sum p_data log D* + sum p_g log(1 - D*), D* = p_data / (p_data + p_g); terms with a zero weight count 0.":
        "V = sum p_data log D* + sum p_g log(1 - D*)，D* = p_data / (p_data + p_g)；权重为零的项计为 0。",
    "m = (p_data + p_g) / 2; JSD = 1/2 sum p_data log(p_data / m) + 1/2 sum p_g log(p_g / m), natural log.":
        "m = (p_data + p_g) / 2；JSD = 1/2 sum p_data log(p_data / m) + 1/2 sum p_g log(p_g / m)，使用自然对数。",
    "With p_g = p_data, D* = 1/2 everywhere.":
        "当 p_g = p_data 时，处处有 D* = 1/2。",
    "That is KL(p_data || p_g), not the Jensen-Shannon divergence.":
        "这是 KL(p_data || p_g)，不是 Jensen-Shannon 散度。",
    "JSD compares each distribution with their MIXTURE m = (p_data + p_g) / 2: 1/2 KL(p_data || m) + 1/2 KL(p_g || m).":
        "JSD 把每个分布与它们的混合分布 m = (p_data + p_g) / 2 比较：1/2 KL(p_data || m) + 1/2 KL(p_g || m)。",
    "That is the symmetrised KL, 1/2 KL(p||q) + 1/2 KL(q||p), not the JSD.":
        "这是对称化的 KL，1/2 KL(p||q) + 1/2 KL(q||p)，不是 JSD。",
    "Compare each distribution with the mixture m = (p_data + p_g) / 2, not with the other one.":
        "把每个分布与混合分布 m = (p_data + p_g) / 2 比较，而不是与另一个分布比较。",
    "You averaged |D - D*| over the whole grid, also where no sample ever lands.":
        "你在整个网格上对 |D - D*| 求了平均，连从来没有样本落到的地方也算了进去。",
    "Weight each point by where the samples are, (p_data + p_g) / 2, and divide by the sum of the weights.":
        "按样本所在的位置 (p_data + p_g) / 2 给每个点加权，再除以权重之和。",
    "You compared D with p_g / (p_data + p_g), the optimal probability of being FAKE.":
        "你把 D 与 p_g / (p_data + p_g) 比较了，那是样本为伪造的最优概率。",
    "D*(x) = p_data / (p_data + p_g).":
        "D*(x) = p_data / (p_data + p_g)。",
    "You weighted by p_data alone: the fakes' region does not count.":
        "你只用 p_data 加权：伪造样本所在的区域不计入。",
    "Weight by both, (p_data + p_g) / 2: the samples D sees are real AND fake.":
        "用两者加权，(p_data + p_g) / 2：D 看到的样本既有真实的也有伪造的。",
    "You weighted by p_g alone: the real data's region does not count.":
        "你只用 p_g 加权：真实数据所在的区域不计入。",
    "You did not divide by the sum of the weights: the result depends on the grid's spacing.":
        "你没有除以权重之和：结果取决于网格的间距。",
    "Divide the weighted sum by np.sum(weights).":
        "把加权和除以 np.sum(weights)。",
    "You averaged D - D* without the absolute value: errors of opposite sign cancel.":
        "你对 D - D* 求平均时没有取绝对值：符号相反的误差相互抵消了。",
    "Take np.abs(d - d_star) before weighting.":
        "加权之前先取 np.abs(d - d_star)。",
    "d_star = p_data / (p_data + p_g); w = (p_data + p_g) / 2; sum(|d - d_star| * w) / sum(w).":
        "d_star = p_data / (p_data + p_g)；w = (p_data + p_g) / 2；sum(|d - d_star| * w) / sum(w)。",
    "{what} must be one number; your function returned {size} (shape {shape}).":
        "{what}必须是一个数；你的函数返回了 {size} 个（形状 {shape}）。",
    "one float":
        "一个浮点数",
    "Add the per-point terms up with np.sum into one number.":
        "用 np.sum 把各点的项加成一个数。",
    "{what} is {found}: probably a log of zero or of a negative number.":
        "{what}是 {found}：可能对零或负数取了对数。",
    "{what} has the wrong value.":
        "{what}的值不对。",
    "{what} is right for moderate logits but breaks for confident ones (logits {logits}): it is not numerically stable.":
        "{what}在 logit 适中时正确，但在置信度很高时（logit {logits}）就出错了：它在数值上不稳定。",
    "examples in each batch":
        "每个批次中的样本",
    "examples in both batches":
        "两个批次中的样本",
    "Your JSD is infinite or NaN for {n_bad} of {n_pairs} pairs, e.g. {v}: the pairs where one distribution has a zero.":
        "你的 JSD 在 {n_pairs} 对中的 {n_bad} 对上是无穷大或 NaN，例如 {v}：正是其中一个分布含有零的那些对。",
    "finite values":
        "有限值",
    "A term p log(p / m) with p = 0 counts 0 (use np.where, or keep only p > 0); the mixture m is never 0 where p or q is not.":
        "p = 0 的项 p log(p / m) 计为 0（用 np.where，或只保留 p > 0）；在 p 或 q 不为零的地方，混合分布 m 永远不为 0。",
    "Return the pair (V, jsd).":
        "请返回二元组 (V, jsd)。",
    "The gap":
        "差距",
    "{what} must be one number, the mean over the batch.":
        "{what}必须是一个数，即对批次的平均值。",
    "shape ()":
        "形状 ()",
    "Reduce the per-sample losses with np.mean (or tf.reduce_mean).":
        "用 np.mean（或 tf.reduce_mean）把逐样本损失归约成一个数。",
    "The discriminator returns logits; D(x) = sigmoid(logit). ":
        "判别器返回的是 logit；D(x) = sigmoid(logit)。",
    "a tuple of two numbers":
        "一个含两个数的元组",
    "End with `return v, jsd`.":
        "以 `return v, jsd` 结尾。",
    "Logits can be negative: log(logit) is NaN. Turn logits into losses with the stable formulas. ":
        "logit 可以是负数：log(logit) 是 NaN。请用数值稳定的公式把 logit 变成损失。",
    "sigmoid(100) is exactly 1.0 in float32, so log(1 - sigmoid(100)) = log(0). ":
        "在 float32 中 sigmoid(100) 恰好等于 1.0，因此 log(1 - sigmoid(100)) = log(0)。",
    "a {kind} of {n_out} values":
        "一个含 {n_out} 个值的 {kind}",
    # ---------------------------------------------------------------- ch04
    "z -> G(z) -> D(G(z)): the discriminator judges images, and the weights are shared.":
        "z -> G(z) -> D(G(z))：判别器评判图像，而且权重是共享的。",
    "tanh -> [-1, 1], sigmoid -> [0, 1], anything else refused.":
        "tanh -> [-1, 1]，sigmoid -> [0, 1]，其他一律拒绝。",
    "D learns in its half-step and only G learns in the combined model's: each train function was traced with the flag it needs.":
        "D 在自己的半步中学习，而在组合模型的半步中只有 G 学习：每个训练函数都以它所需的标志被追踪。",
    "D then G, each updated by its own optimizer on its own weights; both losses finite.":
        "先 D 后 G，各自由自己的优化器更新自己的权重；两个损失都是有限值。",
    "Maps (n, 100) noise to (n, 28, 28, 1) images in [-1, 1].":
        "把 (n, 100) 的噪声映射为 [-1, 1] 中的 (n, 28, 28, 1) 图像。",
    "The combined model's output":
        "组合模型的输出",
    "a float or a scalar tensor":
        "一个浮点数或标量张量",
    "build_generator must return a Keras model.":
        "build_generator 必须返回一个 Keras 模型。",
    " Your Flatten after a Dense layer is harmless but does nothing (a Dense output is already flat): the article's Flatten is a no-op you can delete.":
        "Dense 层之后的 Flatten 无害但没有作用（Dense 的输出本来就是扁平的）：文章中的 Flatten 是可以删掉的空操作。",
    "The generator emits flat 784-vectors, like the article's: the discriminator expects 28x28 images, so D(G(z)) fails with a shape error (784 against 28x28).":
        "生成器输出扁平的 784 维向量，与文章中的一样：而判别器需要 28x28 的图像，所以 D(G(z)) 会因形状错误而失败（784 对 28x28）。",
    "The images have no channel axis.":
        "图像没有通道轴。",
    "The generator's output has the wrong shape.":
        "生成器输出的形状不对。",
    "Your generator outputs NaN or infinite values for some noise vectors.":
        "对某些噪声向量，你的生成器输出了 NaN 或无穷大。",
    "The generated pixels lie in [0, 1] (a sigmoid output), while the cats are scaled to [-1, 1]. The discriminator could then tell real from fake by brightness alone (every real image has pixels below 0, no fake does).":
        "生成的像素落在 [0, 1] 中（sigmoid 输出），而猫的图像被缩放到 [-1, 1]。这样判别器仅凭亮度就能分辨真伪（每张真实图像都有小于 0 的像素，而伪造图像没有）。",
    "The generator's output is not bounded to [-1, 1].":
        "生成器的输出没有被限制在 [-1, 1] 中。",
    "The generator's outputs cover only part of [-1, 1].":
        "生成器的输出只覆盖了 [-1, 1] 的一部分。",
    "build_generator ignores its latent_dim argument.":
        "build_generator 忽略了参数 latent_dim。",
    "build_combined must return a Keras model.":
        "build_combined 必须返回一个 Keras 模型。",
    "The combined model returns the generator's images, not D's verdict.":
        "组合模型返回的是生成器的图像，而不是 D 的判断。",
    "The combined model's output has the wrong shape.":
        "组合模型输出的形状不对。",
    "Use the generator and discriminator you were given (no new layers, no copies): keras.Model(z, discriminator(generator(z))).":
        "使用给定的生成器和判别器（不要新建层，也不要复制）：keras.Model(z, discriminator(generator(z)))。",
    "The combined model does not share its weights with G and D.":
        "组合模型没有与 G 和 D 共享权重。",
    "scale(x, 'relu') returned something. There is no bounded range to match for an unknown activation, so the function should refuse: silent guesses are how the article's data-scaling bug happens.":
        "scale(x, 'relu') 返回了结果。对未知的激活函数没有可以匹配的有界范围，所以函数应该拒绝：悄悄地猜测正是文章中数据缩放错误的来源。",
    "Your step compiles a model again. compile() replaces the optimizer (and its state) and throws the traced train function away, so every step would start over and retrace: slow, and Adam would forget its moment estimates.":
        "你的训练步骤又编译了一次模型。compile() 会替换优化器（及其状态）并丢弃已追踪的训练函数，于是每一步都会从头开始并重新追踪：既慢，Adam 还会忘掉它的矩估计。",
    "article_step must return (d_loss_real, d_loss_fake, g_loss).":
        "article_step 必须返回 (d_loss_real, d_loss_fake, g_loss)。",
    "D did not learn: its weights did not move at all. D's train function was traced while discriminator.trainable was False (the recipe leaves it False after compiling), so it had no trainable weights. This is the Keras 3 trap: the flag counts when a train function is first traced, not when the model is compiled.":
        "D 没有学习：它的权重完全没有变化。D 的训练函数是在 discriminator.trainable 为 False 时被追踪的（这个做法在编译后让它保持 False），所以它没有可训练的权重。这是 Keras 3 的陷阱：起作用的是训练函数首次被追踪时的标志，而不是模型编译时的。",
    "D was trainable when the combined model's train function was traced, so the generator's half-step also trained D, towards calling the fakes real (the article's bug: D is never frozen).":
        "追踪组合模型的训练函数时 D 是可训练的，所以生成器的半步也训练了 D，让它把伪造样本判为真实（文章的错误：D 从未被冻结）。",
    "G did not learn: the combined model never updated it.":
        "G 没有学习：组合模型从未更新它。",
    "D got worse at telling real from fake: its labels look swapped.":
        "D 分辨真伪的能力变差了：它的标签看起来弄反了。",
    "G moved away from fooling D: its target looks wrong.":
        "G 离骗过 D 越来越远：它的目标看起来不对。",
    "train_step must return (d_loss, g_loss).":
        "train_step 必须返回 (d_loss, g_loss)。",
    "D's update made it worse at telling real from fake.":
        "D 的更新使它分辨真伪的能力变差了。",
    "The optimizers are swapped: d_optimizer updated G and g_optimizer D.":
        "优化器弄反了：d_optimizer 更新了 G，g_optimizer 更新了 D。",
    "D was not updated.":
        "D 没有被更新。",
    "The discriminator's update also changed G.":
        "判别器的更新也改变了 G。",
    "The generator's update also changed D: D is not held fixed while G trains (the article's bug). With a GradientTape nothing needs freezing; just do not hand D's weights to the generator's optimizer.":
        "生成器的更新也改变了 D：G 训练时 D 没有保持固定（文章的错误）。用 GradientTape 时不需要冻结任何东西；只要不把 D 的权重交给生成器的优化器即可。",
    "G was not updated.":
        "G 没有被更新。",
    "d_loss uses swapped labels (real -> 0, fake -> 1).":
        "d_loss 用了颠倒的标签（真实 -> 0，伪造 -> 1）。",
    "d_loss is not the discriminator's cross-entropy at the start of the step.":
        "d_loss 不是训练步骤开始时判别器的交叉熵。",
    "G was trained towards making D say 'fake'.":
        "G 被训练成让 D 说“伪造”。",
    "g_loss is not the non-saturating loss -log D(G(z)).":
        "g_loss 不是非饱和损失 -log D(G(z))。",
    "{what} must be one number.":
        "{what}必须是一个数。",
    "a scalar":
        "一个标量",
    "Average the per-sample losses.":
        "对逐样本损失求平均。",
    "{what} is not finite.":
        "{what}不是有限值。",
    "a finite loss":
        "一个有限的损失值",
    "Compute the loss from logits with a stable cross-entropy (cl.losses.discriminator_loss / generator_loss_non_saturating).":
        "用数值稳定的交叉熵从 logit 计算损失（cl.losses.discriminator_loss / generator_loss_non_saturating）。",
    "a keras.Model":
        "一个 keras.Model",
    "Return keras.Sequential([...]).":
        "返回 keras.Sequential([...])。",
    "Your generator cannot take a batch of 100-dimensional noise.":
        "你的生成器无法接受一个批次的 100 维噪声。",
    "Add keras.layers.Reshape((28, 28, 1)) after the last Dense layer.":
        "在最后一个 Dense 层之后加上 keras.layers.Reshape((28, 28, 1))。",
    "Our data and discriminators use (28, 28, 1): Reshape((28, 28, 1)).":
        "我们的数据和判别器使用 (28, 28, 1)：Reshape((28, 28, 1))。",
    "finite pixels in [-1, 1]":
        "[-1, 1] 中的有限像素值",
    "NaN or inf":
        "NaN 或 inf",
    "Check the weights (e.g. model.get_weights()) for NaN and build the model from fresh layers.":
        "检查权重（例如 model.get_weights()）中是否有 NaN，并用新建的层构造模型。",
    "outputs spanning [-1, 1]":
        "覆盖 [-1, 1] 的输出",
    "Use activation='tanh' in the last Dense layer (or rescale a sigmoid with keras.layers.Rescaling(2.0, offset=-1.0)).":
        "在最后一个 Dense 层使用 activation='tanh'（或者用 keras.layers.Rescaling(2.0, offset=-1.0) 重新缩放 sigmoid）。",
    "values in [-1, 1] whatever the noise":
        "无论噪声如何，值都在 [-1, 1] 中",
    "End with a bounded activation: activation='tanh' in the last Dense layer.":
        "以有界的激活函数结尾：在最后一个 Dense 层使用 activation='tanh'。",
    "outputs reaching near -1 and near 1":
        "输出能接近 -1 和 1",
    "Map the last layer onto the whole range: tanh, not a scaled-down or shifted version of it.":
        "让最后一层映射到整个范围：用 tanh，而不是缩小或平移后的 tanh。",
    "build_generator(8) maps (n, 8) noise to (n, 28, 28, 1)":
        "build_generator(8) 把 (n, 8) 的噪声映射为 (n, 28, 28, 1)",
    "Use latent_dim in keras.Input(shape=(latent_dim,)), not 100.":
        "在 keras.Input(shape=(latent_dim,)) 中使用 latent_dim，而不是 100。",
    "(5, 1): one logit per noise vector":
        "(5, 1)：每个噪声向量一个 logit",
    "Pass the generated images through the discriminator.":
        "让生成的图像经过判别器。",
    "the same weight objects":
        "同一批权重对象",
    "copies or new weights":
        "副本或新的权重",
    "Call the given models on a new input; do not clone them.":
        "在一个新输入上调用给定的模型；不要克隆它们。",
    "Compute in floating point: uint8 arithmetic wraps around at 256.":
        "用浮点数计算：uint8 运算在 256 处会回绕。",
    "a result":
        "一个结果",
    "compile once, then only set discriminator.trainable in the step":
        "只编译一次，然后在训练步骤中只设置 discriminator.trainable",
    "compile() called inside article_step":
        "在 article_step 内部调用了 compile()",
    "Toggle the flag only: trainable = True before D's train_on_batch, False before the combined model's.":
        "只切换这个标志：D 的 train_on_batch 之前设为 trainable = True，组合模型的之前设为 False。",
    "a tuple of 3 numbers":
        "一个含 3 个数的元组",
    "D's weights change in D's half-step":
        "D 的权重在 D 的半步中发生变化",
    "max change 0.0":
        "最大变化 0.0",
    "Set discriminator.trainable = True right before discriminator.train_on_batch.":
        "在 discriminator.train_on_batch 之前设置 discriminator.trainable = True。",
    "the combined model updates G only":
        "组合模型只更新 G",
    "Set discriminator.trainable = False right before combined.train_on_batch.":
        "在 combined.train_on_batch 之前设置 discriminator.trainable = False。",
    "G's weights change":
        "G 的权重发生变化",
    "Call combined.train_on_batch(z, np.ones((len(z), 1))).":
        "调用 combined.train_on_batch(z, np.ones((len(z), 1)))。",
    "real -> 1, fake -> 0":
        "真实 -> 1，伪造 -> 0",
    "D's loss went up":
        "D 的损失上升了",
    "train_on_batch(real, ones) and train_on_batch(fake, zeros).":
        "train_on_batch(real, ones) 和 train_on_batch(fake, zeros)。",
    "combined.train_on_batch(z, ones): fakes labelled real":
        "combined.train_on_batch(z, ones)：伪造样本标为真实",
    "-log D(G(z)) went up":
        "-log D(G(z)) 上升了",
    "The generator's target is 1.":
        "生成器的目标是 1。",
    "a tuple of 2 losses":
        "一个含 2 个损失的元组",
    "D's loss goes down":
        "D 的损失下降",
    "it went up":
        "它上升了",
    "Minimise d_loss (apply its gradient), with real -> 1 and fake -> 0.":
        "最小化 d_loss（应用它的梯度），真实 -> 1，伪造 -> 0。",
    "d_optimizer -> D, g_optimizer -> G":
        "d_optimizer -> D，g_optimizer -> G",
    "the reverse":
        "反过来了",
    "d_optimizer.apply_gradients on D's gradients":
        "d_optimizer.apply_gradients 作用于 D 的梯度",
    "d_optimizer updates D's weights only":
        "d_optimizer 只更新 D 的权重",
    "Differentiate d_loss with respect to discriminator.trainable_weights.":
        "对 discriminator.trainable_weights 求 d_loss 的导数。",
    "g_optimizer updates G only":
        "g_optimizer 只更新 G",
    "g_optimizer.apply_gradients on G's gradients":
        "g_optimizer.apply_gradients 作用于 G 的梯度",
    "BCE from logits: real labelled 1, G(z) labelled 0, before the update.":
        "基于 logit 的二元交叉熵：真实样本标为 1，G(z) 标为 0，在更新之前计算。",
    "-log D(G(z)): the fakes labelled 1":
        "-log D(G(z))：伪造样本标为 1",
    "label 0 or the wrong sign":
        "标签为 0 或符号错误",
    "input shape (n, 100)":
        "输入形状 (n, 100)",
    "Start the model with keras.Input(shape=(latent_dim,)).":
        "用 keras.Input(shape=(latent_dim,)) 作为模型的开头。",
    "measured range [{lo:.3g}, {hi:.3g}]":
        "实测范围 [{lo:.3g}, {hi:.3g}]",
    "measured range [{lo:.3g}, {hi:.3g}] on random noise":
        "随机噪声上的实测范围 [{lo:.3g}, {hi:.3g}]",
    "it does not accept 8-dimensional noise":
        "它不接受 8 维噪声",
    "generator.input does not exist for a Keras 3 Sequential model that was never called: this is the error the article's sample 1 stops with.":
        "对从未被调用过的 Keras 3 Sequential 模型，generator.input 不存在：文章的示例 1 正是停在这个错误上。",
    "You fed the noise z to the discriminator, as the article's sample 1 does: D expects images of shape (28, 28, 1), not 100-vectors.":
        "你像文章的示例 1 那样把噪声 z 直接输入了判别器：D 需要形状为 (28, 28, 1) 的图像，而不是 100 维向量。",
    "{call} must keep the shape.":
        "{call} 必须保持形状不变。",
    "For {act!r} you returned the range {lo_hi}, which is {other}'s. The article never states its scaling: with a mismatch, D tells real from fake by range.":
        "对 {act!r} 你返回的范围是 {lo_hi}，那是 {other} 的范围。文章从未说明它的缩放方式：一旦不匹配，D 仅凭取值范围就能分辨真伪。",
    "tanh -> x / 127.5 - 1; sigmoid -> x / 255.":
        "tanh -> x / 127.5 - 1；sigmoid -> x / 255。",
    "For {act!r} your values lie in [-0.5, 0.5].":
        "对 {act!r} 你的值落在 [-0.5, 0.5] 中。",
    "Add .astype(np.float32).":
        "加上 .astype(np.float32)。",
    "it updates {g_targets}":
        "它更新了 {g_targets}",
    "d_optimizer updated: {targets}":
        "d_optimizer 更新了：{targets}",
    "it updated {d_t}":
        "它更新了 {d_t}",
    "it updated {g_t}":
        "它更新了 {g_t}",
    "g_optimizer updated: {targets}":
        "g_optimizer 更新了：{targets}",
    "{d_loss_ref:.4f} (or its half, a mean over 2n)":
        "{d_loss_ref:.4f}（或它的一半，即对 2n 个样本求平均）",
    "{loss:.4f} (with the updated D)":
        "{loss:.4f}（使用更新后的 D）",
    "output {shape8}":
        "输出 {shape8}",
    "a model built from a new input tensor":
        "一个基于新输入张量构建的模型",
    "z = keras.Input(shape=(100,)); return keras.Model(z, discriminator(generator(z))).":
        "z = keras.Input(shape=(100,)); return keras.Model(z, discriminator(generator(z)))。",
    "The discriminator must judge the generator's images: D(G(z)).":
        "判别器必须评判生成器的图像：D(G(z))。",
    "nothing":
        "什么也没有",
    # ---------------------------------------------------------------- ch05
    "The path":
        "路径",
    "A straight line from z0 to z1 in equal steps, both ends included.":
        "从 z0 到 z1 的一条直线，步长相等，两端都包括在内。",
    "You forgot the factor 2 in front of the trace of the square root.":
        "你漏掉了平方根的迹前面的因子 2。",
    "FD = |mu1 - mu2|^2 + tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2)).":
        "FD = |mu1 - mu2|^2 + tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2))。",
    "The square-root term must be subtracted, not added.":
        "平方根项必须减去，而不是加上。",
    "You took the square root of each entry of C1 C2.":
        "你对 C1 C2 的每个元素分别开了平方根。",
    "np.sqrt works entry by entry. Use a matrix square root, e.g. via np.linalg.eigh: sqrt(C) = V diag(sqrt(w)) V^T, and tr((C1 C2)^(1/2)) = tr((S C2 S)^(1/2)) with S = sqrt(C1).":
        "np.sqrt 是逐元素计算的。请用矩阵平方根，例如借助 np.linalg.eigh：sqrt(C) = V diag(sqrt(w)) V^T，且 tr((C1 C2)^(1/2)) = tr((S C2 S)^(1/2))，其中 S = sqrt(C1)。",
    "You used tr(sqrt(C1) sqrt(C2)), not tr(sqrt(C1 C2)).":
        "你用的是 tr(sqrt(C1) sqrt(C2))，而不是 tr(sqrt(C1 C2))。",
    "The square roots do not split over the product unless C1 and C2 commute. Take the square root of S C2 S, with S = sqrt(C1).":
        "除非 C1 与 C2 可交换，平方根不能拆到乘积的两个因子上。请对 S C2 S 开平方根，其中 S = sqrt(C1)。",
    "The mean term must be the *squared* distance |mu1 - mu2|^2.":
        "均值项必须是距离的平方 |mu1 - mu2|^2。",
    "Use d @ d (or np.sum(d**2)), not np.linalg.norm(d).":
        "使用 d @ d（或 np.sum(d**2)），而不是 np.linalg.norm(d)。",
    "The Fréchet distance":
        "Fréchet距离",
    "You kept the pairs of a sample with itself (i = j) and divided by n^2: that is the biased V-statistic, whose average over sets from one distribution is above 0.":
        "你保留了样本与自身配对的项（i = j），并除以 n^2：这是有偏的 V 统计量，对来自同一分布的两组样本，它的平均值大于 0。",
    "Leave out the diagonal of each within-set kernel matrix (K.sum() - np.trace(K)) and divide by n(n - 1), the number of pairs i != j.":
        "去掉每个组内核矩阵的对角线（K.sum() - np.trace(K)），再除以 n(n - 1)，即 i != j 的配对数。",
    "You left out the pairs i = j but still divided by n^2: there are only n(n - 1) pairs i != j.":
        "你去掉了 i = j 的配对，却仍然除以 n^2：i != j 的配对只有 n(n - 1) 个。",
    "Divide each within-set sum by n * (n - 1) (and by m * (m - 1) for y).":
        "把每个组内的和除以 n * (n - 1)（对 y 则除以 m * (m - 1)）。",
    "You divided by n(n - 1) but kept the pairs of a sample with itself (i = j) in the sum.":
        "你除以了 n(n - 1)，但求和时保留了样本与自身配对的项（i = j）。",
    "Subtract the diagonal: K.sum() - np.trace(K), then divide by n * (n - 1).":
        "减去对角线：K.sum() - np.trace(K)，再除以 n * (n - 1)。",
    "You divided y's within-set sum by x's number of pairs: the sets have different sizes.":
        "你用 x 的配对数去除 y 的组内和：两组样本的大小不同。",
    "Use m = len(y) for y: its sum over i != j is divided by m * (m - 1).":
        "对 y 使用 m = len(y)：它在 i != j 上的和要除以 m * (m - 1)。",
    "Your kernel does not divide the dot product by d, the number of features.":
        "你的核函数没有把点积除以特征数 d。",
    "k(x, y) = (x . y / d + 1) ** 3 with d = x.shape[1].":
        "k(x, y) = (x . y / d + 1) ** 3，其中 d = x.shape[1]。",
    "Your kernel is missing the + 1: (x . y / d) ** 3.":
        "你的核函数缺少 + 1：(x . y / d) ** 3。",
    "Your kernel is squared; KID's polynomial kernel is a cube.":
        "你的核函数是平方；KID 的多项式核是三次方。",
    "Your kernel has no power at all; KID's polynomial kernel is a cube.":
        "你的核函数根本没有幂次；KID 的多项式核是三次方。",
    "The cross term needs the factor 2: -2 * mean k(x_i, y_j).":
        "交叉项需要因子 2：-2 * mean k(x_i, y_j)。",
    "MMD^2 = mean k(x, x') + mean k(y, y') - 2 mean k(x, y).":
        "MMD^2 = mean k(x, x') + mean k(y, y') - 2 mean k(x, y)。",
    "The kernel distance":
        "核距离",
    "Your distance is NaN or infinite.":
        "你的距离是 NaN 或无穷大。",
    "Your covariance is over the wrong axis: it compares samples, not features.":
        "你的协方差沿错误的轴计算：比较的是样本，而不是特征。",
    "FD = {found:.4f}: squared mean difference plus the covariance term, with a true matrix square root.":
        "FD = {found:.4f}：均值差的平方加上协方差项，并使用真正的矩阵平方根。",
    "Means over axis 0, np.cov(x, rowvar=False), squared mean difference, and tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2)) with a matrix square root.":
        "沿轴 0 求均值，np.cov(x, rowvar=False)，均值差的平方，以及使用矩阵平方根的 tr(C1) + tr(C2) - 2 tr((C1 C2)^(1/2))。",
    "One row per step, please: the output is transposed.":
        "请每步一行：输出被转置了。",
    "The output has the wrong shape.":
        "输出的形状不对。",
    "The path runs backwards: it must start at z0 and end at z1.":
        "路径方向反了：它必须从 z0 出发，到 z1 结束。",
    "The path stops one step short of z1.":
        "路径在到达 z1 之前少了一步。",
    "The path must start exactly at z0 and end exactly at z1.":
        "路径必须恰好从 z0 出发、恰好在 z1 结束。",
    "Equal steps: t = np.linspace(0, 1, num), then (1 - t) * z0 + t * z1.":
        "等距的步长：t = np.linspace(0, 1, num)，然后 (1 - t) * z0 + t * z1。",
    "Just the two ends.":
        "只有两个端点。",
    "KID = {kid:.4f}: the pairs i = j left out, so it is 0 on average for two sets from one distribution.":
        "KID = {kid:.4f}：去掉了 i = j 的配对，所以对来自同一分布的两组样本，它的平均值为 0。",
    "Within each set: the mean of k over the pairs i != j; across: the mean over all pairs; KID = within x + within y - 2 * across, with k(a, b) = (a . b / d + 1) ** 3.":
        "组内：k 在 i != j 的配对上的平均值；组间：在所有配对上的平均值；KID = x 的组内 + y 的组内 - 2 * 组间，其中 k(a, b) = (a . b / d + 1) ** 3。",
    "a float":
        "一个浮点数",
    "np.sqrt of a matrix takes the square root of each entry, and entries of C1 @ C2 can be negative. You need a *matrix* square root: with the symmetric eigendecomposition C = V diag(w) V^T, sqrt(C) = V diag(sqrt(w)) V^T.":
        "对矩阵用 np.sqrt 是对每个元素开平方根，而 C1 @ C2 的元素可能是负数。你需要矩阵平方根：利用对称特征分解 C = V diag(w) V^T，sqrt(C) = V diag(sqrt(w)) V^T。",
    "Rows are samples, columns are features: np.cov(x, rowvar=False).":
        "行是样本，列是特征：np.cov(x, rowvar=False)。",
    "The distance of a set to itself must be 0.":
        "一组样本与它自身的距离必须为 0。",
    "np.stack([...], axis=0), or (1 - t) * z0 + t * z1 with t of shape (num, 1).":
        "np.stack([...], axis=0)，或者 (1 - t) * z0 + t * z1，其中 t 的形状为 (num, 1)。",
    "num rows, each a latent vector.":
        "num 行，每行一个潜在向量。",
    "At t = 0 the vector is z0; at t = 1 it is z1.":
        "t = 0 时向量是 z0；t = 1 时是 z1。",
    "np.linspace(0, 1, num) includes both ends; arange(num) / num does not.":
        "np.linspace(0, 1, num) 包含两个端点；arange(num) / num 不包含。",
    "t runs from 0 to 1: (1 - t) * z0 + t * z1.":
        "t 从 0 变到 1：(1 - t) * z0 + t * z1。",
    "{kind} of shape {shape}":
        "形状为 {shape} 的 {kind}",
    "covariances of shape ({width}, {width})":
        "形状为 ({width}, {width}) 的协方差",
    "covariances of shape ({n_xs}, {n_xs})":
        "形状为 ({n_xs}, {n_xs}) 的协方差",
    "Your function failed on sets of different sizes (300 and 240 samples): {exc}":
        "你的函数在大小不同的两组样本（300 个和 240 个）上失败了：{exc}",
    "Rows are samples and may differ in number; covariances are over features: np.cov(x, rowvar=False) has shape (d, d) whatever the number of samples.":
        "行是样本，两组的样本数可以不同；协方差是对特征计算的：无论样本数多少，np.cov(x, rowvar=False) 的形状都是 (d, d)。",
    "Clip tiny negative eigenvalues (rounding) to 0 before sqrt.":
        "开平方根之前，把（舍入造成的）微小负特征值裁剪为 0。",
    "last row {row}":
        "最后一行 {row}",
    "first {z0}, last {z1}":
        "第一行 {z0}，最后一行 {z1}",
    "{n_a} and {n_b} samples":
        "{n_a} 个和 {n_b} 个样本",
    # ---------------------------------------------------------------- ch06
    "You measured each loss's KL weight: 784 for the tutorial's pixel mean, the beta-VAE's 4, and 1 whatever the overall scale or offset.":
        "你测出了每个损失的 KL 权重：教程中像素取平均时为 784，beta-VAE 为 4，其余无论整体尺度或偏移如何都是 1。",
    "Your function is right on the probe batches but failed inside the generator: {error}":
        "你的函数在探测批次上是正确的，但在生成器内部出错：{error}",
    "an array (n, 42) for z float32 (n, 32) and labels int32 (n,), n = 64 in training":
        "对 float32 的 z (n, 32) 和 int32 的标签 (n,)，返回形状为 (n, 42) 的数组，训练时 n = 64",
    "Run it on np.zeros((64, 32), np.float32) and np.arange(64, dtype=np.int32) % 10 to see the error.":
        "用 np.zeros((64, 32), np.float32) 和 np.arange(64, dtype=np.int32) % 10 运行它，就能看到这个错误。",
    "Trained with your input, the conditional GAN draws the animal asked for in only {mean:.0%} of its samples ({k} classes, {epochs} epochs): G does not obey the label.":
        "用你的输入训练后，条件 GAN 只有 {mean:.0%} 的样本画出了所要求的动物（{k} 个类别，{epochs} 个轮次）：生成器没有服从标签。",
    "at least {at_least:.0%} classified as the class asked for (chance: {chance:.0%})":
        "至少 {at_least:.0%} 的样本被分类为所要求的类别（随机水平：{chance:.0%}）",
    "The ten label columns must change with the label, one 1 in the label's column: np.eye(10)[labels].":
        "十个标签列必须随标签变化，在标签所在的列上为 1：np.eye(10)[labels]。",
    "Right on the probe batches, and it works inside a real conditional GAN: trained {epochs} epochs on {classes}, {mean:.0%} of its samples are classified as the animal asked for ({per_class}; pass mark {at_least:.0%}, chance {chance:.0%}).":
        "在探测批次上正确，并且在真正的条件 GAN 中也能工作：在 {classes} 上训练 {epochs} 个轮次后，{mean:.0%} 的样本被分类为所要求的动物（{per_class}；及格线 {at_least:.0%}，随机水平 {chance:.0%}）。",
    "Right for a linear critic (the same gradient everywhere) and for critics whose gradient depends on where x_hat lies: interpolates, per-sample norms, lambda.":
        "对线性评判器（处处梯度相同）以及梯度依赖于 x_hat 位置的评判器都正确：插值点、逐样本范数、lambda。",
    "the correct loss":
        "正确的损失",
    "the tutorial's loss: pixel MEAN + KL sum":
        "教程中的损失：像素取平均 + KL 求和",
    "KL averaged over the latent dimensions":
        "KL 对潜在维度取了平均",
    "a beta-VAE with beta = 4":
        "beta = 4 的 beta-VAE",
    "both terms averaged":
        "两项都取平均",
    "the correct loss, halved":
        "正确的损失的一半",
    "the correct loss plus a constant":
        "正确的损失加上一个常数",
    "Your measured KL weight":
        "你测得的 KL 权重",
    "one number: the KL's weight":
        "一个数：KL 项的权重",
    "The labels are not used: the output is z alone, so G cannot know which animal to draw.":
        "没有用到标签：输出只有 z，所以 G 无从知道要画哪种动物。",
    "Concatenate the one-hot labels to z: np.concatenate([z, one_hot], axis=1).":
        "把 one-hot 标签拼接到 z 上：np.concatenate([z, one_hot], axis=1)。",
    "The label is appended as one number, not as a one-hot vector: the network would read 'zebra' (9) as nine times 'bird' (1).":
        "标签被当作一个数附加上去，而不是 one-hot 向量：网络会把 'zebra' (9) 理解为 'bird' (1) 的九倍。",
    "Use np.eye(10)[labels]: ten columns, one 1 each.":
        "使用 np.eye(10)[labels]：十列，每行一个 1。",
    "The one-hot has as many columns as the largest label in the batch + 1, not 10: its width changes from batch to batch.":
        "one-hot 的列数是批次中最大标签 + 1，而不是 10：它的宽度会随批次变化。",
    "Always use 10 columns: np.eye(num_classes)[labels].":
        "始终使用 10 列：np.eye(num_classes)[labels]。",
    "The one-hot is concatenated along axis 0: it adds rows (samples), not columns.":
        "one-hot 沿轴 0 拼接：它增加的是行（样本），而不是列。",
    "Concatenate along the feature axis: axis=1.":
        "沿特征轴拼接：axis=1。",
    "The one-hot comes before z: put z first, then the ten label columns, as cl.conditional's generator does.":
        "one-hot 放在了 z 前面：先放 z，再放十个标签列，与 cl.conditional 的生成器一致。",
    "np.concatenate([z, one_hot], axis=1).":
        "np.concatenate([z, one_hot], axis=1)。",
    "The 1 sits one column too early (labels - 1): label 0 lights the last column.":
        "1 的位置早了一列（labels - 1）：标签 0 点亮的是最后一列。",
    "Index np.eye(10) with the labels themselves.":
        "直接用标签本身索引 np.eye(10)。",
    "an array (n, latent_dim + 10)":
        "一个 (n, latent_dim + 10) 的数组",
    "a run that learns":
        "一次正常学习的训练",
    "a run whose samples all look alike":
        "一次所有样本看起来都一样的训练",
    "a run where D is always right":
        "一次 D 总是判断正确的训练",
    "a run that collapsed AND whose D is always right":
        "一次既发生了模式崩溃、D 又总是判断正确的训练",
    "a run that started badly and recovered":
        "一次开局不好但恢复了的训练",
    "a run that was fine for a while, then D took over":
        "一次前一段正常、随后 D 占了上风的训练",
    "a run whose diversity dropped in the very last epoch only":
        "一次多样性只在最后一个轮次下降的训练",
    "a run that rose above 0.5 diversity in the very last epoch only":
        "一次多样性只在最后一个轮次升到 0.5 以上的训练",
    "a run that was low three epochs from the end, and recovered":
        "一次在倒数第三个轮次时很低、随后恢复了的训练",
    "a run where D is sure about the real images but not the fakes":
        "一次 D 对真实图像很有把握、对伪造图像却没有的训练",
    "a run where D's accuracy on real images peaked in the last epoch only":
        "一次 D 在真实图像上的准确率只在最后一个轮次达到峰值的训练",
    "a run whose diversity fell, then climbed back for the last two epochs":
        "一次多样性下降、又在最后两个轮次回升的训练",
    "the last epoch alone (v[-1])":
        "只看最后一个轮次（v[-1]）",
    "Average the last three epochs, np.mean(v[-3:]): one epoch is noisy.":
        "对最后三个轮次求平均 np.mean(v[-3:])：单个轮次的噪声很大。",
    "v[-3], a single epoch":
        "v[-3]，单个轮次",
    "v[-3] is one value, three epochs from the end; the last three are v[-3:], and their mean is np.mean(v[-3:]).":
        "v[-3] 是一个值，位于倒数第三个轮次；最后三个轮次是 v[-3:]，它们的平均值是 np.mean(v[-3:])。",
    "`or` between the two accuracies":
        "在两个准确率之间用了 `or`",
    "D wins only if it is right about the real images AND the fakes; use `and`.":
        "只有当 D 对真实图像和伪造图像都判断正确时，D 才占上风；请用 `and`。",
    "the mean of the whole run":
        "整个训练过程的平均值",
    "Use the last three epochs, not the mean of all: a diagnosis is about where the run ended up.":
        "用最后三个轮次，而不是全部的平均值：诊断关心的是训练最终停在哪里。",
    "the first three epochs":
        "最前面三个轮次",
    "v[:3] is the start of the run; the last three epochs are v[-3:].":
        "v[:3] 是训练的开头；最后三个轮次是 v[-3:]。",
    "D's accuracy tested before diversity":
        "先检查 D 的准确率，再检查多样性",
    "Check diversity first: a collapsed generator is easy to spot, so D wins too, but the diagnosis is the collapse.":
        "先检查多样性：发生了模式崩溃的生成器很容易被识破，所以 D 也会占上风，但诊断结论是模式崩溃。",
    "the mean of the last two epochs":
        "最后两个轮次的平均值",
    "v[-2:] holds two epochs; the last three are v[-3:].":
        "v[-2:] 只有两个轮次；最后三个轮次是 v[-3:]。",
    "one of the strings 'healthy', 'mode collapse', 'discriminator wins'":
        "字符串 'healthy'、'mode collapse'、'discriminator wins' 之一",
    "the penalty taken at the real samples, not at the interpolates":
        "在真实样本处而不是插值点处计算的惩罚",
    "the penalty taken at the fake samples, not at the interpolates":
        "在伪造样本处而不是插值点处计算的惩罚",
    "alpha weighting the fakes: alpha * fake + (1 - alpha) * real":
        "alpha 加权了伪造样本：alpha * fake + (1 - alpha) * real",
    "alpha weights the REAL samples.":
        "alpha 加权的是真实样本。",
    "one norm over the whole batch":
        "对整个批次只取一个范数",
    "Take one norm per sample: np.sqrt(np.sum(g**2, axis=1)).":
        "每个样本取一个范数：np.sqrt(np.sum(g**2, axis=1))。",
    "the squared norm |g|^2 in place of |g|":
        "用范数的平方 |g|^2 代替了 |g|",
    "The norm is the square root of the sum of squares.":
        "范数是平方和的平方根。",
    "|g| - 1 not squared":
        "|g| - 1 没有平方",
    "Square it: (|g| - 1)^2.":
        "把它平方：(|g| - 1)^2。",
    "a one-sided penalty max(0, |g| - 1)^2":
        "单边惩罚 max(0, |g| - 1)^2",
    "WGAN-GP penalises gradients below 1 too: (|g| - 1)^2.":
        "WGAN-GP 也会惩罚小于 1 的梯度：(|g| - 1)^2。",
    "the sum over the batch in place of the mean":
        "用批次上的和代替了平均值",
    "Average over the samples: np.mean.":
        "对样本求平均：np.mean。",
    "lambda left out":
        "漏掉了 lambda",
    "Multiply by weight (lambda = 10).":
        "乘以 weight（lambda = 10）。",
    "lambda fixed at 10, whatever weight is passed":
        "无论传入什么 weight，lambda 都固定为 10",
    "Use the weight argument, not the constant 10.":
        "使用参数 weight，而不是常数 10。",
    "the norm of the batch-mean gradient":
        "批次平均梯度的范数",
    "Take each sample's own gradient norm, then average the penalties.":
        "取每个样本自己的梯度范数，再对各惩罚项求平均。",
    "Your gradient penalty":
        "你的梯度惩罚",
    "one number: the penalty":
        "一个数：惩罚项",
    "You returned the reconstruction's weight relative to the KL: the reciprocal of the KL's weight.":
        "你返回的是重构项相对于 KL 项的权重：即 KL 权重的倒数。",
    "Divide the KL slope by the reconstruction slope, not the other way round.":
        "用 KL 的斜率除以重构的斜率，而不是反过来。",
    "Change only the reconstruction (known change of the summed BCE), then only the KL (known change), and divide the two slopes of loss_fn.":
        "只改变重构项（求和的二元交叉熵的已知变化），再只改变 KL 项（已知变化），然后把 loss_fn 的两个斜率相除。",
    "2 noise vectors of size 10, labels [3, 8]":
        "2 个大小为 10 的噪声向量，标签 [3, 8]",
    "4 noise vectors of size 3, labels [0, 9, 2, 9]":
        "4 个大小为 3 的噪声向量，标签 [0, 9, 2, 9]",
    "one noise vector of size 5, label 'bird' (1)":
        "1 个大小为 5 的噪声向量，标签 'bird' (1)",
    "6 noise vectors of size 2, labels 0..5 (no class above 5)":
        "6 个大小为 2 的噪声向量，标签 0..5（没有大于 5 的类别）",
    "3 noise vectors of size 3, labels [7, 7, 7]":
        "3 个大小为 3 的噪声向量，标签 [7, 7, 7]",
    "D wins only if both d_acc_real and d_acc_fake are above 0.95.":
        "只有当 d_acc_real 和 d_acc_fake 都高于 0.95 时，D 才占上风。",
    "All {n_cases} runs diagnosed: diversity first, then D's accuracy on real AND fake images, over the mean of the last three epochs.":
        "全部 {n_cases} 次训练都诊断正确：先看多样性，再看 D 在真实和伪造图像上的准确率，都取最后三个轮次的平均值。",
    "Wrong diagnosis for {n_wrong} of {n_cases} runs, first for {case}.":
        "{n_cases} 次训练中有 {n_wrong} 次诊断错误，第一次是{case}。",
    "Judge np.mean(history[key][-3:]) for each key; diversity < 0.5 first, then d_acc_real > 0.95 and d_acc_fake > 0.95.":
        "对每个键判断 np.mean(history[key][-3:])；先看多样性 < 0.5，再看 d_acc_real > 0.95 且 d_acc_fake > 0.95。",
    "a linear critic f(x) = w.x (gradient w)":
        "线性评判器 f(x) = w.x（梯度为 w）",
    "f(x) = |x|^2 / 2 (gradient x)":
        "f(x) = |x|^2 / 2（梯度为 x）",
    "f(x) = |x|^2 (gradient 2x), lambda = 1":
        "f(x) = |x|^2（梯度为 2x），lambda = 1",
    "x_hat = alpha*real + (1-alpha)*fake; g = grad_fn(x_hat); per-sample norm |g|; weight * mean((|g| - 1)^2).":
        "x_hat = alpha*real + (1-alpha)*fake；g = grad_fn(x_hat)；逐样本范数 |g|；weight * mean((|g| - 1)^2)。",
    "Your function called loss_fn with inputs of the wrong shapes.":
        "你的函数用形状错误的输入调用了 loss_fn。",
    "Return one number: the weight of the KL term.":
        "返回一个数：KL 项的权重。",
    "Your function never called loss_fn: the weight must be measured.":
        "你的函数从未调用 loss_fn：权重必须通过测量得到。",
    "For {description}, the values are wrong.":
        "对于{description}，值不对。",
    "z unchanged in the first columns, then one 1 per row in the column of its label":
        "前几列是不变的 z，然后每行在其标签对应的列上有一个 1",
    "np.concatenate([z, np.eye(10)[labels]], axis=1).":
        "np.concatenate([z, np.eye(10)[labels]], axis=1)。",
    "Mode collapse means diversity below 0.5.":
        "模式崩溃指多样性低于 0.5。",
    "D wins when both accuracies are above 0.95.":
        "当两个准确率都高于 0.95 时，D 占上风。",
    "Return one of the three labels as a string.":
        "以字符串形式返回这三个标签之一。",
    "Your function returns {label!r} for every run.":
        "你的函数对每次训练都返回 {label!r}。",
    "Compute the three summaries from history and apply the rules.":
        "根据 history 计算三个摘要值，然后应用规则。",
    "Return one number: the penalty averaged over the batch.":
        "返回一个数：对批次平均后的惩罚项。",
    "Make one batch of n images and their n latent codes; n = 1 is enough.":
        "构造一个含 n 张图像及其 n 个潜在编码的批次；n = 1 就够了。",
    "a number measured by calling loss_fn":
        "一个通过调用 loss_fn 测得的数",
    "Evaluate loss_fn on inputs whose reconstruction and KL terms you know, and compare the differences.":
        "在重构项和 KL 项已知的输入上计算 loss_fn，并比较差值。",
    "For {description}, the result has the wrong shape.":
        "对于{description}，结果的形状不对。",
    "d_acc_real alone for D's accuracy":
        "只用 d_acc_real 代表 D 的准确率",
    "d_acc_fake alone for D's accuracy":
        "只用 d_acc_fake 代表 D 的准确率",
    "Copy the strings exactly, e.g. return \"mode collapse\".":
        "一字不差地照抄这些字符串，例如 return \"mode collapse\"。",
    "{n} different diagnoses":
        "{n} 种不同的诊断",
    "{label!r} {n} times":
        "{label!r} {n} 次",
    "Your diagnoses are those of a rule that uses {name}: wrong for {n_wrong} of {n_cases} runs, first {case}.":
        "你的诊断与一个使用了“{name}”的规则相同：{n_cases} 次训练中错了 {n_wrong} 次，第一次是{case}。",
    "np.mean over the samples' (|g| - 1)^2, times weight.":
        "对各样本的 (|g| - 1)^2 取 np.mean，再乘以 weight。",
    "Your penalty is that of {name}.":
        "你的惩罚项是{name}的惩罚项。",
    "x and x_prob (n, {PIXELS}), mu and log_var (n, {LATENT})":
        "x 和 x_prob 为 (n, {PIXELS})，mu 和 log_var 为 (n, {LATENT})",
    "{value:.4g} without a single call":
        "{value:.4g}，一次调用都没有",
    "latent dimensions":
        "潜在维度",
    "For {description}: {message}":
        "对于{description}：{message}",
    "shape {shape}: z's {k} columns, then 10":
        "形状 {shape}：先是 z 的 {k} 列，然后是 10 列",
    "a diversity threshold higher than 0.5":
        "高于 0.5 的多样性阈值",
    "a diversity threshold lower than 0.5":
        "低于 0.5 的多样性阈值",
    "an accuracy threshold lower than 0.95":
        "低于 0.95 的准确率阈值",
    "an accuracy threshold higher than 0.95":
        "高于 0.95 的准确率阈值",
    # ---------------------------------------------------------------- ch07
    "x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, each image at its own step: the forward process in one line, no loop over steps.":
        "x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps，每张图像处在自己的步数上：一行代码完成前向过程，无需对步数循环。",
    "Predict x0, then re-noise it to the earlier level with the same predicted noise: no fresh noise, so the sampler is a deterministic map from x_T to x_0.":
        "先预测 x0，再用同一个预测出的噪声把它重新加噪到更早的水平：没有新的噪声，所以采样器是从 x_T 到 x_0 的确定性映射。",
    "abar falls smoothly from almost 1 to almost 0: the cosine schedule spends its steps evenly over the image's information.":
        "abar 从接近 1 平滑地下降到接近 0：余弦噪声调度把它的步数均匀地分配在图像的信息上。",
    "Your x_t":
        "你的 x_t",
    "an array x_t of the shape of x0":
        "一个与 x0 形状相同的数组 x_t",
    "Your x_prev":
        "你的 x_prev",
    "an array x_prev of the shape of x_t":
        "一个与 x_t 形状相同的数组 x_prev",
    "an array of T numbers falling from about 1 to about 0":
        "一个含 T 个数的数组，从约 1 下降到约 0",
    "You used abar and 1 - abar as the factors: those are the variances, the factors are their square roots.":
        "你把 abar 和 1 - abar 当成了系数：它们是方差，系数是它们的平方根。",
    "x_t = np.sqrt(abar) * x0 + np.sqrt(1 - abar) * eps.":
        "x_t = np.sqrt(abar) * x0 + np.sqrt(1 - abar) * eps。",
    "The two factors are swapped: your x_t is mostly image at large t and mostly noise at small t.":
        "两个系数弄反了：你的 x_t 在 t 大时主要是图像，在 t 小时主要是噪声。",
    "The signal gets sqrt(abar_t), which falls with t; the noise sqrt(1 - abar_t).":
        "信号的系数是 sqrt(abar_t)，它随 t 减小；噪声的系数是 sqrt(1 - abar_t)。",
    "You used the noise level of step t - 1: the index is off by one.":
        "你用了第 t - 1 步的噪声水平：索引差了一位。",
    "Use alpha_bars[t] itself (t is 0-based).":
        "直接使用 alpha_bars[t]（t 从 0 开始）。",
    "You used the noise level of step t + 1: the index is off by one.":
        "你用了第 t + 1 步的噪声水平：索引差了一位。",
    "Every image got the first image's step t[0]: each image has its own t.":
        "每张图像都用了第一张图像的步数 t[0]：每张图像都有自己的 t。",
    "Index with the whole array, alpha_bars[t], and reshape it to (n, 1, 1, 1).":
        "用整个数组索引 alpha_bars[t]，并把它 reshape 成 (n, 1, 1, 1)。",
    "The noise's factor is 1 - abar, its variance; the factor is its square root.":
        "噪声的系数写成了 1 - abar，那是它的方差；系数是它的平方根。",
    "Use np.sqrt(1 - abar) * eps.":
        "使用 np.sqrt(1 - abar) * eps。",
    "x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, with abar_t = alpha_bars[t] reshaped to (n, 1, 1, 1).":
        "x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps，其中 abar_t = alpha_bars[t]，reshape 成 (n, 1, 1, 1)。",
    "You returned x0_hat, the predicted clean image: DDIM re-noises it to the earlier level abar_prev.":
        "你返回的是 x0_hat，即预测的干净图像：DDIM 会把它重新加噪到更早的水平 abar_prev。",
    "Return sqrt(abar_prev) * x0_hat + sqrt(1 - abar_prev) * eps.":
        "返回 sqrt(abar_prev) * x0_hat + sqrt(1 - abar_prev) * eps。",
    "You swapped abar_t and abar_prev: your step goes towards more noise, not less.":
        "你把 abar_t 和 abar_prev 弄反了：你的这一步走向更多噪声，而不是更少。",
    "x0_hat uses abar_t (the level of x_t); the re-noising uses abar_prev.":
        "x0_hat 用 abar_t（x_t 的水平）；重新加噪用 abar_prev。",
    "The re-noising kept the old level: sqrt(1 - abar_t) * eps where sqrt(1 - abar_prev) * eps belongs.":
        "重新加噪时保留了旧的水平：在该用 sqrt(1 - abar_prev) * eps 的地方用了 sqrt(1 - abar_t) * eps。",
    "Both parts of x_prev use abar_prev.":
        "x_prev 的两部分都用 abar_prev。",
    "x0_hat is divided by abar_t instead of its square root.":
        "x0_hat 除以了 abar_t，而不是它的平方根。",
    "x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t).":
        "x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)。",
    "x0_hat is not divided by sqrt(abar_t): the noise was removed but the signal not scaled back up.":
        "x0_hat 没有除以 sqrt(abar_t)：噪声去掉了，但信号没有放大回来。",
    "The noise's factor is 1 - abar_prev, a variance; it needs the square root.":
        "噪声的系数写成了 1 - abar_prev，那是方差；需要开平方根。",
    "Use np.sqrt(1 - abar_prev) * eps.":
        "使用 np.sqrt(1 - abar_prev) * eps。",
    "Your step gives a different answer each time: DDIM with eta = 0 adds no fresh noise.":
        "你的这一步每次给出的结果都不同：eta = 0 的 DDIM 不加入新的噪声。",
    "x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t); then x_prev = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev) eps.":
        "x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)；然后 x_prev = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev) eps。",
    "Your values are f(t), not normalised: divide by f(0).":
        "你的值是 f(t)，没有归一化：除以 f(0)。",
    "abar(t) = f(t) / f(0), so that abar is 1 before any noise.":
        "abar(t) = f(t) / f(0)，这样在加任何噪声之前 abar 为 1。",
    "Your values are abar for t = 0 .. T-1: shifted by one step.":
        "你的值是 t = 0 .. T-1 的 abar：错开了一步。",
    "Use t = 1 .. T (np.arange(1, T + 1) / T).":
        "使用 t = 1 .. T（np.arange(1, T + 1) / T）。",
    "You used cos, not cos^2.":
        "你用的是 cos，而不是 cos^2。",
    "f(t) = cos((t/T + s) / (1 + s) * pi / 2) ** 2.":
        "f(t) = cos((t/T + s) / (1 + s) * pi / 2) ** 2。",
    "You left out the offset s = 0.008.":
        "你漏掉了偏移量 s = 0.008。",
    "f(t) = cos((t/T + s) / (1 + s) * pi / 2) ** 2 with s = 0.008.":
        "f(t) = cos((t/T + s) / (1 + s) * pi / 2) ** 2，其中 s = 0.008。",
    "the same x_prev for the same inputs":
        "相同输入得到相同的 x_prev",
    "two different results":
        "两个不同的结果",
    "Use only x_t, eps and the two abar.":
        "只使用 x_t、eps 和两个 abar。",
    "Your abar for T = {T}":
        "你在 T = {T} 时的 abar",
    "f(t) = cos((t/T + 0.008) / 1.008 * pi / 2)**2 for t = 0 .. T; abar = f[1:] / f[0].":
        "对 t = 0 .. T，f(t) = cos((t/T + 0.008) / 1.008 * pi / 2)**2；abar = f[1:] / f[0]。",
    "Your array has T + 1 = {T_plus1} entries: it includes t = 0.":
        "你的数组有 T + 1 = {T_plus1} 个元素：它包含了 t = 0。",
    "Drop the first entry (abar at t = 0 is 1): return (f / f[0])[1:].":
        "去掉第一个元素（t = 0 时 abar 为 1）：返回 (f / f[0])[1:]。",
    "steps T":
        "步数 T",
    "{T} values, for t = 1 .. T":
        "{T} 个值，对应 t = 1 .. T",
    "{T_plus1} values":
        "{T_plus1} 个值",
    # ---------------------------------------------------------------- ch07b
    "Your masks hide every later pixel: type A hides the centre too, type B keeps it — the 7x7 type A keeps 24 of 49 taps.":
        "你的掩码遮住了所有更晚的像素：类型 A 还遮住中心，类型 B 保留中心——7x7 的类型 A 保留 49 个位置中的 24 个。",
    "Right: -mean(log p) / (pixels ln 2). A uniform guess over 2 levels costs exactly 1 bit per pixel.":
        "正确：-mean(log p) / (pixels ln 2)。在 2 个取值上均匀猜测，恰好每像素花费 1 比特。",
    "Your mask is transposed: it orders pixels column by column. Rows are the first index: keep mask[:c, :] (the rows above) and mask[c, :c] (left of the centre).":
        "你的掩码被转置了：它按列对像素排序。行是第一个索引：保留 mask[:c, :]（上面的行）和 mask[c, :c]（中心左侧）。",
    "Your mask keeps the future instead of the past (rows below, pixels to the right). Raster order runs top to bottom, left to right: keep the rows above and the left part.":
        "你的掩码保留的是未来而不是过去（下面的行、右侧的像素）。光栅顺序是从上到下、从左到右：保留上面的行和左侧部分。",
    "types swapped":
        "类型弄反了",
    "Types A and B are swapped: type A (the first layer) must hide the centre, the pixel being predicted; type B keeps it.":
        "类型 A 和 B 弄反了：类型 A（第一层）必须遮住中心，即正在预测的像素；类型 B 保留它。",
    "Your mask keeps taps in the rows below the centre: those pixels come later in raster order, so the model would see the future. Zero mask[c + 1:, :].":
        "你的掩码保留了中心以下各行的位置：这些像素在光栅顺序中更晚出现，模型就会看到未来。把 mask[c + 1:, :] 置零。",
    "Your mask keeps the centre row right of the centre: those pixels come later in raster order. Keep only the left part, mask[c, :c].":
        "你的掩码保留了中心行里中心右侧的位置：这些像素在光栅顺序中更晚出现。只保留左侧部分 mask[c, :c]。",
    "centre A":
        "中心 A",
    "Your type A mask keeps the centre: the first layer would see the very pixel it predicts, and training would learn to copy it.":
        "你的类型 A 掩码保留了中心：第一层会看到它要预测的那个像素，训练就会学会直接复制它。",
    "centre B":
        "中心 B",
    "Your type B mask hides the centre. Type B layers may see their own position: a hidden layer's value there was computed from earlier pixels only.":
        "你的类型 B 掩码遮住了中心。类型 B 的层可以看到自己的位置：隐藏层在那里的值只由更早的像素计算而来。",
    "Your mask hides the pixels left of the centre in its row: they come earlier in raster order and the model needs them (mask[c, :c] = 1).":
        "你的掩码遮住了中心所在行里中心左侧的像素：它们在光栅顺序中更早出现，模型需要它们（mask[c, :c] = 1）。",
    "a (k, k) array of 0s and 1s":
        "一个由 0 和 1 组成的 (k, k) 数组",
    "Your bits per pixel":
        "你的每像素比特数",
    "one number: bits per pixel":
        "一个数：每像素比特数",
    "Your bits per pixel are negative: the log-likelihood is negative, and the cost in bits is its negative.":
        "你的每像素比特数是负数：对数似然是负数，而以比特计的代价是它的相反数。",
    "Put a minus sign in front.":
        "在前面加上负号。",
    "You returned bits per image: divide by the number of pixels.":
        "你返回的是每张图像的比特数：还要除以像素数。",
    "Divide by pixels as well.":
        "还要除以 pixels。",
    "You returned nats per pixel: a bit is ln 2 nats.":
        "你返回的是每像素奈特数：1 比特等于 ln 2 奈特。",
    "Divide by math.log(2) to turn nats into bits.":
        "除以 math.log(2)，把奈特换算成比特。",
    "You multiplied by ln 2 instead of dividing by it.":
        "你乘以了 ln 2，而不是除以它。",
    "bits = nats / ln 2.":
        "比特 = 奈特 / ln 2。",
    "You summed over the images: bits per pixel is an average, so take np.mean over them.":
        "你对图像求了和：每像素比特数是平均值，所以要对它们取 np.mean。",
    "np.mean(log_likelihood), not np.sum.":
        "用 np.mean(log_likelihood)，不要用 np.sum。",
    "You divided by ln 10: that gives digits (decimal units), not bits.":
        "你除以了 ln 10：得到的是十进制位数，而不是比特。",
    "Use math.log(2).":
        "使用 math.log(2)。",
    "bits per pixel = -mean(log_likelihood) / (pixels * ln 2).":
        "每像素比特数 = -mean(log_likelihood) / (pixels * ln 2)。",
    "Keep (1) the rows above the centre and, in the centre row, the taps left of it; the centre itself only for type 'B'.":
        "保留 (1) 中心以上的各行，以及中心行里中心左侧的位置；中心本身只在类型 'B' 中保留。",
    "Return one number: the mean over the images, in bits per pixel.":
        "返回一个数：对所有图像的平均值，单位为每像素比特数。",
    "{call} must have shape ({k}, {k}).":
        "{call} 的形状必须是 ({k}, {k})。",
    "One entry per kernel tap: np.zeros((k, k)), then set the kept taps to 1.":
        "每个卷积核位置一个元素：先 np.zeros((k, k))，再把保留的位置设为 1。",
    "{mask} for (3, 'A')":
        "{mask}（对应 (3, 'A')）",
    "Average over the images with np.mean.":
        "用 np.mean 对图像求平均。",
    "shape ({k}, {k})":
        "形状 ({k}, {k})",
    "{n_ll} images of {p} pixels":
        "{n_ll} 张 {p} 像素的图像",
    # ---------------------------------------------------------------- words in fields
    "function": "函数",
    "infinite": "无穷大",
    "batch": "批次",
    "classes": "类别",
    "rows": "行",
    "examples": "样本",
    "images": "图像",
    "pixels": "像素",
}

SAME: frozenset[str] = frozenset({
    "log 2",
    "log 4",
    "x - mu",
    "KL(p || q)",
    "KL(p || p)",
    "p_data {p}, p_g {q}",
    "raise ValueError(f'unknown activation {activation!r}: use tanh or sigmoid').",
    "grads = tape.gradient(d_loss, discriminator.trainable_weights)",
    "grads = tape.gradient(g_loss, generator.trainable_weights)",
    "cl.losses.discriminator_loss(real_logits, fake_logits)",
    "frechet_distance(x, y)",
    "interpolate(z0, z1, 5)",
    "interpolate(z0, z1, 2)",
    "frechet_distance(x, x)",
    "kernel_distance(x, y)",
    "mode collapse",
    "discriminator wins",
    "x_hat = alpha * real + (1 - alpha) * fake",
    "conditional_input(z, labels)",
    "bits_per_pixel(log_likelihood, pixels)",
})
"""English texts that read the same in Chinese (formulas, code, names)."""
