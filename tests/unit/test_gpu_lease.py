"""GPU leases with fake GPU ids: no id is shared, jobs wait for free ids, a killed job's ids come back,
multi-GPU jobs get several ids, every job's log names its ids, SLURM allocations are used as given."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from passk.errors import ConfigError
from passk.sampling.gpus import gpu_lease, gpu_pool, parse_gpu_ids

# One job: take `count` GPUs, note when it got and gave them back, hold them `hold` seconds. With a
# `go` file, it asks only once that file exists (so that jobs started one by one ask together).
WORKER = textwrap.dedent(
    """
    import json, logging, os, sys, time
    from passk.sampling.gpus import gpu_lease
    name, count, hold, log_path, record, go = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
    logging.basicConfig(filename=log_path, level=logging.INFO, format="%(message)s")
    print("ready", flush=True)
    while go and not os.path.exists(go):
        time.sleep(0.01)
    with gpu_lease(count, job=name, poll_seconds=0.05) as lease:
        got = time.time()
        visible = os.environ["CUDA_VISIBLE_DEVICES"]
        print("leased", flush=True)
        time.sleep(hold)
        gave = time.time()
    with open(record, "a") as fh:
        fh.write(json.dumps({"job": name, "ids": list(lease.ids), "visible": visible, "got": got, "gave": gave,
                             "waited": lease.waited_seconds}) + "\\n")
    """
)


def _env(tmp_path: Path, gpus: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "CUDA_"))}
    env.update(PASSK_GPUS=gpus, PASSK_GPU_LEASE_DIR=str(tmp_path / "leases"))
    return env


def _start(tmp_path: Path, name: str, count: int, hold: float, gpus: str, go: Path | None = None) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, name, str(count), str(hold), str(tmp_path / f"{name}.log"), str(tmp_path / "record.jsonl"), str(go or "")],
        env=_env(tmp_path, gpus), stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _records(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "record.jsonl").read_text().splitlines()]


def test_eight_jobs_on_four_gpus_never_share_an_id_and_the_fifth_waits(tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [_start(tmp_path, f"job{i}", 1, 1.5, "0,1,2,3", go) for i in range(8)]
    go.touch()  # all eight ask at once
    assert all(p.wait(timeout=120) == 0 for p in procs)
    recs = sorted(_records(tmp_path), key=lambda r: r["got"])
    assert len(recs) == 8
    for a in recs:
        assert len(a["ids"]) == 1 and a["ids"][0] in {"0", "1", "2", "3"}
        assert a["visible"] == a["ids"][0]
        for b in recs:
            if a is not b and a["got"] < b["gave"] and b["got"] < a["gave"]:  # held at the same time
                assert set(a["ids"]).isdisjoint(b["ids"]), (a, b)
    # Four at a time: the fifth lease starts only after one of the first four was given back.
    first_release = min(r["gave"] for r in recs[:4])
    assert recs[4]["got"] >= first_release
    assert sum(r["waited"] > 0.5 for r in recs) >= 4  # the four that found every GPU taken waited
    # Each job's log names the ids it held.
    for r in recs:
        text = (tmp_path / f"{r['job']}.log").read_text()
        assert f"{r['job']} holds GPU(s) {r['ids'][0]} (CUDA_VISIBLE_DEVICES={r['ids'][0]};" in text
        assert f"{r['job']} released GPU(s) {r['ids'][0]}" in text


def test_a_tensor_parallel_2_job_gets_two_ids(tmp_path: Path) -> None:
    one = _start(tmp_path, "tp1", 1, 1.0, "0,1,2,3")
    assert one.stdout.readline().strip() == "leased"
    two = _start(tmp_path, "tp2", 2, 0.1, "0,1,2,3")
    assert two.wait(timeout=60) == 0 and one.wait(timeout=60) == 0
    recs = {r["job"]: r for r in _records(tmp_path)}
    assert len(recs["tp2"]["ids"]) == 2
    assert set(recs["tp2"]["ids"]).isdisjoint(recs["tp1"]["ids"])
    assert recs["tp2"]["visible"] == ",".join(recs["tp2"]["ids"])
    assert f"holds GPU(s) {','.join(recs['tp2']['ids'])}" in (tmp_path / "tp2.log").read_text()


def test_a_sigkilled_jobs_ids_are_free_for_the_next_job(tmp_path: Path) -> None:
    victim = _start(tmp_path, "victim", 2, 600, "0,1")
    assert victim.stdout.readline().strip() == "leased"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    t0 = time.monotonic()
    nxt = _start(tmp_path, "next", 2, 0.0, "0,1")
    assert nxt.wait(timeout=60) == 0
    (rec,) = _records(tmp_path)  # the victim never wrote its record
    assert rec["job"] == "next" and sorted(rec["ids"]) == ["0", "1"]
    assert rec["waited"] < 1.0 and time.monotonic() - t0 < 30
    assert "victim holds GPU(s) 0,1" in (tmp_path / "victim.log").read_text()


def test_no_gpu_needed_leaves_the_environment_alone(tmp_path: Path) -> None:
    env = {"CUDA_VISIBLE_DEVICES": "7"}
    with gpu_lease(0, env=env, lease_dir=tmp_path) as lease:
        assert lease.ids == () and lease.how == "none"
        assert env == {"CUDA_VISIBLE_DEVICES": "7"}
    assert not any(tmp_path.iterdir())


def test_environment_is_restored_and_pci_order_set_for_nvidia_smi_indices(tmp_path: Path) -> None:
    env: dict[str, str] = {"PASSK_GPUS": "3,5"}
    with gpu_lease(1, env=env, lease_dir=tmp_path) as lease:
        assert lease.ids == ("3",)
        assert env["CUDA_VISIBLE_DEVICES"] == "3" and env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert env == {"PASSK_GPUS": "3,5"}


def test_slurm_allocation_is_used_as_given_without_locks(tmp_path: Path) -> None:
    env = {"SLURM_JOB_ID": "42", "CUDA_VISIBLE_DEVICES": "0,1", "SLURM_JOB_GPUS": "2,3"}
    with gpu_lease(2, env=env, lease_dir=tmp_path) as lease:
        assert lease.how == "slurm" and lease.ids == ("0", "1")
        assert env["CUDA_VISIBLE_DEVICES"] == "0,1" and "CUDA_DEVICE_ORDER" not in env
    assert not any(tmp_path.iterdir())
    env = {"SLURM_JOB_ID": "43", "SLURM_JOB_GPUS": "2,3"}
    with gpu_lease(2, env=env, lease_dir=tmp_path) as lease:
        assert lease.how == "slurm" and env["CUDA_VISIBLE_DEVICES"] == "2,3"
    assert "CUDA_VISIBLE_DEVICES" not in env
    with pytest.raises(ConfigError, match="needs 2 GPU"):
        with gpu_lease(2, env={"SLURM_JOB_ID": "44", "CUDA_VISIBLE_DEVICES": "0"}, lease_dir=tmp_path):
            pass


def test_a_larger_slurm_allocation_is_leased_among_its_ids(tmp_path: Path) -> None:
    inherited = {"SLURM_JOB_ID": "42", "CUDA_VISIBLE_DEVICES": "4,5,6,7"}  # what each job process starts with
    env = dict(inherited)
    with gpu_lease(1, env=env, lease_dir=tmp_path) as a:
        with gpu_lease(1, env=dict(inherited), lease_dir=tmp_path) as b:
            assert a.how == b.how == "lease"
            assert {a.ids[0], b.ids[0]} <= {"4", "5", "6", "7"} and a.ids != b.ids
        assert env["CUDA_VISIBLE_DEVICES"] == a.ids[0] and "CUDA_DEVICE_ORDER" not in env
    assert env == inherited


def test_wait_times_out_when_every_gpu_is_held(tmp_path: Path) -> None:
    env = {"PASSK_GPUS": "0"}
    with gpu_lease(1, env=dict(env), lease_dir=tmp_path):
        with pytest.raises(TimeoutError, match="no 1 free GPU"):
            with gpu_lease(1, env=dict(env), lease_dir=tmp_path, poll_seconds=0.05, timeout=0.3):
                pass


def test_a_job_larger_than_the_pool_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs 4 GPU"):
        with gpu_lease(4, env={"PASSK_GPUS": "0,1"}, lease_dir=tmp_path):
            pass


def test_pool_sources_in_order(tmp_path: Path) -> None:
    smi = tmp_path / "fake-smi"
    smi.write_text("#!/bin/sh\nprintf '0\\n1\\n'\n")
    smi.chmod(0o755)
    assert gpu_pool(None, {}, [str(smi)]).ids == ("0", "1")
    assert gpu_pool(None, {}, [str(smi)]).source == "nvidia-smi"
    assert gpu_pool(None, {"CUDA_VISIBLE_DEVICES": "2,3"}, [str(smi)]).ids == ("2", "3")
    assert gpu_pool("4,5", {"CUDA_VISIBLE_DEVICES": "2,3"}, [str(smi)]).ids == ("4", "5")
    assert gpu_pool([6], {"PASSK_GPUS": "7", "CUDA_VISIBLE_DEVICES": "2"}, [str(smi)]).ids == ("7",)
    with pytest.raises(ConfigError, match="nvidia-smi.*not installed|not installed"):
        gpu_pool(None, {}, [str(tmp_path / "no-such-smi")])


def test_parse_gpu_ids() -> None:
    assert parse_gpu_ids("0, 1,,2", "x") == ("0", "1", "2")
    assert parse_gpu_ids([0, 1], "x") == ("0", "1")
    assert parse_gpu_ids("0-3", "x") == ("0", "1", "2", "3")
    assert parse_gpu_ids("GPU-8f6c1a2b-aaaa,MIG-1234", "x") == ("GPU-8f6c1a2b-aaaa", "MIG-1234")
    with pytest.raises(ConfigError, match="repeat"):
        parse_gpu_ids("0,0", "x")
    with pytest.raises(ConfigError, match="not a GPU id"):
        parse_gpu_ids("0;rm -rf", "x")
