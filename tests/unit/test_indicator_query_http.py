"""``GET /indicators`` passes a period spec and the breakdowns asked (``by=sex,age_band``) to the RPC,
and keeps ``period_start``/``period_end`` and ``by=commune`` working."""

import json

from services.reporting.http_views import indicators_response


def asked(args: dict) -> tuple:
    calls = []

    def indicators(*call_args):
        calls.append(call_args)
        return {"asked": list(call_args)}

    status, _, body = indicators_response(args, indicators)
    return status, calls[0], json.loads(body)


def test_a_period_spec_and_a_list_of_breakdowns_reach_the_rpc():
    _, call, _ = asked({"area": "12", "as_of": "2026-06-30", "period": "2026-Q2", "by": "sex, age_band"})
    assert call == ("12", "2026-06-30", "2026-Q2", False, ["sex", "age_band"])


def test_period_start_and_end_still_reach_the_rpc_as_an_object():
    _, call, _ = asked({"area": "12", "as_of": "2026-06-30", "period_start": "2026-02-01", "by": "commune"})
    assert call == ("12", "2026-06-30", {"start": "2026-02-01"}, False, ["commune"])
