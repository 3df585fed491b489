"""Deployment files made from the code: the Kubernetes Job each step of render_film gets in prod,
as `filmstudio deploy manifests` writes them (where each step runs is assets/placement.py)."""
