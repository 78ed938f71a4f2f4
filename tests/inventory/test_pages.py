"""The dashboard and the seed's static view."""

from __future__ import annotations

import re


def test_the_dashboard_shows_each_category_with_its_count(client):
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    page = response.text
    assert '<link rel="stylesheet" href="/css/main.css">' in page
    assert re.search(r'<span id="total">4</span> products\s+in 2 categories', page)
    assert re.search(r'mobile <span class="count">2</span>', page)
    assert re.search(r'laptop <span class="count">2</span>', page)
    for name in ("S25 Ultra", "iPhone", "Macbook Pro M4", "Dell XPS"):
        assert f"<td>{name}</td>" in page


def test_the_dashboard_follows_changes(client):
    client.post("/api/products", json={"product_name": "Galaxy Tab", "brand": "Samsung"})
    client.delete("/api/products/1")
    page = client.get("/dashboard").text
    assert re.search(r'uncategorized <span class="count">1</span>', page)
    assert re.search(r'mobile <span class="count">1</span>', page)
    assert "S25 Ultra" not in page


def test_product_fields_are_escaped_on_the_dashboard(client):
    client.post(
        "/api/products",
        json={
            "product_name": "<script>alert(1)</script>",
            "brand": '"><img src=x onerror=alert(2)>',
            "category": "<em>new",
        },
    )
    page = client.get("/dashboard").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&lt;em&gt;new" in page
    assert "<em>" not in page


def test_an_empty_inventory_says_so(client):
    for product_id in (1, 2, 3, 4):
        client.delete(f"/api/products/{product_id}")
    page = client.get("/dashboard").text
    assert "The inventory is empty." in page
    assert re.search(r'<span id="total">0</span> products\s+in 0 categories', page)


def test_html_pages_get_a_content_security_policy_and_frame_protection(client):
    response = client.get("/dashboard")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_stylesheet_is_served_as_a_static_file(client):
    response = client.get("/css/main.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert ".category" in response.text


def test_the_seed_static_view(client):
    response = client.get("/static")
    assert response.status_code == 200
    assert response.text == "<h1>This is a static view</h1>"
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
