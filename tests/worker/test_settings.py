from pathlib import Path

import pytest

from worker.errors import UsageError, scrub_digits
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


#: Each numeric setting's bad values and the range its message gives (README, "Configuration").
OUT_OF_RANGE = [
    ("CALLREC_PAD_BEFORE_MS", ("-1000", "-1", "inf", "10001"), "must be 0 to 10000 ms"),
    ("CALLREC_PAD_AFTER_MS", ("nan", "-0.5", "1e9"), "must be 0 to 10000 ms"),
    ("CALLREC_SPEECH_PAD_MS", ("-150", "nan"), "must be 0 to 10000 ms"),
    ("CALLREC_OUTPUT_RATE_HZ", ("0", "-8000", "192001"), "must be 1 to 192000 Hz"),
    ("CALLREC_MAX_CALL_S", ("0", "-1", "nan", "inf"), "must be more than 0 s"),
    ("CALLREC_MAX_EVENTS", ("0", "-5"), "must be 1 or more"),
    ("CALLREC_MAX_SEGMENTS", ("0",), "must be 1 or more"),
    ("CALLREC_MAX_MANIFEST_BYTES", ("0",), "must be 1 byte or more"),
    ("CALLREC_MAX_TRANSCRIPT_BYTES", ("-1",), "must be 1 byte or more"),
    ("CALLREC_MAX_SEGMENT_OVERRUN_S", ("-1", "nan", "inf"), "must be 0 s or more"),
    ("CALLREC_MIN_RATE_HZ", ("0", "-4000"), "must be 1 Hz or more"),
    ("CALLREC_MAX_CHANNELS", ("0",), "must be 1 or more"),
    ("CALLREC_MAX_SEGMENT_BYTES", ("-1",), "must be 0 (derived) or more bytes"),
    ("CALLREC_WORKDIR_SWEEP_INTERVAL_S", ("-1", "nan", "inf"), "must be 0 s or more"),
    ("CALLREC_QUEUE_HEARTBEAT_TIMEOUT_S", ("0", "0.5", "nan", "inf"), "must be 1 s or more"),
    ("CALLREC_QUEUE_MAINTENANCE_PER_MILLION", ("0", "-1", "1000001"), "must be 1 to 1000000"),
    ("CALLREC_JOB_LEASE_S", ("0", "0.5", "-30", "nan", "inf"), "must be 1 s or more"),
    ("CALLREC_JOB_MAX_RETRIES", ("-1",), "must be 0 or more"),
    ("CALLREC_JOB_MIN_BACKOFF_S", ("-1", "601", "nan"), "must be 0 to 600 s"),
    ("CALLREC_JOB_MAX_DELIVERIES", ("0", "-1"), "must be 1 or more"),
    ("CALLREC_METRICS_PORT", ("-1", "70000", "65536"), "must be 0 to 65535"),
    ("CALLREC_MATH_THREADS", ("-4", "-1"), "must be 0 or more"),
    ("CALLREC_API_PORT", ("0", "-1", "99999", "65536"), "must be 1 to 65535"),
    ("CALLREC_API_MAX_BODY_BYTES", ("-1", "0", "1023"), "must be 1024 bytes or more"),
    ("CALLREC_API_HEAD_TIMEOUT_S", ("0", "-1", "nan", "inf"), "must be more than 0 s, at most 3600 s"),
    ("CALLREC_API_BODY_TIMEOUT_S", ("0", "inf"), "must be more than 0 s, at most 3600 s"),
    ("CALLREC_API_MAX_CONNECTIONS", ("0", "-1"), "must be 1 to 1000000"),
    ("CALLREC_API_RATE_PER_S", ("-1",), "must be 0 or more"),
    ("CALLREC_API_RATE_PER_CLIENT_S", ("-1",), "must be 0 or more"),
    ("CALLREC_FETCH_MAX_BYTES", ("0", "-1"), "must be 1 byte or more"),
    ("CALLREC_FETCH_TIMEOUT_S", ("0", "nan", "inf"), "must be more than 0 s"),
    ("CALLREC_FETCH_MAX_REDIRECTS", ("-1",), "must be 0 or more"),
]


@pytest.mark.parametrize("name, bad, message",
                         [(name, bad, message) for name, bads, message in OUT_OF_RANGE for bad in bads])
def test_a_number_out_of_its_range_is_refused_naming_the_setting(name, bad, message):
    """Was taken, then crashed where it was used (a traceback, exit 1 or 3) or did harm quietly
    (every request 413 or 503, most of a call masked)."""
    with pytest.raises(UsageError) as refused:
        Settings.from_env({name: bad})
    assert str(refused.value) == f"setting {name}: {message}"
    # readable wherever it is shown: nothing in it looks like card data
    assert scrub_digits(str(refused.value), card_numbers_only=True) == str(refused.value)


