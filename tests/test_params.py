"""The parameter validator: every bad value gets a message naming parameter, value and rule."""

import math

import pytest

from dispatchlib import ParameterError, check
from dispatchlib.params import spec


def test_valid_values_are_converted():
    p = check(workers=15000.0, quota_usd=6500, quota_months=8, seed=1)
    assert p.workers == 15000 and isinstance(p.workers, int)
    assert p.quota_usd == 6500.0 and isinstance(p.quota_usd, float)


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("quota_months", 0, ">= 1"),
        ("workers", -5, ">= 0"),
        ("workers", 1.5, "whole number"),
        ("workers", "many", "whole number"),
        ("savings_usd", math.nan, "a number"),
        ("quota_usd", math.inf, "a number"),
        ("draws", True, "whole number"),
        ("interactive", "yes", "True or False"),
        ("years_abroad", 0.0, ">= 0.5"),
        ("bribe_usd", 1e9, "<= 100000"),
    ],
)
def test_bad_values_name_parameter_value_and_rule(name, value, fragment):
    with pytest.raises(ParameterError) as info:
        check(**{name: value})
    message = str(info.value)
    assert name in message and repr(value) in message and fragment in message
    assert info.value.name == name


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ParameterError) as info:
        check(quota_mnths=8)
    assert "did you mean 'quota_months'" in str(info.value)
    assert "workers" in str(info.value)


def test_allowed_text_states_unit():
    assert spec("quota_months").allowed() == "a number >= 1 and <= 60 (months)"
