"""Issue 19 through the command line: repeated column names, failed writes, the column
limit, stale temporary files, undefined scores, divergence. Every refusal is checked for
exit status 2, exactly one line on stderr, and the previous output file byte for byte.

The commands run in this process (``sigmoid_neuron.cli.main.main``), with the disk made
to fail by replacing ``os.fsync`` inside ``atomic_write`` (the real faults, a full tmpfs
and a file size limit, are in ``test_cli_faults.py``). Oracles: scikit-learn's scores,
the messages' numbers read back from the files they name.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, mean_squared_error, r2_score

from sigmoid_neuron.cli.errors import user_message
from sigmoid_neuron.cli.main import main
from sigmoid_neuron.estimators import LinearRegression
from sigmoid_neuron.io import atomic
from sigmoid_neuron.io.atomic import WriteError
from sigmoid_neuron.io.model_file import load_model, save_model
from sigmoid_neuron.training import load_checkpoint

PREVIOUS = b"previous output, must survive\n"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(
    capsys: pytest.CaptureFixture[str], *args: str | Path, command: str | None = None
) -> str:
    """Run; expect exit 2 and exactly one line on stderr, nothing on stdout; the line."""
    status, out, err = run(capsys, *args)
    lines = err.splitlines()
    assert status == 2, (status, out, err)
    assert len(lines) == 1, err
    assert lines[0].startswith(f"sigmoid-neuron {command or args[0]}: error: "), lines[0]
    assert out == ""
    return lines[0]


def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder (the current directory) with a small table, a model and old outputs."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 3))
    y = (X @ [1.0, -1.5, 0.5] + 0.3 * rng.normal(size=80) > 0).astype(int)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y)
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_parquet(tmp_path / "d.parquet", index=False)
    assert main(["train", "d.csv", "--target", "y", "--model", "logistic", "--out", "model.json",
                 "--quiet"]) == 0  # fmt: skip
    for name in ("m.json", "ck.json", "p.csv", "s.png", "curve.png"):
        (tmp_path / name).write_bytes(PREVIOUS)
    return tmp_path


# --------------------------------------------------------------------- repeated names


def _duplicated(work: Path, ext: str) -> Path:
    frame = pd.read_csv(work / "d.csv")
    frame.columns = ["a", "a", "c", "y"]
    path = work / f"dup{ext}"
    if ext == ".csv":
        frame.to_csv(path, index=False)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = [pa.array(frame.iloc[:, i]) for i in range(4)]
        pq.write_table(pa.Table.from_arrays(arrays, list(frame.columns)), path)
    return path


@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_train_refuses_a_repeated_column(
    work: Path, capsys: pytest.CaptureFixture[str], ext: str
) -> None:
    path = _duplicated(work, ext)
    line = refused(capsys, "train", path.name, "--target", "y", "--out", "m.json")
    assert line.endswith(
        f"DATA 'dup{ext}': column 'a' appears 2 times (columns 1 and 2); give every column "
        "a distinct name"
    )
    assert (work / "m.json").read_bytes() == PREVIOUS
    assert temporaries(work) == []


def test_predict_evaluate_and_plot_refuse_a_repeated_column(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _duplicated(work, ".csv")
    expected = "DATA 'dup.csv': column 'a' appears 2 times (columns 1 and 2)"
    line = refused(capsys, "predict", "model.json", "dup.csv", "--out", "p.csv")
    assert expected in line and "a.1" not in line
    assert expected in refused(capsys, "evaluate", "model.json", "dup.csv")
    line = refused(
        capsys, "plot", "decision-boundary", "--data", "dup.csv", "--target", "y",
        "--features", "a,c", "--out", "s.png",
    )  # fmt: skip
    assert expected in line
    assert (work / "p.csv").read_bytes() == PREVIOUS
    assert (work / "s.png").read_bytes() == PREVIOUS


def test_train_dask_refuses_a_repeated_column_before_starting_a_cluster(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file set whose second file repeats a name: refused from the headers, naming the
    file; no cluster is started (LocalCluster would fail here)."""
    pytest.importorskip("distributed")
    import distributed

    def no_cluster(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cluster was started for a file set that the headers refuse")

    monkeypatch.setattr(distributed, "LocalCluster", no_cluster)
    parts = work / "parts"
    parts.mkdir()
    frame = pd.read_csv(work / "d.csv")
    frame.iloc[:40].to_csv(parts / "part-0.csv", index=False)
    bad = frame.iloc[40:].copy()
    bad.columns = ["a", "b", "b", "y"]
    bad.to_csv(parts / "part-1.csv", index=False)
    line = refused(capsys, "train", "parts", "--dask", "--target", "y", "--out", "m.json")
    assert line.endswith(
        "DATA 'parts/part-1.csv': column 'b' appears 2 times (columns 2 and 3); "
        "give every column a distinct name"
    )
    assert (work / "m.json").read_bytes() == PREVIOUS


def test_an_unnamed_column_is_refused_unless_features_are_chosen(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pd.read_csv(work / "d.csv").to_csv(work / "indexed.csv")  # pandas' index=True
    line = refused(capsys, "train", "indexed.csv", "--target", "y", "--out", "m.json")
    assert "DATA 'indexed.csv': column 1 has no name in the header" in line
    assert (work / "m.json").read_bytes() == PREVIOUS
    status, _, err = run(
        capsys, "train", "indexed.csv", "--target", "y", "--features", "a,b,c",
        "--out", "m.json", "--quiet",
    )  # fmt: skip
    assert status == 0, err
    from sigmoid_neuron.io.model_file import read_model_file

    _, metadata = read_model_file(work / "m.json")
    assert metadata is not None and metadata["features"] == ["a", "b", "c"]
    assert "Unnamed" not in (work / "m.json").read_text()


# --------------------------------------------------------------------- failed writes


def fail_writes(monkeypatch: pytest.MonkeyPatch, code: int, only: str = "") -> None:
    """Make ``atomic_write`` fail with ``code`` (at fsync) for temporary files whose name
    contains ``only`` (all when empty)."""

    def fsync(fd: int) -> None:
        if only in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.os, "fsync", fsync)


FULL = "no space left on device; free some space on that file system or write the file elsewhere"


@pytest.mark.parametrize(
    ("args", "option", "name"),
    [
        (("train", "d.csv", "--target", "y", "--out", "m.json"), "--out", "m.json"),
        (
            ("train", "d.csv", "--target", "y", "--out", "new.json", "--checkpoint", "ck.json"),
            "--checkpoint",
            "ck.json",
        ),
        (("predict", "model.json", "d.csv", "--out", "p.csv"), "--out", "p.csv"),
        (("plot", "sigmoid", "--out", "s.png"), "--out", "s.png"),
    ],
)
def test_a_full_disk_is_one_line_naming_option_path_and_cause(
    work: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    option: str,
    name: str,
) -> None:
    fail_writes(monkeypatch, errno.ENOSPC)
    line = refused(capsys, *args)
    expected = f"{option} {name!r} cannot be written: {FULL}"
    assert expected in line, line
    if not name.endswith(".png"):  # (matplotlib's writer keeps only the cause)
        assert line.endswith(f"(the previous {name!r} is unchanged)")
    assert "Errno" not in line and ".tmp" not in line
    assert (work / name).read_bytes() == PREVIOUS
    assert not (work / "new.json").exists()
    assert temporaries(work) == []


def test_a_failed_loss_curve_keeps_the_previous_figure(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_writes(monkeypatch, errno.EDQUOT, only=".curve.png.")
    line = refused(
        capsys, "train", "d.csv", "--target", "y", "--out", "new.json", "--plot", "curve.png"
    )
    assert "--plot 'curve.png' cannot be written: disk quota exceeded; free some space" in line
    assert (work / "curve.png").read_bytes() == PREVIOUS
    assert load_model(work / "new.json") is not None  # the model came first and is whole
    assert temporaries(work) == []


def test_user_message_names_the_option_and_folds_system_errors() -> None:
    args = argparse.Namespace(command="explore", out="page.html", data="d.csv", run=None)
    error = WriteError("page.html", "no space left on device", code=errno.ENOSPC, hint="free")
    assert user_message(error, args) == (
        "--out 'page.html' cannot be written: no space left on device; free"
    )
    assert user_message(error, argparse.Namespace(out="other.html")) == (
        "cannot write 'page.html': no space left on device; free"
    )
    raw = OSError(errno.ENOSPC, "No space left on device", "x.bin")
    assert str(raw) == "[Errno 28] No space left on device: 'x.bin'"
    assert user_message(raw) == "'x.bin': no space left on device"
    assert user_message(ValueError("two\nlines")) == "two lines"


# --------------------------------------------------------------------- the column limit


def test_max_columns(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = refused(capsys, "train", "d.csv", "--target", "y", "--max-columns", "3", "--out",
                   "m.json")  # fmt: skip
    assert line.endswith(
        "DATA 'd.csv' has 4 columns, more than the limit of 3; keep only the columns you "
        "need, or raise the limit (--max-columns 4, max_columns= in Python) to read it"
    )
    assert (work / "m.json").read_bytes() == PREVIOUS
    line = refused(capsys, "predict", "model.json", "d.csv", "--max-columns", "2", "--out",
                   "p.csv")  # fmt: skip
    assert "has 4 columns, more than the limit of 2" in line
    assert "more than the limit of 3" in refused(
        capsys, "evaluate", "model.json", "d.csv", "--max-columns", "3"
    )
    assert (work / "p.csv").read_bytes() == PREVIOUS
    with pytest.raises(SystemExit) as info:
        main(["train", "d.csv", "--target", "y", "--max-columns", "0", "--out", "m.json"])
    assert info.value.code == 2
    assert "--max-columns: must be an integer >= 1" in capsys.readouterr().err
    status, _, err = run(capsys, "train", "d.csv", "--target", "y", "--max-columns", "4",
                         "--out", "m.json", "--quiet")  # fmt: skip
    assert status == 0, err


def test_a_million_column_header_without_rows(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "wide.csv").write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    line = refused(capsys, "train", "wide.csv", "--target", "c0", "--out", "m.json")
    assert line.endswith("DATA 'wide.csv' has no data rows; it needs at least one")
    (work / "wide.csv").write_text(
        ",".join(f"c{i}" for i in range(1_000_000)) + "\n" + ",".join("1" * 1_000_000) + "\n"
    )
    line = refused(capsys, "train", "wide.csv", "--target", "c0", "--out", "m.json")
    assert "has 1000000 columns, more than the limit of 100000" in line
    assert (work / "m.json").read_bytes() == PREVIOUS


# --------------------------------------------------------------------- stale temporary files


def _aged(path: Path) -> Path:
    path.write_text("left by a killed write")
    then = time.time() - 3600
    os.utime(path, (then, then))
    return path


def test_resume_removes_stale_temporary_files_and_says_so(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["d.csv", "--target", "y", "--model", "logistic", "--optimizer", "gd", "--tol",
              "none", "--quiet"]  # fmt: skip
    status, _, err = run(capsys, "train", *common, "--epochs", "20", "--out", "r.json",
                         "--checkpoint", "run.json", "--checkpoint-every", "5")  # fmt: skip
    assert status == 0, err
    stale = [_aged(work / ".run.json.k1ll3d_0.tmp"), _aged(work / ".r.json.abcdefgh.tmp")]
    kept = [
        _aged(work / ".run.json.notours.tmp"),
        _aged(work / ".other.json.abcdefgh.tmp"),
        _aged(work / "run.json.abcdefgh.tmp"),
    ]
    status, _, err = run(capsys, "train", *common, "--epochs", "30", "--out", "r.json",
                         "--resume", "run.json")  # fmt: skip
    assert status == 0, err
    assert err.splitlines() == [
        "sigmoid-neuron train: removed 2 stale temporary file(s) left by an interrupted write: "
        ".r.json.abcdefgh.tmp, .run.json.k1ll3d_0.tmp"
    ]
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)
    assert load_checkpoint(work / "run.json").epoch == 30
    status, _, err = run(capsys, "train", *common, "--epochs", "30", "--out", "r.json",
                         "--resume", "run.json")  # fmt: skip
    assert status == 0 and err == ""  # nothing left to remove: nothing said


# --------------------------------------------------------------------- undefined scores


def test_r2_on_a_constant_target_is_undefined(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(work / "d.csv").assign(y=2.5)
    frame.to_csv(work / "const.csv", index=False)
    status, out, err = run(capsys, "train", "const.csv", "--target", "y", "--model", "linear",
                           "--out", "lin.json")  # fmt: skip
    assert status == 0, err
    reason = "undefined (the target is constant: R^2 divides by the variance of the target"
    assert f"training R^2 {reason}" in out and "nan" not in out
    status, out, err = run(capsys, "evaluate", "lin.json", "const.csv")
    assert status == 0, err
    lines = dict(line.split(None, 1) for line in out.splitlines()[1:])
    assert lines["R^2"].startswith(reason)
    model = load_model(work / "lin.json")
    X = frame[["a", "b", "c"]].to_numpy()
    assert float(lines["MSE"]) == pytest.approx(
        mean_squared_error(frame["y"], model.predict(X)), rel=1e-5
    )
    assert "nan" not in out.lower()


def test_r2_names_the_constant_target_of_a_multi_output_model(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(work / "d.csv")
    X = frame[["a", "b"]].to_numpy()
    frame["u"] = X @ [1.0, 2.0] + 0.1
    frame["k"] = 7.0
    frame.to_csv(work / "multi.csv", index=False)
    model = LinearRegression().fit(X, frame[["u", "k"]].to_numpy())
    save_model(model, work / "multi.json", metadata={"features": ["a", "b"], "target": ["u", "k"]})
    status, out, err = run(capsys, "evaluate", "multi.json", "multi.csv")
    assert status == 0, err
    assert "R^2  undefined (target(s) 'k' of 2 are constant: R^2 divides" in out
    frame["k"] = X[:, 0] - X[:, 1]  # no longer constant: a number, scikit-learn's
    frame.to_csv(work / "multi.csv", index=False)
    status, out, _ = run(capsys, "evaluate", "multi.json", "multi.csv")
    value = float(next(line for line in out.splitlines() if line.startswith("R^2")).split()[-1])
    expected = r2_score(frame[["u", "k"]], model.predict(X))
    assert value == pytest.approx(expected, rel=1e-5)


def test_log_loss_on_data_of_one_class_is_a_number(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One class in the data: the model's two classes still give p(y | x), so the log
    loss is defined (scikit-learn's log_loss with labels=[0, 1] is the oracle)."""
    frame = pd.read_csv(work / "d.csv")
    ones = frame[frame["y"] == 1]
    ones.to_csv(work / "ones.csv", index=False)
    status, out, err = run(capsys, "evaluate", "model.json", "ones.csv")
    assert status == 0, err
    model = load_model(work / "model.json")
    proba = model.predict_proba(ones[["a", "b", "c"]].to_numpy())
    scores = {line.rsplit(None, 1)[0]: line.split()[-1] for line in out.splitlines()[1:]}
    assert float(scores["log loss"]) == pytest.approx(
        log_loss(ones["y"], proba, labels=[0, 1]), rel=1e-5
    )


# --------------------------------------------------------------------- divergence


def test_divergence_says_no_model_was_written(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refused(
        capsys, "train", "d.csv", "--target", "y", "--model", "linear", "--optimizer", "gd",
        "--learning-rate", "50", "--tol", "none", "--out", "m.json", "--checkpoint",
        "div.json", "--checkpoint-every", "1",
    )  # fmt: skip
    assert "training diverged in epoch" in line and "kept" not in line
    match = re.search(
        r"No model was written \(the previous 'm\.json' is unchanged\); the last checkpoint, "
        r"div\.json \(epoch (\d+)\), is intact\.$",
        line,
    )
    assert match, line
    assert load_checkpoint(work / "div.json").epoch == int(match.group(1))
    assert (work / "m.json").read_bytes() == PREVIOUS
    line = refused(
        capsys, "train", "d.csv", "--target", "y", "--model", "linear", "--optimizer", "gd",
        "--learning-rate", "50", "--tol", "none", "--out", "fresh.json",
    )  # fmt: skip
    assert line.endswith("No model was written.")
    assert not (work / "fresh.json").exists()
