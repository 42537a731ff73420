"""``darkrecon anomaly`` end to end on tiny samples."""

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("mplhep")

from darkrecon.cli import main  # noqa: E402


def test_train_score_and_bad_model(tmp_path, capsys):
    model_dir, report = tmp_path / "model", tmp_path / "report"
    assert main(["anomaly", "train", "--out", str(model_dir), "--n-background", "800",
                 "--n-validation", "300", "--epochs", "2", "--quiet"]) == 0
    assert (model_dir / "autoencoder_charge.pt").is_file()
    assert (model_dir / "autoencoder_shape.pt").is_file()
    assert main(["anomaly", "score", "--model-dir", str(model_dir), "--out", str(report),
                 "--n-background", "400", "--n-signal", "20"]) == 0
    out = capsys.readouterr().out
    assert "total-charge cut" in out and "shape only" in out
    for name in ("methods.csv", "methods.md", "loss_distributions.png", "roc.png", "scores.npz"):
        assert (report / name).stat().st_size > 0
    lines = (report / "methods.csv").read_text().splitlines()
    assert len(lines) == 1 + 3 * 2

    clusters = tmp_path / "c.npz"
    assert main(["anomaly", "simulate", "--what", "monopole", "--mass", "4", "--n", "20",
                 "--out", str(clusters)]) == 0
    assert main(["anomaly", "score", "--model-dir", str(model_dir), "--out", str(report),
                 "--clusters", str(clusters)]) == 0
    rows = (report / "scores.csv").read_text().splitlines()
    assert rows[0].startswith("index,charge,shape,total_charge,flag_charge")
    assert len(rows) == 21

    bad = tmp_path / "bad.npz"
    adc = np.zeros((3, 9, 9))
    adc[1, 0, 0] = np.nan
    np.savez(bad, adc=adc)
    assert main(["anomaly", "score", "--model-dir", str(model_dir), "--clusters", str(bad),
                 "--out", str(report)]) == 2
    assert "NaN" in capsys.readouterr().err

    import torch

    state = torch.load(model_dir / "autoencoder_charge.pt", weights_only=True)
    state["format_version"] = 99
    torch.save(state, model_dir / "autoencoder_charge.pt")
    assert main(["anomaly", "score", "--model-dir", str(model_dir), "--out", str(report)]) == 2
    assert "format version 99" in capsys.readouterr().err
    assert main(["anomaly"]) == 2


def test_validate_writes_the_mip_table(tmp_path, capsys):
    assert main(["anomaly", "validate", "--n", "60", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "mip_validation.md").read_text()
    assert "Delta_p = 17.59 keV" in text and text.count("| L2 |") == 12
