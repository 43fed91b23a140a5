"""The glossary is one list of concepts; chapter 0 shows it and the Chinese text follows it."""

import json
import re
from pathlib import Path

import pytest

import course_lib as cl
from course_lib import glossary, language

ROOT = Path(__file__).resolve().parents[1]
#: The Chinese edition's own text (exercises/zh/ is generated from solutions/zh/).
ZH_NOTEBOOKS = sorted([*(ROOT / "notebooks" / "zh").glob("*.ipynb"),
                       *(ROOT / "solutions" / "zh").glob("*.ipynb")])
TERMS_THE_EDITION_NAMES = {
    "generator": "生成器", "discriminator": "判别器", "cross_entropy": "交叉熵",
    "mode_collapse": "模式崩溃", "minimax_game": "极小极大博弈", "optimal_discriminator": "最优判别器",
    "non_saturating_loss": "非饱和损失", "reparameterization_trick": "重参数化技巧",
    "elbo": "证据下界", "diffusion_model": "扩散模型", "transposed_convolution": "转置卷积",
    "likelihood": "似然", "token": "词元", "critic": "评判器", "spectral_normalization": "谱归一化",
    "projection_discriminator": "投影判别器", "posterior_collapse": "后验坍缩", "hinge_loss": "合页损失",
}


def _kinds(text):
    return [(p.kind, p.concept) for p in glossary.term_problems(text)]


@pytest.fixture
def chinese():
    language.set_language("zh")
    yield
    language.set_language("en")


def test_the_standard_terms_are_the_glossarys():
    for concept, zh in TERMS_THE_EDITION_NAMES.items():
        assert glossary.term(concept, "zh") == zh


def test_ids_english_and_chinese_terms_name_one_concept_each():
    for attr in ("id", "en", "zh"):
        values = [getattr(t, attr) for t in glossary.GLOSSARY]
        assert len(values) == len(set(values)), f"a repeated {attr}"
    forms = [w for t in glossary.GLOSSARY for w in (t.zh, *t.zh_forms, *t.avoid)]
    assert len(forms) == len(set(forms)), "a Chinese word names two concepts"
    for t in glossary.GLOSSARY:
        assert re.fullmatch(r"[a-z_]+", t.id) and t.meaning_en and t.meaning_zh
        assert re.fullmatch(r"\d[a-z]?", t.chapter), t.id


def test_chapter_zeros_table_of_twenty_terms_is_all_there():
    """The glossary that chapter 0 held as a markdown table before it became data."""
    old = ["generative AI", "generative model", "discriminative model", "generator",
           "discriminator", "generative adversarial network", "variational autoencoder",
           "normal distribution", "maximum likelihood", "cross-entropy", "KL divergence", "logit",
           "loss function", "latent space", "noise vector", "mode collapse",
           "training instability", "data augmentation", "checkpoint", "Fréchet distance",
           "epoch", "batch"]
    assert set(old) <= {t.en for t in glossary.GLOSSARY}


def test_table_follows_the_course_language(chinese):
    text = glossary.table()._repr_markdown_()
    assert text.startswith("| 中文 | English |") and "| 模式崩溃 | mode collapse |" in text
    english = glossary.table("en")._repr_markdown_()
    assert english.startswith("| English | 中文 |")
    assert "| generative adversarial network (GAN) | 生成对抗网络 |" in english
    assert len(english.splitlines()) == len(glossary.GLOSSARY) + 2


def test_set_language_is_reached_from_the_package_and_refuses_other_languages():
    cl.set_language("en")
    assert language.current() == "en"
    with pytest.raises(ValueError, match="not 'fr'"):
        cl.set_language("fr")
    with pytest.raises(TypeError):
        cl.set_language(None)
    with pytest.raises(ValueError, match="no concept"):
        glossary.term("mode_colapse", "zh")


