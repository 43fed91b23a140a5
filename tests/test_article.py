"""cl.article: the article's samples are verbatim, and their errors surface in the documented order.

Chapter 4 quotes the errors below; if a TensorFlow/Keras upgrade changes them, these tests fail
and the chapter's text must be revised with them.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import course_lib as cl

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_article_gan_debugged.ipynb"


def test_undefined_names_finds_the_missing_numpy_import():
    assert cl.article.undefined_names(cl.article.SAMPLE_1) == ["np", "train_data"]
    assert cl.article.undefined_names(cl.article.SAMPLE_2) == ["np"]
    assert cl.article.undefined_names("import numpy as np\nx = np.zeros(3)\nprint(len(x))") == []


def test_notebook_runs_the_article_samples_verbatim_in_raises_exception_cells():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    raising = ["".join(c["source"]) for c in cells
               if "raises-exception" in c.get("metadata", {}).get("tags", [])]
    assert raising == [cl.article.SAMPLE_1, cl.article.SAMPLE_2]


def _chain(sample):
    batches = np.random.default_rng(1).random((2, 4, 28, 28)).astype(np.float32)
    return [(o.error, o.message, o.line) for o in cl.article.replay(sample, batches)]


def test_sample_1_error_chain():
    chain = _chain(1)
    assert [e for e, _, _ in chain] == [
        "AttributeError", "ValueError", "ValueError", "NameError", "NameError", "ValueError",
        "ValueError", None,
    ]
    msgs = [m for _, m, _ in chain]
    # Keras numbers layer names per process ("sequential_11" after other tests built models)
    assert re.fullmatch(r"The layer sequential(_\d+)? has never been called and thus has no "
                        r"defined input\.", msgs[0]), msgs[0]
    assert "expected shape=(None, 28, 28), found shape=(None, 100)" in msgs[1]  # noise into D
    assert "expected shape=(None, 28, 28), found shape=(None, 784)" in msgs[2]  # no Reshape
    assert msgs[3] == "name 'train_data' is not defined"
    assert msgs[4] == "name 'np' is not defined"
    assert msgs[5] == "You must call `compile()` before using the model."
    assert "(2, 4, 28, 28)" in msgs[6]  # the whole data set as one batch
    assert chain[0][2].startswith("model = tf.keras.Model(inputs=generator.input")


def test_sample_2_error_chain():
    chain = _chain(2)
    assert [e for e, _, _ in chain] == ["ValueError", "TypeError", "NameError", "ValueError", None]
    msgs = [m for _, m, _ in chain]
    assert "expected shape=(None, 28, 28), found shape=(None, 784)" in msgs[0]
    assert chain[0][2] == "model = Sequential([generator, discriminator])"
    assert msgs[1] == "'ellipsis' object is not iterable"
    assert msgs[2] == "name 'np' is not defined"
    assert msgs[3] == "You must call `compile()` before using the model."


def test_replay_rejects_a_third_sample():
    with pytest.raises(ValueError, match="sample must be 1 or 2"):
        cl.article.replay(3)


def test_a_fix_that_does_not_apply_says_so():
    fix = cl.article.Fix("nonsense", (("not in the code", "x"),))
    with pytest.raises(ValueError, match="exactly once"):
        fix.apply(cl.article.SAMPLE_2)
