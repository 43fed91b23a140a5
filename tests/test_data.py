"""Issue 7.4: data integrity. The SHA-256 check runs before anything is decompressed or
unpickled, and the restricted unpickler admits numeric NumPy arrays and nothing else."""

import gzip
import hashlib
import os
import pickle
import pickletools
from pathlib import Path

import numpy as np
import pytest

import course_lib as cl

SRC = Path(cl.data.default_data_dir())


def _copy_data(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    for name in (cl.data.DATA_FILE, cl.data.LABEL_FILE):
        (d / name).write_bytes((SRC / name).read_bytes())
    return d


def test_installed_files_match_the_pinned_checksums():
    for name, digest in cl.data.FILE_SHA256.items():
        assert hashlib.sha256((SRC / name).read_bytes()).hexdigest() == digest


def test_intact_copy_loads_like_the_package(tmp_path):
    cats = cl.data.load_cats(data_dir=_copy_data(tmp_path))
    np.testing.assert_array_equal(cats, cl.data.load_cats())


@pytest.mark.parametrize("name", [cl.data.DATA_FILE, cl.data.LABEL_FILE])
def test_corrupted_copy_is_refused_before_anything_is_unpickled(tmp_path, monkeypatch, name):
    d = _copy_data(tmp_path)
    raw = bytearray((d / name).read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one flipped bit
    (d / name).write_bytes(bytes(raw))
    decompressed = []
    real_decompress = gzip.decompress

    def spy(data):
        decompressed.append(hashlib.sha256(data).hexdigest())
        return real_decompress(data)

    monkeypatch.setattr(cl.data.gzip, "decompress", spy)
    with pytest.raises(ValueError) as info:
        cl.data.load_cats(data_dir=d)
    msg = str(info.value)
    bad_digest = hashlib.sha256(bytes(raw)).hexdigest()
    assert f"Checksum mismatch for {d / name}" in msg
    assert bad_digest in msg and cl.data.FILE_SHA256[name] in msg
    assert "was not unpickled" in msg and "pip install --force-reinstall" in msg
    # only intact files were ever decompressed (and so unpickled); the damaged one never was
    assert bad_digest not in decompressed
    assert set(decompressed) <= set(cl.data.FILE_SHA256.values())


def test_truncated_copy_is_refused(tmp_path):
    d = _copy_data(tmp_path)
    path = d / cl.data.DATA_FILE
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match="Checksum mismatch"):
        cl.data.load_cats(data_dir=d)


class _RunsCode:
    """A pickle whose loading would call ``func(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _attacks(marker: Path):
    shell = f"touch {marker}"
    code = f"open({str(marker)!r}, 'w').write('pwned')"
    return {
        "os.system": pickle.dumps(_RunsCode(os.system, shell)),
        "builtins.eval": pickle.dumps(_RunsCode(eval, code)),
        "builtins.exec": pickle.dumps(_RunsCode(exec, code)),
        "protocol 0": f"cos\nsystem\n(V{shell}\ntR.".encode(),
        # an ndarray whose object elements would run code: the inner global is refused too
        "object array": pickle.dumps(np.array([_RunsCode(os.system, shell)], dtype=object)),
    }


@pytest.mark.parametrize("attack", ["os.system", "builtins.eval", "builtins.exec", "protocol 0",
                                    "object array"])
def test_restricted_unpickler_refuses_code(tmp_path, attack):
    marker = tmp_path / "pwned"
    payload = _attacks(marker)[attack]
    assert any(op.name in ("GLOBAL", "STACK_GLOBAL") for op, _, _ in pickletools.genops(payload))
    with pytest.raises(cl.data.UnsafePickleError, match="Refusing to unpickle") as info:
        cl.data.safe_unpickle(payload)
    assert "admits NumPy arrays only" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert not marker.exists()


def test_malicious_file_with_a_matching_checksum_never_runs(tmp_path, monkeypatch):
    """Even a pickle that passes the checksum (a poisoned pin) cannot run code."""
    marker = tmp_path / "pwned"
    d = tmp_path / "data"
    d.mkdir()
    blob = gzip.compress(pickle.dumps(_RunsCode(os.system, f"touch {marker}")))
    (d / cl.data.DATA_FILE).write_bytes(blob)
    monkeypatch.setitem(cl.data.FILE_SHA256, cl.data.DATA_FILE, hashlib.sha256(blob).hexdigest())
    with pytest.raises(cl.data.UnsafePickleError, match=r"posix\.system|os\.system|nt\.system"):
        cl.data.load_cats(data_dir=d)
    assert not marker.exists()


def test_unpickler_accepts_plain_arrays_only():
    for protocol in (3, 4, 5):
        arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
        np.testing.assert_array_equal(cl.data.safe_unpickle(pickle.dumps(arr, protocol)), arr)
    with pytest.raises(cl.data.UnsafePickleError, match="found dict"):
        cl.data.safe_unpickle(pickle.dumps({"a": 1}))
    with pytest.raises(ValueError, match="damaged"):
        cl.data.safe_unpickle(pickle.dumps(np.zeros(3))[:-5])
    with pytest.raises(TypeError, match="read_bytes"):
        cl.data.safe_unpickle("not bytes")


def test_load_animal_shapes_selects_classes():
    images, labels = cl.data.load_animal_shapes(classes=["cat", 4])
    assert images.shape == (2000, 28, 28, 1) and set(labels.tolist()) == {2, 4}
    unit, _ = cl.data.load_animal_shapes(classes="cat", value_range=(0, 1))
    assert unit.min() == 0.0 and unit.max() == 1.0


def test_rescale_maps_pixels_linearly():
    px = np.array([[0, 51, 255]], np.uint8)
    np.testing.assert_allclose(cl.data.rescale(px), [[-1.0, -0.6, 1.0]], atol=1e-6)
    np.testing.assert_allclose(cl.data.rescale(px, (0, 1)), [[0.0, 0.2, 1.0]], atol=1e-6)


def test_as_dataset_order_depends_only_on_seed_and_epoch():
    x = np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1)
    full = [b.numpy().ravel().tolist() for b in cl.data.as_dataset(x, 4, seed=3, epochs=3)]
    assert len(full) == 3 * 2  # 10 // 4 full batches per epoch; the partial one is dropped
    resumed = [b.numpy().ravel().tolist()
               for b in cl.data.as_dataset(x, 4, seed=3, epochs=3, start_epoch=1)]
    assert resumed == full[2:]
    other = [b.numpy().ravel().tolist() for b in cl.data.as_dataset(x, 4, seed=4, epochs=3)]
    assert other != full
    for e in range(3):  # within an epoch no sample repeats
        seen = full[2 * e] + full[2 * e + 1]
        assert len(set(seen)) == 8


def _old_as_dataset_order(n, batch_size, seed, start_epoch, stop):
    """How as_dataset ordered the batches when it built every epoch's shuffle up front."""
    steps = n // batch_size
    batches = [np.random.default_rng([seed, e]).permutation(n)[: steps * batch_size]
               .reshape(steps, -1) for e in range(start_epoch, stop)]
    return np.concatenate(batches)


@pytest.mark.parametrize(("batch_size", "seed", "start", "stop"),
                         [(64, 0, 0, 3), (64, 0, 2, 5), (7, 11, 0, 2), (1000, 3, 1, 4)])
def test_as_dataset_keeps_the_batch_order_of_the_precomputed_shuffles(batch_size, seed, start,
                                                                       stop):
    n = 1000  # the cats' count, so the default run (batch 64, seed 0) is among the cases
    x = np.arange(n, dtype=np.float32).reshape(n, 1, 1, 1) / n
    got = np.stack([b.numpy().ravel() for b in cl.data.as_dataset(
        x, batch_size, seed=seed, epochs=stop, start_epoch=start)])
    want = _old_as_dataset_order(n, batch_size, seed, start, stop)
    np.testing.assert_array_equal(np.rint(got * n).astype(np.int64), want)


def test_as_dataset_memory_does_not_grow_with_epochs():
    import tracemalloc

    x = np.zeros((1000, 28, 28, 1), np.float32)
    tracemalloc.start()
    try:
        ds = cl.data.as_dataset(x, 64, seed=0, epochs=10_000_000)
        first = [b.shape for b in ds.take(3)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert first == [(64, 28, 28, 1)] * 3
    assert int(ds.cardinality()) == 10_000_000 * (1000 // 64)
    assert peak < 50 * 2**20  # the shuffles built up front took 1.2 GB (15 int64 x 1000 x 1e7)


def test_gan_fit_checks_a_dataset_like_an_array():
    import tensorflow as tf

    from course_lib.recipes import build_gan

    gan = build_gan("mlp", latent_dim=4)
    raw = (cl.data.load_cats(value_range=(0.0, 1.0))[:32] * 255).astype(np.uint8)
    ds = tf.data.Dataset.from_tensor_slices(raw).batch(16)
    with pytest.raises(ValueError) as err:
        gan.fit(ds, epochs=1, verbose=0, shuffle=False)
    msg = str(err.value)
    assert "the dataset's first batch lie in [0, 255]" in msg and "raw 0..255 pixels" in msg
    assert "ds.map(lambda x: tf.cast(x, tf.float32) / 127.5 - 1)" in msg
    with pytest.raises(ValueError, match="images scaled to \\[0, 1\\]"):
        gan.fit(ds.map(lambda b: tf.cast(b, tf.float32) / 255), epochs=1, verbose=0, shuffle=False)
    good = ds.map(lambda b: tf.cast(b, tf.float32) / 127.5 - 1)
    assert len(gan.fit(good, epochs=1, verbose=0, shuffle=False).history["d_loss"]) == 1
