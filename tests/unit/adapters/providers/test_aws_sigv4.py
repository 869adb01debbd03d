"""Signature Version 4 against AWS's own published example."""

from __future__ import annotations

from oob_console.adapters.providers.aws import sigv4_authorization


def test_documented_example_signature() -> None:
    # AWS General Reference, "Signature Version 4 signing process" example (IAM ListUsers, 2015-08-30).
    auth = sigv4_authorization(
        method="GET", url="https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Host": "iam.amazonaws.com",
                 "X-Amz-Date": "20150830T123600Z"},
        body=b"", region="us-east-1", service="iam", access_key="AKIDEXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", amz_date="20150830T123600Z")
    assert auth == ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                    "SignedHeaders=content-type;host;x-amz-date, "
                    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")


def test_signature_depends_on_body_and_secret() -> None:
    common = dict(method="POST", url="https://ec2.us-east-1.amazonaws.com/",
                  headers={"Host": "ec2.us-east-1.amazonaws.com", "X-Amz-Date": "20260101T000000Z"},
                  region="us-east-1", service="ec2", access_key="AK", amz_date="20260101T000000Z")
    a = sigv4_authorization(body=b"Action=A", secret_key="s", **common)  # type: ignore[arg-type]
    assert a != sigv4_authorization(body=b"Action=B", secret_key="s", **common)  # type: ignore[arg-type]
    assert a != sigv4_authorization(body=b"Action=A", secret_key="t", **common)  # type: ignore[arg-type]


# AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite), "post-sts-token/post-sts-header-before":
# temporary credentials, the session token signed as the X-Amz-Security-Token header.
SUITE_TOKEN = ("AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRq"
               "TflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75Y"
               "U9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9K"
               "SYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==")


def test_published_example_with_a_session_token() -> None:
    auth = sigv4_authorization(
        method="POST", url="https://example.amazonaws.com/",
        headers={"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z",
                 "X-Amz-Security-Token": SUITE_TOKEN},
        body=b"", region="us-east-1", service="service", access_key="AKIDEXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", amz_date="20150830T123600Z")
    assert auth == ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                    "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                    "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")


def test_the_backend_sends_and_signs_its_session_token() -> None:
    import httpx

    from oob_console.adapters.providers.aws import AwsByoipBackend

    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="<DescribeByoipCidrsResponse><byoipCidrSet/></DescribeByoipCidrsResponse>")

    backend = AwsByoipBackend("aws", region="us-east-1", access_key_id=lambda: "ASIAEXAMPLE",
                              secret_access_key=lambda: "secret", session_token=lambda: SUITE_TOKEN,
                              endpoint="http://127.0.0.1:9", transport=httpx.MockTransport(answer),
                              clock=lambda: 1440938160.0)
    backend.call("DescribeByoipCidrs", MaxResults="10")
    request = seen[0]
    assert request.headers["X-Amz-Security-Token"] == SUITE_TOKEN
    assert "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token" in request.headers["Authorization"]
    expected = sigv4_authorization(
        method="POST", url=str(request.url), body=request.content, region="us-east-1", service="ec2",
        access_key="ASIAEXAMPLE", secret_key="secret", amz_date="20150830T123600Z",
        headers={"Content-Type": request.headers["Content-Type"], "Host": request.url.netloc.decode(),
                 "X-Amz-Date": "20150830T123600Z", "X-Amz-Security-Token": SUITE_TOKEN})
    assert request.headers["Authorization"] == expected
