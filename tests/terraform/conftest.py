"""Shared helpers of the Terraform tests, and a local AWS API: moto, in-process, over TLS.

``moto_server`` starts moto's WSGI application on 127.0.0.1 (a free port) with a certificate
made for the test and trusted through ``$AWS_CA_BUNDLE`` (which Terraform's AWS provider, its S3
backend and boto3 all read), and patches the gaps of moto 5.2.5 that the real modules run into,
for as long as the server runs. Each is moto's, not the modules':

- **EC2 placement groups** (``CreatePlacementGroup``, ``DescribePlacementGroups``,
  ``DeletePlacementGroup``) are not implemented: moto answers 500. The RDMA pools' cluster
  placement groups need them, so a small in-memory backend answers them (:func:`create_placement_group`...).
- **Bucket policy conditions** are not evaluated: moto treats a ``Bool`` condition it does not
  know as matched, so ``DenyInsecureTransport`` (Deny ``s3:*`` when ``aws:SecureTransport`` is
  ``false``) denies every object call, and a failed condition of any statement is a deny.
  TLS alone would not help, as moto never looks at the transport. The patch evaluates the bucket
  policy as S3 does for the conditions the modules use (``Bool``, ``StringEquals``,
  ``ArnLike``), with ``aws:SecureTransport`` taken from the request's real transport: over this
  server's https it is ``true``, so the statement does not apply, as for the runner's calls to
  real S3; a plain-http request would still be denied. (:func:`_bucket_permission`)
- **Delete markers in a bucket whose versioning is suspended** cannot be deleted: moto takes
  its unversioned path, which disposes of every version of the key and fails on a delete marker
  (``FakeDeleteMarker`` has no ``dispose``: 500). A destroy suspends versioning (the
  ``aws_s3_bucket_versioning`` resource goes first) before ``force_destroy`` empties the bucket,
  so ``infra destroy --delete-logs`` meets it. Delete markers hold no data: the patch gives them
  a ``dispose`` that does nothing (moto then drops all versions of that key at once, where S3
  drops the one named; the provider deletes them all anyway).
- **IAM managed policies** (``AmazonEKSClusterPolicy`` and the node policies the roles attach)
  exist only with ``MOTO_IAM_LOAD_MANAGED_POLICIES=true``, set before the backends are made.

What moto does not implement answers 500, which the provider would retry for minutes: the
endpoint override (``infra --endpoint``) sets ``max_retries = 2``.
"""

from __future__ import annotations

import datetime
import fnmatch
import ipaddress
import json
import logging
import secrets
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.terraform.binary import terraform_env

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
REGION = "us-east-1"


