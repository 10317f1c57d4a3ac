"""The command service: FastAPI app factory, settings, auth, routers and the event bus.

Entry point: :func:`fleet.service.app.create_app`. Nothing is opened at import time; the
app's lifespan opens the database, migrates it and restores the airspace from it.
"""
