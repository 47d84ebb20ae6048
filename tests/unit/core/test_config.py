from chalicelib.config import QUEUES, RESOURCE_NAMES, settings_from


def test_names_default_to_prefix_and_suffix():
    settings = settings_from({"STAGE": "dev"})
    assert settings.prefix == "imagepool-dev"
    assert settings.name("uploads_bucket") == "imagepool-dev-uploads"
    assert settings.queue_name("ingest") == "imagepool-dev-ingest"
    assert settings.dlq_name("harvest") == "imagepool-dev-harvest-dlq"
    assert settings.endpoint_url is None


def test_explicit_names_win_over_the_convention():
    settings = settings_from({"RESOURCE_PREFIX": "p", "UPLOADS_BUCKET": "my-bucket",
                              "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})
    assert settings.name("uploads_bucket") == "my-bucket"
    assert settings.name("records_table") == "p-records"
    assert settings.endpoint_url == "http://127.0.0.1:5000"


def test_every_queue_step_has_a_name():
    settings = settings_from({})
    for step in QUEUES:
        assert settings.queue_name(step).endswith(f"-{step}")
    assert len({var for var, _ in RESOURCE_NAMES.values()}) == len(RESOURCE_NAMES)
