from nailstudio import services


def offline_ready_design(*, owner, customer, settings, capture_on_commit):
    """A ready design drawn by the offline renderer, whatever vendors the test configures afterwards."""
    keys = settings.DASHSCOPE_API_KEY, settings.OPENAI_API_KEY
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""
    with capture_on_commit(execute=True):
        plan = services.request_design(owner=owner, customer=customer)
    settings.DASHSCOPE_API_KEY, settings.OPENAI_API_KEY = keys
    plan.refresh_from_db()
    assert plan.status == "ready"
    return plan
