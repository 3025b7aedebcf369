"""Every generator meets the shared contract (tests/models/conftest.py) at tiny sizes.

Big models are built narrow and shallow here (same code paths, fewer channels/blocks);
their paper-sized parameter counts are checked in their own test files.
"""

import functools

import keras
import pytest

from keras_sr import models

# id -> (name, builder kwargs, pre_upsampled input?)
CASES = {
    "srcnn-x3-y": ("srcnn", dict(scale=3, channels=1), False),
    "srcnn_955-x2-rgb": ("srcnn_955", dict(scale=2, channels=3, filters=16), False),
    "vdsr-x2-y": ("vdsr", dict(scale=2, channels=1, depth=5, filters=16), False),
    "vdsr-upsampled": ("vdsr", dict(scale=4, channels=3, depth=3, filters=8,
                                    pre_upsampled=True), True),
    "fsrcnn-x3-y": ("fsrcnn", dict(scale=3, channels=1), False),
    "espcn-x4-rgb": ("espcn", dict(scale=4, channels=3), False),
    "edsr_baseline-x3-rgb": ("edsr_baseline", dict(scale=3, channels=3, filters=16,
                                                   num_blocks=2), False),
    "edsr-x4-y": ("edsr", dict(scale=4, channels=1, filters=16, num_blocks=2), False),
    "lapsrn-x8-y": ("lapsrn", dict(scale=8, channels=1, filters=8, depth=2), False),
    "dbpn-x2-rgb": ("dbpn", dict(scale=2, channels=3, filters=8, feature_filters=16,
                                 num_blocks=3), False),
    "dbpn_small-x4-y": ("dbpn_small", dict(scale=4, channels=1, filters=8,
                                           feature_filters=16), False),
    "hourglass-x3-rgb": ("hourglass", dict(scale=3, channels=3, filters=8, num_blocks=1), False),
    "plainsr_small-x3-y": ("plainsr_small", dict(scale=3, channels=1), False),
    "plainsr_medium-x2-y": ("plainsr_medium", dict(scale=2, channels=1), False),
    "plainsr_large-x4-rgb": ("plainsr_large", dict(scale=4, channels=3, num_blocks=2), False),
    "plainsr_wide-x2-rgb": ("plainsr_wide", dict(scale=2, channels=3, filters=8,
                                                 num_blocks=1), False),
}


# Discriminators: no scale; identity and save/load only (their own tests check the rest).
DISCRIMINATOR_CASES = {
    "srgan_discriminator": dict(channels=1, filters=4, input_size=16),
    "patch_discriminator": dict(channels=3, filters=4, num_layers=2),
}


@pytest.mark.parametrize("name", DISCRIMINATOR_CASES)
def test_discriminator_identity_and_save_load(name, contract, tmp_path):
    kwargs = DISCRIMINATOR_CASES[name]
    # a scale given to a discriminator is ignored: it has none
    model = models.get(name, scale=4, **kwargs)
    contract.check_identity(model, name, None, kwargs["channels"])
    size = (16, 16) if name == "srgan_discriminator" else (32, 40)
    contract.check_save_load(model, tmp_path, size=size)


def _build(case):
    name, kwargs, _ = CASES[case]
    return models.get(name, **kwargs)


@functools.lru_cache(maxsize=None)
def _cached(case):
    return _build(case)


def test_every_registered_model_has_a_case():
    assert {name for name, _, _ in CASES.values()} | set(DISCRIMINATOR_CASES) == \
        set(models.MODELS)


@pytest.mark.parametrize("case", CASES)
def test_identity(case, contract):
    name, kwargs, _ = CASES[case]
    contract.check_identity(_cached(case), name, kwargs["scale"], kwargs["channels"])


@pytest.mark.parametrize("case", CASES)
def test_io(case, contract):
    _, kwargs, upsampled = CASES[case]
    contract.check_io(_cached(case), kwargs["scale"], kwargs["channels"],
                      upsampled=upsampled)


@pytest.mark.parametrize("case", CASES)
def test_save_load(case, contract, tmp_path):
    contract.check_save_load(_cached(case), tmp_path)


@pytest.mark.parametrize("case", CASES)
def test_fit(case, contract):
    _, kwargs, upsampled = CASES[case]
    contract.check_fit(_build(case), kwargs["scale"], upsampled=upsampled)


# Converting the deep iterative/progressive graphs takes 10-20 s each: kept as slow tests.
HEAVY_TFLITE = ("lapsrn-x8-y", "dbpn-x2-rgb", "dbpn_small-x4-y", "hourglass-x3-rgb")


@pytest.mark.tf_only
@pytest.mark.parametrize("case", [
    pytest.param(case, marks=pytest.mark.slow) if case in HEAVY_TFLITE else case
    for case in CASES])
def test_tflite(case, contract):
    contract.check_tflite(_cached(case))


@pytest.mark.parametrize("case", CASES)
def test_mixed_bfloat16(case, contract):
    contract.check_mixed_precision(functools.partial(_build, case))


@pytest.mark.parametrize("case", ["espcn-x4-rgb", "edsr-x4-y"])
def test_mixed_float16(case, contract):
    contract.check_mixed_precision(functools.partial(_build, case), policy="mixed_float16")
