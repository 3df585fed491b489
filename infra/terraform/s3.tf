# Every project's media: scripts, storyboards, renders, audio (resources/media_store.py).

resource "aws_s3_bucket" "media" {
  bucket = local.media_bucket_name
}

# ACLs off: the bucket owner owns every object, access is by IAM policy only.
resource "aws_s3_bucket_ownership_controls" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Films leave the bucket through presigned URLs only, never publicly.
resource "aws_s3_bucket_public_access_block" "media" {
  bucket                  = aws_s3_bucket.media.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Versioning makes an overwritten render or a mistaken delete recoverable.
resource "aws_s3_bucket_versioning" "media" {
  bucket = aws_s3_bucket.media.id
  versioning_configuration {
    status = "Enabled"
  }
}

# SSE-S3 rather than KMS: presigned downloads and uploads then need no KMS grants.
resource "aws_s3_bucket_server_side_encryption_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  # Lifecycle rules on noncurrent versions only make sense once versioning is on.
  depends_on = [aws_s3_bucket_versioning.media]

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
  }

  # Large renders upload in parts (upload_file); a crashed step leaves parts that cost money.
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Old renders are rarely watched again; intelligent tiering has no retrieval fee if they are.
  dynamic "rule" {
    for_each = var.media_tiering_days > 0 ? [var.media_tiering_days] : []
    content {
      id     = "tier-old-media"
      status = "Enabled"
      filter {}
      transition {
        days          = rule.value
        storage_class = "INTELLIGENT_TIERING"
      }
    }
  }
}

# Refuse plain HTTP so media and presigned URLs never travel unencrypted.
data "aws_iam_policy_document" "media_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.media.arn, "${aws_s3_bucket.media.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "media" {
  bucket = aws_s3_bucket.media.id
  policy = data.aws_iam_policy_document.media_tls_only.json
  # The public access block must exist first or S3 may judge the policy before it applies.
  depends_on = [aws_s3_bucket_public_access_block.media]
}
