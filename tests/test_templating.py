"""roob/templating.py: Jinja2 templates from template_dir, autoescaped."""

from __future__ import annotations

import os

import jinja2
import pytest

from roob import Response, Roob
from roob.templating import Templates
from roob.testing import TestClient


def test_template_renders_to_a_string(app, template_dir):
    (template_dir / "greeting.txt").write_text("Hello, {{ name }}! {{ items | join(', ') }}")
    rendered = app.template("greeting.txt", {"name": "Roob", "items": ["a", "b"]})
    assert rendered == "Hello, Roob! a, b"


def test_template_without_context(app, template_dir):
    (template_dir / "static.html").write_text("<p>{{ missing }}static</p>")
    assert app.template("static.html") == "<p>static</p>"


@pytest.mark.parametrize("suffix", ["html", "htm", "xml"])
def test_html_and_xml_are_autoescaped(app, template_dir, suffix):
    (template_dir / f"page.{suffix}").write_text("<p>{{ comment }}</p>")
    rendered = app.template(f"page.{suffix}", {"comment": "<script>alert('x')</script>"})
    assert "<script>" not in rendered
    assert rendered == "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>"


def test_safe_marks_trusted_markup(app, template_dir):
    (template_dir / "page.html").write_text("{{ trusted | safe }}|{{ untrusted }}")
    rendered = app.template("page.html", {"trusted": "<b>ok</b>", "untrusted": "<b>no</b>"})
    assert rendered == "<b>ok</b>|&lt;b&gt;no&lt;/b&gt;"


def test_plain_text_templates_are_not_escaped(app, template_dir):
    (template_dir / "mail.txt").write_text("Dear {{ name }}")
    assert app.template("mail.txt", {"name": "Tom & Jerry <tj@example.com>"}) == (
        "Dear Tom & Jerry <tj@example.com>"
    )


def test_inheritance_and_subfolders(app, template_dir):
    (template_dir / "layouts").mkdir()
    (template_dir / "layouts" / "base.html").write_text(
        "<title>{% block title %}{% endblock %}</title>{% block body %}{% endblock %}"
    )
    (template_dir / "shop" / "partials").mkdir(parents=True)
    (template_dir / "shop" / "partials" / "item.html").write_text("<li>{{ item }}</li>")
    (template_dir / "shop" / "list.html").write_text(
        '{% extends "layouts/base.html" %}'
        "{% block title %}{{ title }}{% endblock %}"
        "{% block body %}{% for item in items %}"
        '{% include "shop/partials/item.html" %}{% endfor %}{% endblock %}'
    )
    rendered = app.template("shop/list.html", {"title": "Shop", "items": ["Tab", "<Phone>"]})
    assert rendered == "<title>Shop</title><li>Tab</li><li>&lt;Phone&gt;</li>"


def test_a_missing_template_raises(app):
    with pytest.raises(jinja2.TemplateNotFound, match=r"nope\.html"):
        app.template("nope.html")


def test_a_missing_template_in_a_view_is_a_500_json(app, client):
    @app.get("/")
    def index(request):
        return app.render("nope.html")

    response = client.get("/")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_render_returns_an_html_response(app, client, template_dir):
    (template_dir / "product.html").write_text("<h1>{{ product.name }}</h1><p>{{ note }}</p>")

    @app.get("/products/{id:d}")
    def product(request, id):
        return app.render("product.html", {"product": {"name": f"Tab {id}"}, "note": "<b>new</b>"})

    response = client.get("/products/5")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.text == "<h1>Tab 5</h1><p>&lt;b&gt;new&lt;/b&gt;</p>"


def test_render_takes_status_and_headers(app, client, template_dir):
    (template_dir / "missing.html").write_text("<h1>{{ what }} not found</h1>")

    @app.get("/")
    def index(request):
        return app.render(
            "missing.html", {"what": "Page"}, status=404, headers={"Cache-Control": "no-store"}
        )

    response = client.get("/")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert response.text == "<h1>Page not found</h1>"


def test_render_gives_a_roob_response(app, template_dir):
    (template_dir / "x.html").write_text("x")
    assert isinstance(app.render("x.html"), Response)


def test_the_environment_can_be_customised(app, template_dir):
    app.templates.environment.filters["shout"] = lambda value: value.upper() + "!"
    app.templates.environment.globals["site"] = "Roob shop"
    (template_dir / "x.html").write_text("{{ site }}: {{ 'hi' | shout }}")
    assert app.template("x.html") == "Roob shop: HI!"


def test_templates_reload_in_debug(template_dir):
    app = Roob(template_dir=template_dir, static_dir=None, debug=True)
    page = template_dir / "page.html"
    page.write_text("version 1")
    assert app.template("page.html") == "version 1"
    page.write_text("version 2")
    later = page.stat().st_mtime + 10
    os.utime(page, (later, later))
    assert app.template("page.html") == "version 2"


def test_template_dir_accepts_a_string(template_dir):
    (template_dir / "x.txt").write_text("{{ 1 + 1 }}")
    app = Roob(template_dir=str(template_dir), static_dir=None)
    assert app.template("x.txt") == "2"


def test_templates_repr_names_the_directory(template_dir):
    assert repr(Templates(template_dir)) == f"Templates(directory={str(template_dir)!r})"


def test_seed_template_rendered_inside_a_handler(template_dir):
    (template_dir / "index.html").write_text(
        "<html><head><title>{{ title }}</title></head><body><h1>{{ name }}</h1></body></html>"
    )
    app = Roob(template_dir=template_dir, static_dir=None)

    @app.route("/template")
    def template_handler(request):
        return Response(
            text=app.template("index.html", context={"title": "Best Title", "name": "Best Name"})
        )

    response = TestClient(app).get("/template")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert "<title>Best Title</title>" in response.text
    assert "<h1>Best Name</h1>" in response.text


def test_the_request_is_given_to_templates_that_mention_it(tmp_path):
    from roob import Roob
    from roob.testing import TestClient

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "base.html").write_text("[{% block body %}{% endblock %}] {{ request.path }}")
    (templates / "page.html").write_text(
        '{% extends "base.html" %}{% block body %}page{% endblock %}'
    )
    (templates / "plain.html").write_text("{{ request is defined }}")
    (templates / "dynamic.html").write_text("{% include name %}")
    (templates / "loop.html").write_text('{% include "loop2.html" %}')
    (templates / "loop2.html").write_text('{% if false %}{% include "loop.html" %}{% endif %}x')
    app = Roob(root_path=tmp_path, static_dir=None)

    @app.get("/{name}")
    def show(request, name):
        context = {"name": "plain.html"} if name == "dynamic.html" else {}
        return app.render(name, context)

    client = TestClient(app)
    assert client.get("/page.html").text == "[page] /page.html"
    assert client.get("/dynamic.html").text == "True"  # an include by name may need it
    assert client.get("/loop.html").text == "x"
    assert app.templates.mentions("page.html", "request")
    assert not app.templates.mentions("loop.html", "request")
    assert not app.templates.mentions("missing.html", "request")
    assert client.get("/plain.html").text == "True"


def test_render_takes_a_content_type(tmp_path):
    from roob import Roob
    from roob.testing import TestClient

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "feed.xml").write_text("<feed>{{ title }}</feed>")
    app = Roob(root_path=tmp_path, static_dir=None)

    @app.get("/feed")
    def feed(request):
        return app.render(
            "feed.xml", {"title": "Ünï & co"}, content_type="application/atom+xml; charset=utf-8"
        )

    response = TestClient(app).get("/feed")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.content == "<feed>Ünï &amp; co</feed>".encode()
