"""Fleet: the domain and the command service.

Vehicles, missions (delivery, inspection), the energy model, inspection patterns, the
scheduler, the mission lifecycle, persistence, the FastAPI service, the dashboard and the CLI.
The only package that imports the others.
"""
