"""The English–中文 glossary, as data (introduced in chapter 0; the Chinese edition uses it throughout).

One entry per concept: its English term, its Chinese term, the chapter that introduces it, and a
one-line meaning in both languages. Chapter 0 renders its glossary table from :data:`GLOSSARY`
(``cl.glossary.table()``, in the course's language, see :mod:`course_lib.language`), and the
Chinese notebooks are checked against it: :func:`term_problems` reads Chinese markdown and says
where a concept is named with another word than the glossary's::

    cl.glossary.term("mode_collapse", "zh")   # '模式崩溃'
    cl.glossary.term_problems("判别器（generator）很容易……")  # wrong: generator is 生成器

A concept is *named* in three ways the check recognises: its Chinese term (or an accepted form
such as 高斯分布), a Chinese word the glossary lists as one to avoid (鉴别器 for 判别器), or its
English term in parentheses after Chinese text (``生成器（generator）``). A Chinese synonym that
the glossary does not list cannot be recognised: add it to the entry's ``avoid``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from course_lib.language import check_language, current

__all__ = ["GLOSSARY", "Table", "Term", "TermProblem", "by_id", "markdown_table", "table",
           "term", "term_problems"]


@dataclass(frozen=True)
class Term:
    """One concept of the glossary (chapter 0).

    ``en_forms`` and ``zh_forms`` are other accepted spellings (an abbreviation, a plural, 高斯分布
    for 正态分布); ``avoid`` lists Chinese synonyms that the Chinese edition does not use.
    """

    id: str
    en: str
    zh: str
    chapter: str
    meaning_en: str
    meaning_zh: str
    abbr: str = ""
    en_forms: tuple[str, ...] = ()
    zh_forms: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()

    def english(self) -> str:
        """The English term as the table shows it: with its abbreviation, if it has one."""
        return f"{self.en} ({self.abbr})" if self.abbr else self.en

    def english_forms(self) -> set[str]:
        """Every English spelling that names this concept, lower case (plurals included)."""
        forms = {self.en, *self.en_forms, *([self.abbr] if self.abbr else [])}
        forms |= {f.replace("-", " ") for f in forms}
        return {f.lower() for f in forms} | {f.lower() + "s" for f in forms}


def _t(id, en, zh, chapter, meaning_en, meaning_zh, **kw) -> Term:
    return Term(id, en, zh, chapter, meaning_en, meaning_zh, **kw)


#: The course's glossary, in the order chapter 0's table shows it.
GLOSSARY: tuple[Term, ...] = (
    _t("generative_ai", "generative AI", "生成式AI", "0",
       "models that produce new data resembling their training data",
       "生成与训练数据相似的新数据的模型", zh_forms=("生成式人工智能",)),
    _t("generative_model", "generative model", "生成模型", "0",
       "learns $p(x)$ and can sample from it", "学习 $p(x)$，并能从中采样",
       avoid=("生成式模型",)),
    _t("discriminative_model", "discriminative model", "判别模型", "0",
       r"learns $p(y \mid x)$: predicts a label", r"学习 $p(y \mid x)$：预测标签",
       avoid=("判别式模型",)),
    _t("generator", "generator", "生成器", "0",
       "the GAN network that maps noise $z$ to a sample $G(z)$",
       "GAN 中把噪声 $z$ 映射为样本 $G(z)$ 的网络"),
    _t("discriminator", "discriminator", "判别器", "0",
       "the GAN network that outputs the probability $D(x)$ that $x$ is real",
       "GAN 中输出 $x$ 为真实样本的概率 $D(x)$ 的网络", avoid=("鉴别器", "辨别器")),
    _t("gan", "generative adversarial network", "生成对抗网络", "0",
       "generator and discriminator trained as a two-player game (2014)",
       "生成器与判别器作为双人博弈共同训练（2014 年提出）", abbr="GAN",
       avoid=("生成式对抗网络", "对抗生成网络")),
    _t("vae", "variational autoencoder", "变分自编码器", "0",
       "encoder + decoder trained with a reconstruction and a KL term",
       "编码器加解码器，用重构项和 KL 项训练", abbr="VAE",
       avoid=("变分自动编码器", "变分自解码器")),
    _t("normal_distribution", "normal distribution", "正态分布", "1",
       r"$\mathcal N(\mu, \sigma^2)$, the bell curve", r"$\mathcal N(\mu, \sigma^2)$，即钟形曲线",
       en_forms=("Gaussian distribution", "normal (Gaussian) distribution"),
       zh_forms=("高斯分布",)),
    _t("probability_density", "probability density", "概率密度", "1",
       "$p(x)$: probability per unit of $x$", "$p(x)$：单位 $x$ 上的概率",
       en_forms=("probability density function", "PDF")),
    _t("likelihood", "likelihood", "似然", "1",
       "the density of the data under a model, read as a function of its parameters",
       "数据在模型下的密度，看作模型参数的函数",
       en_forms=("log-likelihood", "negative log-likelihood"), avoid=("似然度",)),
    _t("maximum_likelihood", "maximum likelihood", "最大似然", "1",
       "choose parameters that make the data most probable", "选取使数据出现概率最大的参数",
       en_forms=("maximum likelihood estimation", "MLE"), zh_forms=("最大似然估计",),
       avoid=("极大似然",)),
    _t("entropy", "entropy", "熵", "2",
       r"$H(p) = -\sum_i p_i \log p_i$, the average surprise",
       r"$H(p) = -\sum_i p_i \log p_i$，平均的“意外程度”"),
    _t("cross_entropy", "cross-entropy", "交叉熵", "2",
       r"$H(p, q) = -\sum_i p_i \log q_i$", r"$H(p, q) = -\sum_i p_i \log q_i$"),
    _t("binary_cross_entropy", "binary cross-entropy", "二元交叉熵", "2",
       "cross-entropy of a yes/no label: the discriminator's loss",
       "是/否标签的交叉熵：判别器的损失", abbr="BCE", avoid=("二值交叉熵", "二分类交叉熵")),
    _t("kl_divergence", "KL divergence", "KL散度", "2",
       "$H(p, q) - H(p)$, how far $q$ is from $p$", "$H(p, q) - H(p)$，衡量 $q$ 与 $p$ 相差多远",
       en_forms=("Kullback-Leibler divergence",), zh_forms=("KL 散度",)),
    _t("logit", "logit", "对数几率", "2",
       "the real number before the sigmoid", "sigmoid 之前的实数"),
    _t("loss_function", "loss function", "损失函数", "2",
       "the number training minimises", "训练要最小化的那个数", en_forms=("loss",)),
    _t("minimax_game", "minimax game", "极小极大博弈", "3",
       r"$\min_G \max_D V(D, G)$: the GAN's two-player objective",
       r"$\min_G \max_D V(D, G)$：GAN 的双人目标", avoid=("最小最大博弈", "极小极大游戏")),
    _t("optimal_discriminator", "optimal discriminator", "最优判别器", "3",
       r"$D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))$ for a fixed generator",
       r"生成器固定时 $D^*(x) = p_\text{data}(x) / (p_\text{data}(x) + p_g(x))$",
       avoid=("最佳判别器",)),
    _t("saturating_loss", "saturating loss", "饱和损失", "3",
       r"the generator minimises $\log(1 - D(G(z)))$: tiny gradients early on",
       r"生成器最小化 $\log(1 - D(G(z)))$：训练初期梯度极小",
       en_forms=("minimax loss",)),
    _t("non_saturating_loss", "non-saturating loss", "非饱和损失", "3",
       r"the generator maximises $\log D(G(z))$ instead: strong gradients early on",
       r"生成器改为最大化 $\log D(G(z))$：训练初期梯度充足", avoid=("不饱和损失",)),
    _t("learning_rate", "learning rate", "学习率", "3",
       "the size of each optimizer step", "优化器每一步的步长"),
    _t("latent_space", "latent space", "潜在空间", "0",
       "where the generator's input $z$ lives", "生成器输入 $z$ 所在的空间",
       avoid=("隐空间", "潜空间")),
    _t("noise_vector", "noise vector", "噪声向量", "0",
       "the random $z$ a generator turns into a sample", "生成器将其变成样本的随机向量 $z$"),
    _t("latent_vector", "latent vector", "潜在向量", "5",
       "a point $z$ of the latent space (a VAE's code, a GAN's input)",
       "潜在空间中的一个点 $z$（VAE 的编码、GAN 的输入）", avoid=("隐向量",)),
    _t("mode_collapse", "mode collapse", "模式崩溃", "3",
       "the generator produces only a few kinds of samples", "生成器只产生少数几类样本",
       avoid=("模式坍塌", "模式坍缩", "模式崩塌", "模式塌陷")),
    _t("training_instability", "training instability", "训练不稳定", "6",
       "losses oscillate or diverge instead of settling", "损失振荡或发散，而不是趋于稳定"),
    _t("transposed_convolution", "transposed convolution", "转置卷积", "5",
       "a learned upsampling layer (not a deconvolution)", "可学习的上采样层（并非反卷积）",
       en_forms=("Conv2DTranspose", "fractionally strided convolution"), avoid=("反卷积",)),
    _t("batch_normalization", "batch normalization", "批归一化", "5",
       "normalises each layer's inputs over the batch", "在批次上对每层的输入做归一化",
       en_forms=("batch normalisation", "batch norm", "BatchNorm"),
       avoid=("批量归一化", "批标准化", "批量标准化")),
    _t("data_augmentation", "data augmentation", "数据增强", "5",
       "transformed copies of the data to stretch a small data set",
       "对数据做变换得到的副本，用来扩充小数据集", avoid=("数据增广", "数据扩增")),
    _t("checkpoint", "checkpoint", "检查点", "5",
       "a saved training state to resume from", "保存下来、可从中恢复训练的状态"),
    _t("frechet_distance", "Fréchet distance", "Fréchet距离", "5",
       "distance between two Gaussians fitted to features", "拟合到特征上的两个高斯分布之间的距离",
       abbr="FD", en_forms=("Frechet distance",), zh_forms=("Fréchet 距离",)),
    _t("epoch", "epoch", "轮次", "0",
       "one pass over the training data", "完整遍历一遍训练数据"),
    _t("batch", "batch", "批次", "0",
       "the samples of one update", "一次参数更新所用的样本", en_forms=("mini-batch",)),
    _t("batch_size", "batch size", "批次大小", "0",
       "how many samples one update uses", "一次更新所用的样本数", avoid=("批量大小",)),
    _t("autoencoder", "autoencoder", "自编码器", "6",
       "a network trained to reproduce its input through a narrow code",
       "通过狭窄的编码来重现输入的网络", avoid=("自动编码器",)),
    _t("encoder", "encoder", "编码器", "6",
       "the VAE network that maps $x$ to a distribution over $z$",
       "VAE 中把 $x$ 映射为 $z$ 上的分布的网络"),
    _t("decoder", "decoder", "解码器", "6",
       "the VAE network that maps $z$ back to $x$", "VAE 中把 $z$ 映射回 $x$ 的网络"),
    _t("reparameterization_trick", "reparameterization trick", "重参数化技巧", "6",
       r"$z = \mu + \sigma \epsilon$: sampling that gradients can pass through",
       r"$z = \mu + \sigma \epsilon$：让梯度能穿过的采样", en_forms=("reparameterisation trick",),
       avoid=("重参数技巧", "再参数化技巧")),
    _t("elbo", "evidence lower bound", "证据下界", "6",
       r"the VAE's objective, a lower bound on $\log p(x)$", r"VAE 的目标，$\log p(x)$ 的下界",
       abbr="ELBO", avoid=("证据下限",)),
    _t("posterior_collapse", "posterior collapse", "后验坍缩", "6",
       "the VAE's encoder outputs the prior for every image: KL = 0, the code says nothing",
       "VAE 的编码器对每张图像都输出先验：KL = 0，编码不携带任何信息",
       avoid=("后验崩溃", "后验坍塌", "后验塌陷", "后验崩塌")),
    _t("critic", "critic", "评判器", "6",
       "the WGAN's discriminator: an unbounded score, not a probability",
       "WGAN 的判别器：输出不设界的分数，而不是概率", avoid=("批评器", "评价器", "评论家")),
    _t("spectral_normalization", "spectral normalization", "谱归一化", "6",
       "divides each weight matrix by its largest singular value, keeping D about 1-Lipschitz",
       "把每个权重矩阵除以它最大的奇异值，使 D 大致保持 1-Lipschitz",
       en_forms=("spectral normalisation", "spectral norm"), avoid=("谱标准化", "频谱归一化")),
    _t("hinge_loss", "hinge loss", "合页损失", "6",
       r"D minimises $\max(0, 1 - f(x)) + \max(0, 1 + f(G(z)))$ on raw scores",
       r"D 在原始分数上最小化 $\max(0, 1 - f(x)) + \max(0, 1 + f(G(z)))$",
       avoid=("铰链损失",)),
    _t("conditional_gan", "conditional GAN", "条件GAN", "6",
       "a GAN told which class to generate", "指定要生成哪一类的 GAN", abbr="cGAN",
       zh_forms=("条件生成对抗网络",)),
    _t("projection_discriminator", "projection discriminator", "投影判别器", "6b",
       r"a conditional D that adds $e_y^\top \phi(x)$, class embedding times image features, to its logit",
       r"把类别嵌入与图像特征的内积 $e_y^\top \phi(x)$ 加到对数几率上的条件判别器"),
    _t("diffusion_model", "diffusion model", "扩散模型", "6",
       "learns to undo step-by-step noising", "学习逐步撤销加噪过程的模型",
       en_forms=("denoising diffusion probabilistic model", "DDPM")),
    _t("token", "token", "词元", "6",
       "one unit of text (a word or a piece of one) that a language model reads and predicts",
       "语言模型读入并预测的一个文本单位（一个词或词的一部分）", avoid=("令牌", "词符")),
    _t("forward_process", "forward process", "前向过程", "7",
       "adds Gaussian noise to an image step by step", "一步步向图像加入高斯噪声",
       avoid=("正向过程",)),
    _t("reverse_process", "reverse process", "反向过程", "7",
       "removes the noise step by step: sampling", "一步步去除噪声：即采样", avoid=("逆向过程",)),
    _t("noise_schedule", "noise schedule", "噪声调度", "7",
       r"how much noise each step adds ($\beta_t$)", r"每一步加入多少噪声（$\beta_t$）",
       avoid=("噪声计划", "噪声表")),
    _t("autoregressive_model", "autoregressive model", "自回归模型", "7b",
       "generates one value at a time, each given the ones before",
       "一次生成一个值，每个值都以之前的值为条件"),
    _t("causal_mask", "causal mask", "因果掩码", "7b",
       "hides the values not generated yet from each position", "对每个位置遮住尚未生成的值",
       avoid=("因果遮罩",)),
    _t("teacher_forcing", "teacher forcing", "教师强制", "7b",
       "training on the true previous values instead of generated ones",
       "训练时用真实的前序值，而不是生成的值"),
)


def by_id() -> dict[str, Term]:
    """The glossary keyed by concept id."""
    return {t.id: t for t in GLOSSARY}


def term(concept: str, lang: str | None = None) -> str:
    """The glossary's word for ``concept`` in ``lang`` (default: the course's language)."""
    lang = check_language(lang or current())
    entry = by_id().get(concept)
    if entry is None:
        raise ValueError(f"The glossary has no concept {concept!r}. Known: "
                         f"{', '.join(sorted(by_id()))}.")
    return entry.zh if lang == "zh" else entry.en


HEADERS = {"en": ("English", "中文", "meaning in one line", "chapter"),
           "zh": ("中文", "English", "一句话释义", "章")}


def markdown_table(lang: str | None = None) -> str:
    """The glossary as a markdown table, English first (``"en"``) or Chinese first (``"zh"``)."""
    lang = check_language(lang or current())
    rows = ["| " + " | ".join(HEADERS[lang]) + " |", "|---|---|---|---|"]
    for t in GLOSSARY:
        first, second = (t.english(), t.zh) if lang == "en" else (t.zh, t.english())
        meaning = t.meaning_en if lang == "en" else t.meaning_zh
        rows.append(f"| {first} | {second} | {meaning} | {t.chapter} |")
    return "\n".join(rows)


class Table:
    """The glossary table as a notebook shows it (``cl.glossary.table()``, chapter 0)."""

    def __init__(self, lang: str):
        self.lang = lang

    def _repr_markdown_(self) -> str:
        return markdown_table(self.lang)

    def __repr__(self) -> str:
        return f"<glossary table: {len(GLOSSARY)} terms, {self.lang}>"


def table(lang: str | None = None) -> Table:
    """The glossary table in ``lang`` (default: the course's language), shown as markdown."""
    return Table(check_language(lang or current()))


# ---------------------------------------------------------------- the terminology check

@dataclass(frozen=True)
class TermProblem:
    """A place where Chinese text names a concept otherwise than the glossary does."""

    concept: str
    found: str
    expected: str
    kind: str  # "wrong term", "avoided synonym" or "no English at first use"
    context: str

    def __str__(self) -> str:
        hints = {"wrong term": f"the glossary's term for {self.concept} is {self.expected}",
                 "avoided synonym": f"the glossary writes {self.expected}",
                 "no English at first use": f"write {self.expected} at its first use"}
        return f"{self.kind}: {self.found!r} in “{self.context}” ({hints[self.kind]})"


_HIDDEN = [r"```.*?```", r"~~~.*?~~~", r"<!--.*?-->", r"\$\$.*?\$\$", r"(?<!\\)\$[^$\n]+\$",
           r"`[^`\n]+`", r"^\s{0,3}>.*$", r"「[^」]*」", r"《[^》]*》", r"\]\([^)\s]*\)"]
_PAREN = re.compile(r"[（(]([^（）()]{1,120})[）)]")  # it may wrap onto the next line
_AFTER = re.compile(r"[ \t]*" + _PAREN.pattern)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s.*$", re.M)


def _visible(text: str) -> str:
    """``text`` with code, math, comments, link targets, block quotes and quotations (「」, 《》)
    blanked out, same length, so that positions still match; emphasis marks removed."""
    for pattern in _HIDDEN:
        text = re.sub(pattern, lambda m: re.sub(r"[^\n]", " ", m.group(0)), text,
                      flags=re.S | re.M)
    return text.replace("*", " ")


def _chinese_words() -> tuple[re.Pattern, dict[str, tuple[Term, bool]]]:
    """One pattern matching every Chinese term, accepted form and avoided synonym, longest
    first, and what each names: (concept, whether it is the glossary's own word)."""
    words: dict[str, tuple[Term, bool]] = {}
    for t in GLOSSARY:
        for w in t.avoid:
            words[w] = (t, False)
        for w in (t.zh, *t.zh_forms):
            words[w] = (t, True)
    ordered = sorted(words, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))), words


