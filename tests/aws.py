"""AWS clients for tests, pointed at the moto server on 127.0.0.1 (fixture ``moto_url``)."""

from __future__ import annotations

import boto3

#: The AWS region that holds each storage region's bucket and key (the product's default).
AWS_REGIONS = {"us": "us-east-1", "eu": "eu-central-1", "au": "ap-southeast-2"}


def aws_client(service: str, url: str, region: str):
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=AWS_REGIONS[region]
    )
    return session.client(service, endpoint_url=url)
