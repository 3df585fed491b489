"""`filmstudio up`: the service profile's whole stack on one machine (Postgres, a moto server for
SQS and S3, dagster-daemon, dagster-webserver and the API), started and supervised by one process."""
