"""``train-cats --strategy multi-worker``: two worker processes on 127.0.0.1, one CPU thread each.

Two runs of the pair, one after the other, share a run directory:

1. ``python -m course_lib train-cats --strategy multi-worker`` on both (the same command line,
   ``TF_CONFIG`` telling each its place); once the chief has saved two checkpoints, worker 1 is
   killed (SIGKILL). The chief must stop with one ``error:`` line naming worker 1, the last
   good checkpoint and ``--resume``, and exit with 3, its checkpoints kept.
2. A script on both workers: first the step check (the same GAN, with its noise drawn as one
   global batch that each replica slices, trained on one device and on the two workers with
   plain SGD, must take the same steps; one whose loss is not scaled by its share of the
   global batch must not), then the command line's ``--resume`` in the same processes, which
   must continue the killed run from its last checkpoint to the end.

Only the chief writes ``--out``: the run directory holds the run's files and nothing else, and
worker 1's temporary folder (its ``TMPDIR``) is empty at the end.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN_ARGS = ["--model", "mlp", "--batch-size", "100", "--num-samples", "4", "--quiet"]

SCRIPT = textwrap.dedent("""
    import json, sys
    import course_lib as cl
    import course_lib.tools.cli

    strategy = cl.recipes.make_strategy("multi-worker")  # first: before any TensorFlow op
    import keras
    import numpy as np
    import tensorflow as tf

    LATENT, BATCH, LR = 4, 16, 0.5
    result = {"replicas": strategy.num_replicas_in_sync}


    class FixedNoiseGAN(cl.training.GAN):
        # one global noise batch per draw (from the mirrored seed); replica r takes slice r
        def _noise(self, batch_size):
            ctx = tf.distribute.get_replica_context()
            replica = ctx.replica_id_in_sync_group if ctx is not None else 0
            z = tf.random.stateless_normal((BATCH, LATENT),
                                           seed=tf.cast(self.seed_generator.next(), tf.int32))
            start = tf.cast(replica, tf.int32) * tf.cast(batch_size, tf.int32)
            return z[start:start + batch_size]


    class UnscaledGAN(FixedNoiseGAN):
        _scaled = staticmethod(lambda loss, share: loss)  # the bug: per-replica mean, summed


    def build(scope, cls, weights):
        with scope.scope():
            g = cl.models.mlp_generator(latent_dim=LATENT, hidden_units=8)
            d = cl.models.mlp_discriminator(hidden_units=8)
            g.set_weights(weights[0])
            d.set_weights(weights[1])
            gan = cls(g, d, latent_dim=LATENT, seed=5)
            # no XLA on one device either: XLA draws other random numbers than the CPU kernels
            gan.compile(d_optimizer=keras.optimizers.SGD(LR),
                        g_optimizer=keras.optimizers.SGD(LR), jit_compile=False)
        return gan if scope is tf.distribute.get_strategy() else cl.recipes.multi_worker_ready(gan)


    def weights(gan):
        return [w for net in (gan.generator, gan.discriminator) for w in net.get_weights()]


    def dataset(epochs):  # as train-cats shards it: each worker takes its part of each batch
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA)
        return cl.data.as_dataset(x, BATCH, seed=0, epochs=epochs).with_options(options)


    def train(gan, steps):
        return gan.fit(dataset(steps // 2), epochs=steps // 2, steps_per_epoch=2,
                       verbose=0).history


    cl.set_seed(0)
    x = cl.data.load_cats()[:2 * BATCH]
    start = [cl.models.mlp_generator(latent_dim=LATENT, hidden_units=8).get_weights(),
             cl.models.mlp_discriminator(hidden_units=8).get_weights()]
    flat = [w for part in start for w in part]
    one_device = tf.distribute.get_strategy()
    # one step: the update of plain SGD is -LR times the gradient
    single, twin = build(one_device, FixedNoiseGAN, start), build(strategy, FixedNoiseGAN, start)
    for gan in (single, twin):
        gan.fit(dataset(1), steps_per_epoch=1, verbose=0)
    grads = [[(a - b) / LR for a, b in zip(flat, weights(gan))] for gan in (single, twin)]
    result["gradient_size"] = max(float(np.abs(g).max()) for g in grads[0])
    result["gradient_diff"] = max(float(np.abs(a - b).max()) for a, b in zip(*grads))
    # four steps, and a GAN whose loss is not scaled by its share of the global batch
    models = [build(one_device, FixedNoiseGAN, start), build(strategy, FixedNoiseGAN, start),
              build(strategy, UnscaledGAN, start)]
    histories = [train(gan, 4) for gan in models]
    final = [weights(gan) for gan in models]
    result["moved"] = max(float(np.abs(a - b).max()) for a, b in zip(flat, final[0]))
    result["diff"] = max(float(np.abs(a - b).max()) for a, b in zip(final[0], final[1]))
    result["diff_unscaled"] = max(float(np.abs(a - b).max()) for a, b in zip(final[0], final[2]))
    result["metrics_diff"] = max(abs(a - b) for key in histories[0]
                                 for a, b in zip(histories[0][key], histories[1][key]))
    print("RESULT " + json.dumps(result), flush=True)

    built = []  # the command's model, to compare the two workers' weights at the end
    build_model = cl.recipes.build_model
    cl.recipes.build_model = lambda config: built.append(build_model(config)) or built[-1]
    rc = cl.tools.cli.main(sys.argv[1:])
    final = [w for net in (built[-1].generator, built[-1].discriminator) for w in net.get_weights()]
    print("WEIGHTS " + json.dumps([float(np.abs(w).sum()) for w in final]), flush=True)
    sys.exit(rc)
""")


def _free_ports(n=2):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _start_pair(command, tmp, tag):
    """Both workers of a fresh two-worker cluster, each with one CPU thread and its own TMPDIR."""
    ports = _free_ports()
    workers = [f"127.0.0.1:{p}" for p in ports]
    procs = []
    for index in range(2):
        scratch = tmp / f"{tag}-tmp{index}"
        scratch.mkdir()
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TMPDIR": str(scratch),
               "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
               "OMP_NUM_THREADS": "1",
               "TF_CONFIG": json.dumps({"cluster": {"worker": workers},
                                        "task": {"type": "worker", "index": index}})}
        procs.append(subprocess.Popen(command, cwd=tmp, env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    return procs, workers


def _finish(proc, timeout=240):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return {"rc": proc.returncode, "stdout": out, "stderr": err}


def _kill_after_checkpoint(procs, ckpt_dir, epoch=10, timeout=240):
    """Kill worker 1 once the chief has saved checkpoint ``epoch`` (train-cats saves every
    ``cl.runs.CHECKPOINT_EVERY`` = 10 epochs, after the first); False if it never did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and procs[0].poll() is None:
        if (ckpt_dir / f"gan-{epoch}.index").exists():
            procs[1].send_signal(signal.SIGKILL)
            return True
        time.sleep(0.05)
    for p in procs:
        p.kill()
    return False


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("multi_worker")
    run = tmp / "run"
    train = [sys.executable, "-m", "course_lib", "train-cats", "--strategy", "multi-worker",
             "--out", str(run), *RUN_ARGS]
    procs, workers = _start_pair([*train, "--epochs", "1000"], tmp, "killed")
    killed = _kill_after_checkpoint(procs, run / "checkpoints")
    first = [_finish(p) for p in procs]
    assert killed, first[0]["stderr"][-3000:] + first[1]["stderr"][-3000:]
    kept = max(int(p.name[4:-6]) for p in (run / "checkpoints").glob("gan-*.index"))
    # the same settings, resumed for one more epoch, after the step check
    resume = ["train-cats", "--strategy", "multi-worker", "--out", str(run), *RUN_ARGS,
              "--resume", "--epochs", str(kept + 1)]
    procs, _ = _start_pair([sys.executable, "-c", SCRIPT, *resume], tmp, "resumed")
    second = [_finish(p) for p in procs]
    for r in second:
        assert r["rc"] == 0, r["stderr"][-4000:]
        line = next(x for x in r["stdout"].splitlines() if x.startswith("RESULT "))
        r["result"] = json.loads(line[len("RESULT "):])
        r["summary"] = json.loads(next(x for x in r["stdout"].splitlines() if x.startswith("{")))
        line = next(x for x in r["stdout"].splitlines() if x.startswith("WEIGHTS "))
        r["weights"] = json.loads(line[len("WEIGHTS "):])
    return {"run": run, "tmp": tmp, "workers": workers, "killed": first, "kept": kept,
            "resumed": second}


def test_a_killed_worker_stops_the_chief_with_one_line_naming_the_last_checkpoint(runs):
    chief = runs["killed"][0]
    assert runs["killed"][1]["rc"] == -signal.SIGKILL
    assert chief["rc"] == 3, chief["stderr"][-3000:]
    last = chief["stderr"].strip().splitlines()[-1]
    assert last.startswith(f"error: worker 1 ({runs['workers'][1]}) stopped answering"), last
    assert f"keeps its checkpoint of epoch {runs['kept']}." in last and runs["kept"] >= 2
    assert "--strategy multi-worker" in last and "--resume" in last
    assert not (runs["run"] / "run.lock").exists()


def test_the_resumed_run_continues_from_the_last_checkpoint_on_both_workers(runs):
    kept = runs["kept"]
    for index, r in enumerate(runs["resumed"]):
        s = r["summary"]
        assert (s["start_epoch"], s["trained_epochs"]) == (kept, kept + 1)
        assert (s["workers"], s["worker"], s["replicas"]) == (2, index, 2)
    history = json.loads((runs["run"] / "history.json").read_text())
    assert [row["epoch"] for row in history] == list(range(1, kept + 2))
    # worker 1 took the chief's restored state (the chief reads --out) and kept in step
    chief, other = (r["weights"] for r in runs["resumed"])
    assert other == pytest.approx(chief, rel=1e-6)
    config = json.loads((runs["run"] / "config.json").read_text())
    assert (config["strategy"], config["replicas"], config["workers"]) == ("multi-worker", 2, 2)
    assert (config["epochs"], config["model"]) == (kept + 1, "mlp")


def test_only_the_chief_writes_the_run_directory(runs):
    run = runs["run"]
    assert sorted(p.name for p in run.iterdir()) == [
        "checkpoints", "config.json", "history.json", "samples.npy", "samples.png"]
    assert all(p.name == "checkpoint" or p.name.startswith("gan-")
               for p in (run / "checkpoints").iterdir())
    # worker 1 saved its checkpoints (every worker saves) in its temporary folder, now removed
    assert list((runs["tmp"] / "resumed-tmp1").iterdir()) == []


def test_two_workers_take_the_step_of_one_device_on_the_global_batch(runs):
    for r in runs["resumed"]:
        result = r["result"]
        assert result["replicas"] == 2
        assert result["gradient_size"] > 1e-3  # the step really moved the weights ...
        assert result["gradient_diff"] < 1e-5 * max(1.0, result["gradient_size"])  # ... alike
        assert result["moved"] > 1e-2 and result["diff"] < 1e-5
        assert result["diff_unscaled"] > 100 * max(result["diff"], 1e-7)  # a wrong scale shows
        assert result["metrics_diff"] < 1e-5  # the logged losses are the global batch's


def test_multi_worker_needs_a_valid_tf_config(monkeypatch):
    from course_lib import recipes

    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG environment variable, which is not set"):
        recipes.make_strategy("multi-worker")
    for bad in ("{not json", '{"cluster": {"worker": ["127.0.0.1:1"]}}',
                '{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}',
                '{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}'):
        monkeypatch.setenv("TF_CONFIG", bad)
        with pytest.raises(ValueError, match="does not describe this machine's place"):
            recipes.make_strategy("multi-worker")
