import darkrecon as dr


def test_cli_info_lists_all_presets(capsys):
    from darkrecon.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for name in dr.Beam.presets():
        assert name in out
