import pytest

from empathy.cli import build_parser, main


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("demo", "sandbox", "run", "train", "evaluate", "outcomes", "airflow-env"):
        assert command in out


def test_bad_date_is_explained(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["evaluate", "--activities", "a.csv", "--cutoff", "11/01"])
    assert "expected YYYY-MM-DD" in capsys.readouterr().err


def test_run_can_ignore_the_bookmarks():
    args = build_parser().parse_args(["run", "--sandbox-info", "info.json", "--full-refresh"])
    assert args.full_refresh
    assert not build_parser().parse_args(["run", "--sandbox-info", "info.json"]).full_refresh
