"""Checks for the chapter 0 exercises (welcome)."""

from __future__ import annotations

import numpy as np

from course_lib.checks import Failure, as_array, close, register


@register("ch00.gan_year", "The year GANs were introduced")
def _gan_year(answer):
    year = answer()
    if not isinstance(year, int | np.integer) or isinstance(year, bool):
        raise Failure("Return the year as an int.", expected="an int such as 1999",
                      found=repr(year))
    if 1980 <= year < 1990:
        raise Failure(
            "That is the article's claim, and it is wrong.", expected="the year of Goodfellow "
            "et al.'s paper 'Generative Adversarial Nets'", found=str(year),
            hint="The 1980s gave us Boltzmann machines, an earlier generative model; GANs came "
            "three decades later (NeurIPS, the year DeepFace and GoogLeNet appeared).",
        )
    if year != 2014:
        raise Failure("Not the year GANs were introduced.", found=str(year),
                      hint="Look at the chapter's timeline.")
    return "2014: Goodfellow et al., 'Generative Adversarial Nets'."


@register("ch00.scale_pixels", "Scale 0..255 pixels to the generator's range [-1, 1]")
def _scale_pixels(answer):
    x = np.array([[0, 64, 127], [128, 200, 255]], dtype=np.uint8)
    out = answer(x)
    as_array(out, "The scaled pixels")
    out = np.asarray(out)
    if out.shape != x.shape:
        raise Failure("The output must have the input's shape.", expected=str(x.shape),
                      found=str(out.shape))
    if out.dtype != np.float32:
        raise Failure("Return float32, the dtype the networks use.", expected="float32",
                      found=str(out.dtype), hint="Use .astype(np.float32).")
    if np.allclose(out, x / 255.0, atol=1e-6):
        raise Failure("Your values lie in [0, 1]: right for a sigmoid generator, but ours ends "
                      "in tanh.", expected="[-1, 1]", found="[0, 1]",
                      hint="Map 0 to -1 and 255 to 1: x / 127.5 - 1.")
    if np.allclose(out, x / 127.5, atol=1e-6):
        raise Failure("You scaled by 127.5 but did not shift.", expected="[-1, 1]",
                      found="[0, 2]", hint="Subtract 1 after dividing.")
    if np.allclose(out, x.astype(np.int64) / 127.5 - 1, atol=1e-6) is False and np.allclose(
        out, (x / 255.0 - 0.5), atol=1e-6
    ):
        raise Failure("Your values lie in [-0.5, 0.5].", expected="[-1, 1]", found="[-0.5, 0.5]",
                      hint="Multiply by 2 after subtracting 0.5.")
    close(out, x.astype(np.float32) / 127.5 - 1.0, "The scaled pixels",
          hint="Map 0 to -1 and 255 to 1 linearly, in floating point (uint8 arithmetic wraps).")
    return "0 -> -1 and 255 -> 1, the range of tanh."