@pytest.mark.parametrize("name, good", [
    ("CALLREC_PAD_BEFORE_MS", "0"), ("CALLREC_PAD_AFTER_MS", "10000"), ("CALLREC_SPEECH_PAD_MS", "450"),
    ("CALLREC_METRICS_PORT", "0"), ("CALLREC_METRICS_PORT", "65535"), ("CALLREC_API_PORT", "1"),
    ("CALLREC_MATH_THREADS", "0"), ("CALLREC_JOB_LEASE_S", "1.5"), ("CALLREC_JOB_MIN_BACKOFF_S", "0.1"),
    ("CALLREC_JOB_MIN_BACKOFF_S", "600"), ("CALLREC_QUEUE_HEARTBEAT_TIMEOUT_S", "2"),
    ("CALLREC_QUEUE_MAINTENANCE_PER_MILLION", "1000000"), ("CALLREC_API_RATE_PER_CLIENT_S", "0"),
    ("CALLREC_API_MAX_BODY_BYTES", "1024"), ("CALLREC_MAX_SEGMENT_BYTES", "0"),
    ("CALLREC_WORKDIR_SWEEP_INTERVAL_S", "0"), ("CALLREC_API_HEAD_TIMEOUT_S", "0.5"),
])
def test_the_ends_of_a_range_are_accepted(name, good):
    Settings.from_env({name: good})


def test_the_lowest_accepted_rate_may_not_be_above_the_highest():
    with pytest.raises(UsageError, match="^settings CALLREC_MIN_RATE_HZ 9000 and CALLREC_MAX_RATE_HZ 8000: "
                                         "the lowest rate is above the highest$"):
        Settings(min_rate_hz=9000, max_rate_hz=8000)


def test_a_log_level_logging_does_not_know_is_refused():
    """Was a traceback when worker or serve configured its logs (one-shot commands ignored it)."""
    assert Settings.from_env({"CALLREC_LOG_LEVEL": "debug"}).log_level == "debug"
    with pytest.raises(UsageError) as refused:
        Settings.from_env({"CALLREC_LOG_LEVEL": "LOUD"})
    assert str(refused.value) == ("setting CALLREC_LOG_LEVEL: 'LOUD' is not one of "
                                  "DEBUG, INFO, WARNING, ERROR, CRITICAL")


@pytest.mark.parametrize("name", ["CALLREC_API_HOST", "CALLREC_METRICS_HOST"])
@pytest.mark.parametrize("bad", ["999.1.1.1", "1.2.3", "host name", "-host", "a..b", "[::1]"])
def test_an_address_that_is_no_ip_address_or_host_name_is_refused(name, bad):
    """999.1.1.1 was uvicorn's error and exit 3 at serve, the metrics thread's in a worker."""
    with pytest.raises(UsageError) as refused:
        Settings.from_env({name: bad})
    shown_as = repr(bad) if sum(ch.isdigit() for ch in bad) <= 3 else "(value not shown)"  # callrec.errors.shown
    assert str(refused.value) == f"setting {name}: {shown_as} is not an IP address or host name"


def test_a_host_setting_holding_a_card_number_is_refused_without_it():
    with pytest.raises(UsageError) as refused:
        Settings.from_env({"CALLREC_API_HOST": "4111111111111111"})
    assert "1111" not in str(refused.value) and "(value not shown)" in str(refused.value)


@pytest.mark.parametrize("good", ["127.0.0.1", "0.0.0.0", "::1", "::", "localhost", "api.example.com", "host-1"])
def test_ip_addresses_and_host_names_are_accepted(good):
    assert Settings.from_env({"CALLREC_API_HOST": good, "CALLREC_METRICS_HOST": good}).api_host == good


@pytest.mark.parametrize("name, bad", [("CALLREC_API_HEAD_TIMEOUT_S", "1e9"), ("CALLREC_API_BODY_TIMEOUT_S", "3601"),
                                       ("CALLREC_API_MAX_CONNECTIONS", "1000001")])
def test_the_slow_client_protections_cannot_be_set_out_of_reach(name, bad):
    """Found by the review: with no upper bound, 1e9 s switched the protections off."""
    with pytest.raises(UsageError, match=f"setting {name}: must be"):
        Settings.from_env({name: bad})


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert Settings(api_trusted_proxies=" 10.0.0.1/8 , ::1,192.0.2.7 ").trusted_proxies() == [
        "10.0.0.0/8", "::1", "192.0.2.7"]
    assert Settings().trusted_proxies() == []  # off by default
    for bad in ("proxy.internal", "*", "10.0.0.0/33", "10.0.0.1,", "300.1.1.1"):
        with pytest.raises(UsageError, match="setting CALLREC_API_TRUSTED_PROXIES: .* is not an IP address or network"):
            Settings(api_trusted_proxies=bad)
