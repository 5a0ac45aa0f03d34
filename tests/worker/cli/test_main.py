"""The top-level parser: lazy start-up, every listed subcommand real, exit 2 on misuse."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from worker.cli import COMMANDS, build_parser, main


def test_help_imports_no_subcommand_and_nothing_heavy():
    probe = ("import sys, json\nfrom worker.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert not {f"worker.cli.{name}" for name in COMMANDS} & loaded
    assert not {"numpy", "soundfile", "redis", "dramatiq", "tink", "boto3"} & loaded
    for name, help_line in COMMANDS.items():
        assert name in result.stdout and help_line.split()[0] in result.stdout


def test_a_command_imports_only_its_own_module():
    probe = ("import sys, json\nfrom worker.cli import build_parser\n"
             "build_parser(['status', '--help'])\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith('worker.cli.'))))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == ["worker.cli.status"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_listed_command_registers_its_own_parser(name):
    parser = build_parser([name])
    with pytest.raises(SystemExit) as stop:
        parser.parse_args([name, "--help"])
    assert stop.value.code == 0
    registered = parser._subparsers._group_actions[0].choices[name]
    # its own parser (a function to run, or actions that set one), not the help-only placeholder
    assert registered.get_default("func") is not None or registered._subparsers is not None


def test_full_parser_has_every_command():
    choices = build_parser()._subparsers._group_actions[0].choices
    assert sorted(choices) == sorted(COMMANDS)


@pytest.mark.parametrize("argv", [[], ["nope"], ["--bogus"]])
def test_unknown_or_missing_command_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "callrec: error:" in capsys.readouterr().err


def test_a_one_shot_commands_log_records_are_scrubbed_json_and_warnings_only():
    """A library's warning (and its exception's text) in a one-shot command goes through the
    workers' JSON formatter: card numbers scrubbed, a foreign exception's message left out;
    INFO chatter (faster-whisper logs each window it hears) stays off a command's stderr."""
    probe = ("import logging, sys\nimport worker.cli.status as status\n"
             "def noisy(args):\n"
             "    logging.getLogger('faster_whisper').info('Processing audio with duration 00:12')\n"
             "    try:\n        raise ValueError('card 4111111111111111')\n"
             "    except ValueError:\n        logging.getLogger('lib').warning('saw 4111 1111 1111 1111', exc_info=True)\n"
             "    return 0\n"
             "status.run = noisy\n"
             "from worker.cli import main\n"
             "sys.exit(main(['status', 'job-1']))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    logged = json.loads(line)
    assert (logged["level"], logged["logger"], logged["exc_type"]) == ("warning", "lib", "ValueError")
    assert "1111" not in line and "4111" not in line and "Processing" not in line