def run_terraform(
    terraform: tuple[str, ...], cwd: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run Terraform in ``cwd``; fail the test with its output unless it succeeds."""
    result = subprocess.run(
        [*terraform, *args],
        cwd=cwd,
        env=terraform_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"terraform {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


# -- the server ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MotoServer:
    """A running moto server: its https URL and the CA bundle that trusts its certificate."""

    url: str
    ca_bundle: Path

    def client(self, service: str, region: str = REGION) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            verify=str(self.ca_bundle),
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """moto on https://127.0.0.1:<free port>, with the patches above; fresh backends for each
    test module (moto's backends are process-wide), stopped after it."""
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    pytest.importorskip("boto3", reason="boto3 is not installed")
    from moto.moto_api._internal.models import moto_api_backend
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    ca_bundle, context = _tls(tmp_path_factory.mktemp("moto-tls"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    with pytest.MonkeyPatch.context() as patch:
        for key, value in CREDENTIALS.items():
            patch.setenv(key, value)
        patch.setenv("AWS_CA_BUNDLE", str(ca_bundle))
        patch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        _patch_moto(patch)
        moto_api_backend.reset()
        application = DomainDispatcherApplication(create_backend_app)
        server = make_server(
            "127.0.0.1",
            0,
            _transport_aware(application),
            threaded=True,
            request_handler=MotoRequestHandler,
            ssl_context=context,
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield MotoServer(f"https://127.0.0.1:{server.server_port}", ca_bundle)
        finally:
            server.shutdown()
            thread.join(timeout=30)
            moto_api_backend.reset()


def _tls(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA made for this run and a certificate for 127.0.0.1 signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def certificate(
        subject: str, key: Any, issuer: x509.Name, signer: Any, ca: bool
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                ),
                critical=False,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "infra tests: moto CA")])
    ca = certificate("infra tests: moto CA", ca_key, ca_name, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate("127.0.0.1", key, ca_name, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    ca_bundle = directory / "ca.pem"
    ca_bundle.write_bytes(ca.public_bytes(pem))
    (directory / "server.pem").write_bytes(leaf.public_bytes(pem))
    (directory / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "server.pem", directory / "server.key")
    return ca_bundle, context


# The transport of the request being answered, for the bucket policy's aws:SecureTransport.
_request = threading.local()


def _transport_aware(application: Callable[..., Any]) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        _request.secure = environ.get("wsgi.url_scheme") == "https"
        return application(environ, start_response)  # type: ignore[no-any-return]

    return app


def _patch_moto(patch: pytest.MonkeyPatch) -> None:
    from moto.ec2.responses import EC2Response
    from moto.s3.models import FakeBucket, FakeDeleteMarker

    _placement_groups.clear()
    for handler in (create_placement_group, describe_placement_groups, delete_placement_group):
        patch.setattr(EC2Response, handler.__name__, handler, raising=False)
    patch.setattr(FakeBucket, "get_permission", _bucket_permission)
    patch.setattr(FakeDeleteMarker, "dispose", _dispose_nothing, raising=False)


def _dispose_nothing(marker: Any, garbage: bool = False) -> None:
    """A delete marker holds no data to dispose of."""


# -- bucket policies -------------------------------------------------------------------------------


def _bucket_permission(bucket: Any, action: str, resource: str) -> Any:
    """S3's evaluation of a bucket policy for one request: an explicit deny wins, then an allow;
    a statement applies when its action, resource, principal and every condition match.
    Principals other than everyone (``*``) name someone else than the test's caller."""
    from moto.iam.access_control import PermissionResult

    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(
        bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy
    )
    context = {"aws:SecureTransport": "true" if getattr(_request, "secure", False) else "false"}
    result = PermissionResult.NEUTRAL
    for statement in _listed(document.get("Statement")):
        if not _applies(statement, action, resource, context):
            continue
        if statement.get("Effect") == "Deny":
            return PermissionResult.DENIED
        result = PermissionResult.PERMITTED
    return result


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> bool:
    def matches(patterns: Any, value: str) -> bool:
        return any(fnmatch.fnmatchcase(value, p) for p in _listed(patterns))

    if "NotAction" in statement:
        if matches(statement["NotAction"], action):
            return False
    elif not matches(statement.get("Action"), action):
        return False
    if not matches(statement.get("Resource", "*"), resource):
        return False
    principal = statement.get("Principal", "*")
    if principal not in ("*", {"AWS": "*"}, {"AWS": ["*"]}):
        return False
    for operator, tests in (statement.get("Condition") or {}).items():
        for key, expected in tests.items():
            actual = context.get(key)
            if actual is None:  # a key the request does not have: the condition fails
                return False
            if operator == "Bool":
                if actual.lower() not in {str(e).lower() for e in _listed(expected)}:
                    return False
            elif operator == "StringEquals":
                if actual not in _listed(expected):
                    return False
            elif operator == "ArnLike":
                if not matches(expected, actual):
                    return False
            else:
                raise NotImplementedError(f"bucket policy condition operator {operator}")
    return True


# -- placement groups ------------------------------------------------------------------------------

# EC2 placement groups, as far as the provider's aws_placement_group uses them: created available,
# described by name or id, deleted. (account, region) -> name -> group, as EC2 describes it.
_placement_groups: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}


def _groups(response: Any) -> dict[str, dict[str, Any]]:
    return _placement_groups.setdefault((response.current_account, response.region), {})


def _unknown(name: str) -> Exception:
    from moto.ec2.exceptions import EC2ClientError

    return EC2ClientError(
        "InvalidPlacementGroup.Unknown", f"The Placement Group '{name}' is unknown."
    )


def create_placement_group(response: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import EC2ClientError

    name = response._get_param("GroupName")
    groups = _groups(response)
    if name in groups:
        raise EC2ClientError(
            "InvalidPlacementGroup.Duplicate", f"The Placement Group '{name}' already exists."
        )
    tags = response._parse_tag_specification("placement-group").get("placement-group", {})
    group: dict[str, Any] = {
        "GroupName": name,
        "GroupId": f"pg-{secrets.token_hex(9)[:17]}",
        "GroupArn": f"arn:aws:ec2:{response.region}:{response.current_account}:placement-group/{name}",
        "State": "available",
        "Strategy": response._get_param("Strategy"),
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }
    if response._get_param("PartitionCount"):
        group["PartitionCount"] = int(response._get_param("PartitionCount"))
    if response._get_param("SpreadLevel"):
        group["SpreadLevel"] = response._get_param("SpreadLevel")
    groups[name] = group
    return ActionResult({"PlacementGroup": group})


def describe_placement_groups(response: Any) -> Any:
    from moto.core.responses import ActionResult

    groups = _groups(response)
    names = list(response._get_param("GroupNames", []) or [])
    ids = set(response._get_param("GroupIds", []) or [])
    for name in names:
        if name not in groups:
            raise _unknown(name)
    found = [
        g
        for g in groups.values()
        if (not names or g["GroupName"] in names) and (not ids or g["GroupId"] in ids)
    ]
    return ActionResult({"PlacementGroups": found})


def delete_placement_group(response: Any) -> Any:
    from moto.core.responses import ActionResult

    name = response._get_param("GroupName")
    if _groups(response).pop(name, None) is None:
        raise _unknown(name)
    return ActionResult({})