def _context(text: str, start: int, end: int) -> str:
    return re.sub(r"\s+", " ", text[max(0, start - 12):end + 12]).strip()


def _english_concepts(inside: str) -> list[Term]:
    """The concepts that the English in one pair of parentheses names (comma-separated parts)."""
    forms = {f: t for t in GLOSSARY for f in t.english_forms()}
    parts = re.split(r"[,，;；、/]|\bor\b", inside)
    return [forms[p] for p in (re.sub(r"\s+", " ", p).strip().lower() for p in parts)
            if p in forms]


def _wrong_terms(text: str) -> list[TermProblem]:
    """``X（English term）`` where X does not end with that concept's Chinese term."""
    problems = []
    for m in _PAREN.finditer(text):
        before = text[:m.start()].rstrip()
        for t in _english_concepts(m.group(1)):
            if not before.endswith((t.zh, *t.zh_forms)):
                found = before[-6:].split()[-1:] + [m.group(0)] if before else [m.group(0)]
                problems.append(TermProblem(t.id, "".join(found), t.zh, "wrong term",
                                            _context(text, m.start(), m.end())))
    return problems


def _first_uses(text: str) -> list[TermProblem]:
    """Avoided synonyms anywhere, and each concept's first Chinese use (outside headings)
    without its English."""
    pattern, words = _chinese_words()
    headings = [m.span() for m in _HEADING.finditer(text)]
    problems, seen = [], set()
    for m in pattern.finditer(text):
        t, own = words[m.group(0)]
        where = _context(text, m.start(), m.end())
        if not own:
            problems.append(TermProblem(t.id, m.group(0), t.zh, "avoided synonym", where))
        if t.id in seen or any(a <= m.start() < b for a, b in headings):
            continue  # a heading names a concept briefly; its first use is in the text
        seen.add(t.id)
        after = _AFTER.match(text, m.end())
        if not (after and t in _english_concepts(after.group(1))):
            problems.append(TermProblem(t.id, m.group(0), f"{t.zh}（{t.english()}）",
                                        "no English at first use", where))
    return problems


def term_problems(markdown: str, first_use: bool = True) -> list[TermProblem]:
    """Where Chinese ``markdown`` names a concept otherwise than the glossary (chapter 0).

    Three kinds: a *wrong term* (``判别器（generator）``: the English names a concept whose
    Chinese term is not the word before it), an *avoided synonym* (鉴别器 for 判别器), and, with
    ``first_use``, a concept whose first Chinese use is not followed by its English term in
    parentheses. Code, math, HTML comments, link targets, block quotes (``>``) and quotations
    in 「」 or 《》 are not read, so the article can be quoted in its own words. Pass a whole
    notebook's markdown (its cells joined, in order) for the first-use rule to mean "in this
    notebook".
    """
    if not isinstance(markdown, str):
        raise TypeError(f"term_problems reads markdown text (a str), got {type(markdown).__name__}.")
    text = _visible(markdown)
    problems = _wrong_terms(text) + _first_uses(text)
    if not first_use:
        problems = [p for p in problems if p.kind != "no English at first use"]
    return problems
