"""The plain AWS services the series calls besides Personalize: S3, SSM, IAM, STS, CloudWatch.

One module per service, one function per operation (``s3.put_object(store, params)``);
``policies`` is the IAM policy grammar that IAM and S3 bucket policies share. They use the
engine only.
"""
