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
