"""Tokens are believed only when a trusted issuer signed them for us and they are in date: every other
string, and every claim set that does not describe an identity, is ``Unauthenticated``."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.exceptions import Unauthenticated
from shared.kit.identity import CallerContext
from shared.plumbing.tokens import Issuers, mint, new_private_key
from tests.support.identities import token, trust_folder
from tools.access.tokens import DEV_ISSUER, DEV_KEY_ID, service_key_file

STRANGER_KEY = new_private_key()
CLAIMS = {"sub": "hw-1", "system": "his", "roles": ["health_worker"], "areas": ["03388"], "purpose": "EPI"}


def issuers() -> Issuers:
    return Issuers.from_file(trust_folder() / "issuers.json")


def identity(value):
    return CallerContext(issuers(), value).identity


def dev_key() -> bytes:
    return (trust_folder() / "dev-signing.pem").read_bytes()


def signed(claims=CLAIMS, key=None, key_id=DEV_KEY_ID, issuer=DEV_ISSUER, seconds=600, **options) -> str:
    return mint(key or dev_key(), key_id, issuer, claims, seconds, **options)


def test_a_token_signed_by_the_development_issuer_gives_the_identity_it_claims():
    who = identity("Bearer " + signed())
    assert (who.user_id, who.system, who.roles, who.areas, who.purpose, who.issuer) == (
        "hw-1", "his", ("health_worker",), ("03388",), "EPI", "ecd-dev")


def test_one_role_may_come_as_a_role_claim_as_identity_providers_often_send_it():
    claims = {key: value for key, value in CLAIMS.items() if key != "roles"}
    assert identity(signed({**claims, "role": "teacher"})).roles == ("teacher",)


@pytest.mark.parametrize("value, reason", [
    (None, "no token"),
    ("", "no token"),
    ("Bearer ", "not a JWT"),
    ("not-a-jwt", "not a JWT"),
    ("x" * 9000, "longer than 8192 characters"),
])
def test_no_token_or_no_jwt_is_unauthenticated(value, reason):
    with pytest.raises(Unauthenticated, match=reason):
        identity(value)


def test_a_token_signed_by_another_key_under_our_issuers_name_is_unauthenticated():
    with pytest.raises(Unauthenticated, match="Signature verification failed"):
        identity(signed(key=STRANGER_KEY))


def test_an_unknown_issuer_is_unauthenticated():
    with pytest.raises(Unauthenticated, match="issuer 'https://elsewhere' is not trusted"):
        identity(signed(key=STRANGER_KEY, issuer="https://elsewhere"))


def test_an_expired_token_is_unauthenticated_beyond_thirty_seconds_of_clock_skew():
    issued_long_ago = time.time() - 3600
    with pytest.raises(Unauthenticated, match="Signature has expired"):
        identity(signed(seconds=600, now=issued_long_ago))
    assert identity(signed(seconds=600, now=time.time() - 620)).user_id == "hw-1"  # 20 s past: skew


def test_a_token_not_yet_valid_is_unauthenticated():
    with pytest.raises(Unauthenticated, match="not yet valid"):
        identity(signed(now=time.time() + 600))


def test_a_token_for_another_audience_is_unauthenticated():
    with pytest.raises(Unauthenticated, match="Audience doesn't match"):
        identity(signed(audience="another-platform"))


def test_an_unsigned_token_and_one_signed_with_the_public_key_as_a_secret_are_unauthenticated():
    body = {**CLAIMS, "iss": DEV_ISSUER, "aud": "ecd-platform", "iat": int(time.time()),
            "exp": int(time.time()) + 600}
    unsigned = jwt.encode(body, None, algorithm="none", headers={"kid": DEV_KEY_ID})
    public = json.dumps(json.loads((trust_folder() / "dev.jwks.json").read_text())["keys"][0]).encode()
    head = _segment(json.dumps({"alg": "HS256", "kid": DEV_KEY_ID}).encode()) + "." + _segment(
        json.dumps(body).encode())
    confused = head + "." + _segment(hmac.new(public, head.encode(), hashlib.sha256).digest())
    for forged in (unsigned, confused):
        with pytest.raises(Unauthenticated, match="The specified alg value is not allowed"):
            identity(forged)


def test_a_services_key_signs_only_for_that_service_with_the_role_service():
    key = service_key_file(trust_folder(), "health").read_bytes()
    own = {"sub": "service:health", "system": "health", "roles": ["service"], "areas": []}
    assert identity(signed(own, key=key, key_id="health", issuer="ecd-services")).roles == ("service",)
    for claims in ({**own, "roles": ["protection_officer"]}, {**own, "system": "reporting"}):
        with pytest.raises(Unauthenticated, match="A service key signs only for its own service"):
            identity(signed(claims, key=key, key_id="health", issuer="ecd-services"))


@pytest.mark.parametrize("claims, named", [
    ({**CLAIMS, "sub": ""}, "sub"),
    ({key: value for key, value in CLAIMS.items() if key != "roles"}, "roles"),
    ({**CLAIMS, "roles": "health_worker"}, "roles"),
    ({**CLAIMS, "areas": ["3388"]}, "areas"),
    ({**CLAIMS, "areas": "03388"}, "areas"),
    ({**CLAIMS, "purpose": "x" * 201}, "purpose"),
])
def test_a_signed_token_whose_claims_describe_no_identity_is_unauthenticated_naming_the_claim(claims, named):
    with pytest.raises(Unauthenticated, match=f"Token claim '{named}'"):
        identity(signed(claims))


def test_the_test_token_helper_signs_what_the_platform_trusts():
    assert identity(token("teacher", areas=["12"], user="t-1")).areas == ("12",)


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=8)
CLAIM_SETS = st.dictionaries(st.sampled_from(["sub", "system", "roles", "role", "areas", "purpose", "iss",
                                              "aud", "exp", "nbf", "iat", "kid"]) | st.text(max_size=5),
                             JSON_VALUES, max_size=10)
TOKEN_LIKE = st.one_of(
    st.text(max_size=300),
    st.tuples(st.binary(max_size=60), st.binary(max_size=200), st.binary(max_size=80)).map(
        lambda parts: ".".join(_segment(p) for p in parts)),
    st.tuples(CLAIM_SETS, CLAIM_SETS).map(lambda hc: ".".join(
        _segment(json.dumps(part, default=str).encode()) for part in hc) + ".c2ln"),
    JSON_VALUES,
)
PROPERTY = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(value=TOKEN_LIKE, bearer=st.booleans())
def test_any_token_like_value_without_a_valid_signature_is_unauthenticated(value, bearer):
    with pytest.raises(Unauthenticated):
        identity(f"Bearer {value}" if bearer and isinstance(value, str) else value)


@PROPERTY
@given(claims=CLAIM_SETS)
def test_any_claims_signed_by_a_stranger_are_unauthenticated(claims):
    with pytest.raises(Unauthenticated):
        identity(jwt.encode({**claims, "iss": DEV_ISSUER}, STRANGER_KEY, algorithm="ES256",
                            headers={"kid": DEV_KEY_ID}))


@PROPERTY
@given(claims=CLAIM_SETS)
def test_any_claims_signed_by_our_key_give_an_identity_or_unauthenticated_and_nothing_else(claims):
    try:
        who = identity(signed({k: v for k, v in claims.items() if k not in ("iss", "aud", "exp", "nbf",
                                                                         "iat")}))
    except Unauthenticated:
        return
    assert isinstance(who.user_id, str) and who.roles and all(isinstance(r, str) for r in who.roles)
