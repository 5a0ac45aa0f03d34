from pathlib import Path

import pytest

from worker.errors import UsageError
from worker.settings import Settings


def test_defaults_without_environment():
    settings = Settings.from_env({})
    assert settings.output_rate_hz == 8000
    assert settings.redis_url is None
    assert settings.beep_hz == 1400.0


def test_environment_values_are_typed():
    settings = Settings.from_env(
        {"REDIS_URL": "redis://127.0.0.1:6379/0", "CALLREC_OUTPUT_RATE_HZ": "16000",
         "CALLREC_BEEP_ON_RESUME": "yes", "CALLREC_DATA_DIR": "/tmp/x", "CALLREC_BEEP_DBFS": "-6"}
    )
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.output_rate_hz == 16000
    assert settings.beep_on_resume is True
    assert settings.data_dir == Path("/tmp/x")
    assert settings.beep_dbfs == -6.0


def test_bad_value_names_the_setting():
    with pytest.raises(UsageError, match="CALLREC_OUTPUT_RATE_HZ"):
        Settings.from_env({"CALLREC_OUTPUT_RATE_HZ": "fast"})


def test_the_settings_offer_exactly_these_codecs():
    from audio.encode import CODECS
    from worker.settings import STORAGE_CODECS

    assert sorted(STORAGE_CODECS) == sorted(CODECS)
    with pytest.raises(UsageError, match="CALLREC_STORAGE_CODEC: 'mp3' is not one of flac, opus, wav"):
        Settings.from_env({"CALLREC_STORAGE_CODEC": "mp3"})
    assert Settings(lossy_accounts=" acme ,beta").codec_for("acme") == "opus"
    assert Settings(lossy_accounts=" acme ,beta").codec_for("gamma") == "flac"


def test_failed_manifest_days_default_and_range():
    assert Settings.from_env({}).failed_manifest_days == 30
    assert Settings.from_env({"CALLREC_FAILED_MANIFEST_DAYS": "7"}).failed_manifest_days == 7
    for bad in ("0", "-1", "36501"):
        with pytest.raises(UsageError, match="CALLREC_FAILED_MANIFEST_DAYS: must be 1 to 36500 days"):
            Settings.from_env({"CALLREC_FAILED_MANIFEST_DAYS": bad})


def test_a_job_may_not_run_as_long_as_a_tombstone_takes_to_settle():
    assert Settings.from_env({"CALLREC_JOB_TIME_LIMIT_S": "86400"}).job_time_limit_s == 86400.0
    for bad in ("0", "-5", "604800", "1e9"):
        with pytest.raises(UsageError, match="CALLREC_JOB_TIME_LIMIT_S: must be more than 0 and less than 604800 s"):
            Settings.from_env({"CALLREC_JOB_TIME_LIMIT_S": bad})


@pytest.mark.parametrize("name", ["CALLREC_INBOX", "CALLREC_SOURCE_ROOTS"])
@pytest.mark.parametrize("bad, problem", [("relative", "'relative' is not an absolute directory"),
                                          ("/srv/in,s3:///x", "'s3:///x' names no bucket")])
def test_a_bad_root_is_refused_when_the_settings_load(name, bad, problem):
    """Not first when a job has stored its recording (the inbox was read only to destroy)."""
    with pytest.raises(UsageError, match=f"^setting {name}: {problem}"):
        Settings.from_env({name: bad})
    assert Settings.from_env({name: "/srv/{region}/in, s3://bucket-{region}/calls"})
