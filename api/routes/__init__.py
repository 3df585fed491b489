"""The API's endpoints, one router per concern: projects (submit, list, status), renders
(re-render, final cut) and health."""
