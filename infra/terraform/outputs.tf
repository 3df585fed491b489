output "queue_url" {
  value = aws_sqs_queue.renders.url
}

output "dead_letter_queue_url" {
  value = aws_sqs_queue.renders_dlq.url
}

output "media_bucket" {
  value = aws_s3_bucket.media.bucket
}

output "cluster_name" {
  value = aws_eks_cluster.main.name
}

output "dagster_role_arn" {
  value = aws_iam_role.dagster.arn
}

output "api_role_arn" {
  value = aws_iam_role.api.arn
}

# Only what Terraform alone knows; the code derives every name from the tier.
# Use: terraform output -raw helm_values > dagster-values.<tier>.yaml
output "helm_values" {
  value = yamlencode({
    serviceAccount = {
      annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.dagster.arn }
    }
  })
}