def test_chapter_zero_renders_its_glossary_from_the_data_in_both_editions():
    for path in (ROOT / "notebooks" / "00_welcome.ipynb", ROOT / "notebooks/zh/00_welcome.ipynb"):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        assert any(src.startswith("cl.glossary.table()") for src in code), path
        markdown = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert "| mode collapse |" not in markdown, f"{path}: a hand-written glossary table"


def test_glossary_terms_with_english_at_first_use_pass():
    text = ("生成器（generator）与判别器（discriminator）进行极小极大博弈（minimax game）。"
            "生成器再次出现时不必重复英文；**模式崩溃**（mode collapse）也一样。")
    assert glossary.term_problems(text) == []


def test_a_wrong_term_before_the_english_is_reported():
    assert ("wrong term", "generator") in _kinds("判别器（discriminator）和判别器（generator）")


def test_an_avoided_synonym_is_reported_with_the_glossarys_term():
    problems = glossary.term_problems("鉴别器（discriminator）容易出现模式坍塌（mode collapse）")
    avoided = [p for p in problems if p.kind == "avoided synonym"]
    assert [(p.found, p.expected) for p in avoided] == [("鉴别器", "判别器"), ("模式坍塌", "模式崩溃")]
    assert "判别器" in str(avoided[0])


def test_one_word_for_posterior_collapse_and_the_hinge_loss():
    problems = glossary.term_problems("后验崩溃（posterior collapse）与铰链损失（hinge loss）")
    avoided = [(p.found, p.expected) for p in problems if p.kind == "avoided synonym"]
    assert avoided == [("后验崩溃", "后验坍缩"), ("铰链损失", "合页损失")]
    assert glossary.term_problems("后验坍缩（posterior collapse）与合页损失（hinge loss）") == []


def test_log_likelihood_names_the_likelihood_and_maximum_likelihood_stays_its_own_concept():
    assert glossary.term_problems("对数似然（log-likelihood）") == []
    assert _kinds("最大似然（maximum likelihood）与似然。") == [
        ("no English at first use", "likelihood")]


def test_first_use_without_english_is_reported_once():
    problems = _kinds("生成器很重要。生成器（generator）。生成器。")
    assert problems == [("no English at first use", "generator")]
    assert glossary.term_problems("生成器很重要。", first_use=False) == []


def test_longer_terms_win_over_the_terms_inside_them():
    text = "最优判别器（optimal discriminator）不是判别模型（discriminative model）。"
    assert glossary.term_problems(text) == []
    assert ("no English at first use", "discriminator") not in _kinds(text)


def test_code_math_quotations_and_headings_are_not_read_for_terms():
    text = ("## 生成器\n\n> 原文：鉴别器\n\n「鉴别器」与《鉴别器》不算。`判别器(generator)` 和 $生成器$ "
            "也不算。[链接](01_x.ipynb)\n\n```\n鉴别器\n```\n生成器（generator）。")
    assert glossary.term_problems(text) == []


def test_abbreviations_and_several_english_forms_in_one_parenthesis():
    text = "生成对抗网络（generative adversarial network, GAN）与正态分布（Gaussian distribution）"
    assert glossary.term_problems(text) == []
    assert ("wrong term", "vae") in _kinds("生成对抗网络（GAN）和生成模型（VAE）")


def test_term_problems_reads_text_only():
    with pytest.raises(TypeError, match="str"):
        glossary.term_problems(["生成器"])


def test_the_chinese_edition_exists_to_be_checked():
    assert ZH_NOTEBOOKS, "no Chinese notebooks: the terminology test below would check nothing"


@pytest.mark.parametrize("path", ZH_NOTEBOOKS, ids=lambda p: "/".join(p.parts[-3:]))
def test_chinese_notebooks_name_each_concept_with_the_glossarys_term(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    markdown = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    problems = glossary.term_problems(markdown)
    assert not problems, f"{path.name}:\n" + "\n".join(map(str, problems))
