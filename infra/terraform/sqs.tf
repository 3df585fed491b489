# The render queue: the API sends, the Dagster sensor receives and deletes (resources/queue.py).

resource "aws_sqs_queue" "renders_dlq" {
  name = local.dlq_name
  # The longest SQS allows: poison messages wait here until someone reads why they failed.
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "renders" {
  name                       = local.queue_name
  visibility_timeout_seconds = var.queue_visibility_timeout_seconds
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.renders_dlq.arn
    maxReceiveCount     = local.max_receive_count
  })
}

# Only the render queue may dead-letter into the DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "renders_dlq" {
  queue_url = aws_sqs_queue.renders_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.renders.arn]
  })
}
