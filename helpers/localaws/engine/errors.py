"""Errors the local backend answers with, named as the error shapes of botocore's models.

A service function raises one of these; ``hooks`` turns it into the parsed error response a
real endpoint would give (``Error.Code``, ``Error.Message``, ``ResponseMetadata.HTTPStatusCode``),
so that boto3 raises ``client.exceptions.<Name>`` exactly as it does against AWS. The wire code
and HTTP status are read from the service model when it declares them (IAM, S3); the class
default is used otherwise (Personalize and SSM answer 400).
"""

from __future__ import annotations


class AWSError(Exception):
    """An error answer of an AWS API.

    Args:
        code: the error code on the wire (``Error.Code``).
        message: a message naming the field, row or ARN at fault.
        http_status: the HTTP status of the answer.
    """

    http_status = 400

    def __init__(self, code: str, message: str, http_status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status or type(self).http_status


class _Named(AWSError):
    """An error whose code is its class name, i.e. the error shape's name in the model."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(type(self).__name__, message, http_status)


class NotEmulatedError(NotImplementedError):
    """The local backend does not emulate this service or operation.

    Raised instead of ever letting a call reach the network.
    """

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            f"The local backend does not emulate {service}:{operation}. Use RECSYS_BACKEND=aws "
            "for it, or add it to helpers/localaws."
        )
        self.service = service
        self.operation = operation


# --- shared (Personalize, IAM, SSM) ---------------------------------------------------------
class InvalidInputException(_Named):
    """A parameter value is not allowed."""


class ValidationException(_Named):
    """A parameter value is not allowed (SSM's spelling)."""


class LimitExceededException(_Named):
    """A quota is exceeded."""


# --- Personalize ----------------------------------------------------------------------------
class ResourceNotFoundException(_Named):
    """No resource has this ARN."""


class ResourceAlreadyExistsException(_Named):
    """A resource of this name exists already."""


class ResourceInUseException(_Named):
    """The resource is in use (not ACTIVE yet, or has children)."""


class InvalidNextTokenException(_Named):
    """The nextToken is not one we gave out."""


class TooManyTagsException(_Named):
    """More than the allowed number of tags."""


# --- S3 -------------------------------------------------------------------------------------
class NoSuchBucket(_Named):
    """The bucket does not exist."""

    http_status = 404


class NoSuchKey(_Named):
    """The key does not exist."""

    http_status = 404


class NoSuchUpload(_Named):
    """The multipart upload does not exist."""

    http_status = 404


class BucketAlreadyOwnedByYou(_Named):
    """The bucket exists and is ours."""

    http_status = 409


class BucketNotEmpty(_Named):
    """The bucket still holds objects (not a modelled shape: boto3 raises ClientError)."""

    http_status = 409


class NoSuchBucketPolicy(_Named):
    """The bucket has no policy."""

    http_status = 404


class InvalidPart(_Named):
    """A part listed in CompleteMultipartUpload was not uploaded or its ETag differs."""


class InvalidRange(_Named):
    """The Range does not overlap the object."""

    http_status = 416


class InvalidBucketName(_Named):
    """The bucket name breaks S3's naming rules."""


class InvalidArgument(_Named):
    """An argument is out of its range, e.g. a part number outside 1-10,000."""


class KeyTooLongError(_Named):
    """An object key is longer than 1,024 bytes in UTF-8."""


class InvalidPartOrder(_Named):
    """CompleteMultipartUpload lists its parts out of ascending order."""


class EntityTooSmall(_Named):
    """A part other than the last is smaller than 5 MiB."""


class MalformedPolicy(_Named):
    """A bucket policy is not a valid policy document."""


class MalformedXML(_Named):
    """The request body breaks S3's schema (e.g. more than 1,000 keys in DeleteObjects)."""


class MetadataTooLarge(_Named):
    """User-defined metadata over 2 KB (keys and values in UTF-8)."""


class PreconditionFailed(_Named):
    """A conditional request's If-Match, If-Unmodified-Since or If-None-Match: * does not hold."""

    http_status = 412


class NotImplemented(_Named):  # noqa: A001 - S3's error code
    """A header S3 does not implement in this form (e.g. If-None-Match other than * on a write)."""

    http_status = 501


class NotModified(AWSError):
    """A conditional GET or HEAD whose If-None-Match or If-Modified-Since says the copy is current:
    S3 answers 304 with no body."""

    def __init__(self, message: str = "Not Modified") -> None:
        super().__init__("304", message, 304)


class NotFound(AWSError):
    """A HEAD request on a missing object or bucket: S3 sends no body, only the status."""

    def __init__(self, message: str = "Not Found") -> None:
        super().__init__("404", message, 404)


# --- SSM ------------------------------------------------------------------------------------
class ParameterNotFound(_Named):
    """The parameter does not exist."""


class ParameterVersionNotFound(_Named):
    """The parameter exists but not the version a ``name:version`` selector asks for."""


class ParameterAlreadyExists(_Named):
    """The parameter exists and Overwrite is not set."""


class HierarchyLevelLimitExceededException(_Named):
    """A parameter name has more than 15 hierarchy levels."""


class InvalidAllowedPatternException(_Named):
    """The AllowedPattern is not a valid regular expression."""


class ParameterPatternMismatchException(_Named):
    """The value does not match the parameter's AllowedPattern."""


# --- IAM ------------------------------------------------------------------------------------
class NoSuchEntityException(_Named):
    """The role or policy does not exist."""

    http_status = 404


class EntityAlreadyExistsException(_Named):
    """A role of this name exists already."""

    http_status = 409


class DeleteConflictException(_Named):
    """The role still has policies attached."""

    http_status = 409


class MalformedPolicyDocumentException(_Named):
    """The policy document is not valid JSON or breaks the policy grammar (``policies``)."""


# --- CloudWatch -----------------------------------------------------------------------------
class InvalidParameterValueException(_Named):
    """A parameter value is not allowed (CloudWatch's spelling; code ``InvalidParameterValue``)."""


class InvalidNextToken(_Named):
    """The NextToken is not one we gave out (CloudWatch's spelling)."""
