"""Composition root: the Chalice app, its blueprints and its event handlers. Nothing else.

Routes live in ``chalicelib/api`` (one blueprint per resource); workers in ``chalicelib/jobs``.
Worker modules (renderers, ezdxf) are imported inside handlers so the API's cold start stays light.
"""

from chalice import Chalice

from chalicelib.api import assets, keys, middleware, personalization, products, specs, system

app = Chalice(app_name="atelier", configure_logs=False)
app.register_middleware(middleware.middleware, "http")
app.register_blueprint(system.bp)
app.register_blueprint(keys.bp)
app.register_blueprint(assets.bp)
app.register_blueprint(products.bp)
app.register_blueprint(personalization.bp)
app.register_blueprint(specs.bp)
