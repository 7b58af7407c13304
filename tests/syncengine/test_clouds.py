"""The one table of cloud facts: the real names the engine signs in and calls Graph with, and the pairs."""

from __future__ import annotations

import pytest

from syncengine.backend import Identity
from syncengine.clouds import CLOUDS, FLAVOR_CLOUD, Cloud, is_same_cloud, is_supported_pair
from syncengine.http_backend import REAL_CLOUDS, CloudEndpoints


def test_the_real_clouds_are_reached_at_their_documented_login_and_graph_roots() -> None:
    assert REAL_CLOUDS == {
        "commercial": CloudEndpoints(
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
            "https://graph.microsoft.com/.default",
        ),
        "gcch": CloudEndpoints(
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us",
            "https://graph.microsoft.us/.default",
        ),
        "dod": CloudEndpoints(
            "https://login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
            "https://dod-graph.microsoft.us/.default",
        ),
        "china": CloudEndpoints(
            "https://login.partner.microsoftonline.cn",
            "https://microsoftgraph.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn/.default",
        ),
    }


def test_gcc_high_and_dod_share_azure_governments_instance_name_and_label() -> None:
    assert {c: (i.cloud_instance, i.label) for c, i in CLOUDS.items()} == {
        Cloud.COMMERCIAL: ("microsoftonline.com", "Microsoft Azure Commercial"),
        Cloud.GCCH: ("microsoftonline.us", "Microsoft Azure Government"),
        Cloud.DOD: ("microsoftonline.us", "Microsoft Azure Government"),
        Cloud.CHINA: ("partner.microsoftonline.cn", "Microsoft Azure China"),
    }
    assert is_same_cloud("gcch", "dod") and not is_same_cloud("commercial", "gcch")
    assert FLAVOR_CLOUD == {
        "commercial": Cloud.COMMERCIAL,
        "gcc": Cloud.COMMERCIAL,
        "gcch": Cloud.GCCH,
        "dod": Cloud.DOD,
        "china": Cloud.CHINA,
    }


@pytest.mark.parametrize(("source", "target"), [("china", "commercial"), ("gcch", "china"), ("dod", "china")])
def test_china_is_reached_only_from_commercial(source: str, target: str) -> None:
    assert not is_supported_pair(source, target)
    assert is_supported_pair("commercial", "china") and is_supported_pair("china", "china")


def test_an_identity_names_its_cloud_by_the_enum_and_refuses_an_unknown_one() -> None:
    assert Identity("gcch", "t", "c").cloud is Cloud.GCCH
    assert Identity("gcch", "t", "c") == Identity(Cloud.GCCH, "t", "c")
    with pytest.raises(ValueError, match="unknown cloud 'gcc'; use one of commercial, gcch, dod, china"):
        Identity("gcc", "t", "c")
