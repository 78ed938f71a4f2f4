"""The dashboard and the seed's static view."""

from __future__ import annotations

import re

from inventory.pages import DASHBOARD_PAGE_SIZE


def test_the_dashboard_shows_each_category_with_its_count(client):
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    page = response.text
    stylesheet = re.search(r'<link rel="stylesheet" href="(/css/main.css\?v=[0-9a-f]{12})">', page)
    assert stylesheet is not None
    assert client.get(stylesheet.group(1)).headers["Content-Type"].startswith("text/css")
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


def test_the_dashboard_shows_a_page_of_products_at_a_time(client):
    for number in range(246):  # 250 products with the seed's 4
        client.post("/api/products", json={"product_name": f"p{number}", "brand": "b"})
    first = client.get("/dashboard").text
    assert first.count("<tr><td>") == DASHBOARD_PAGE_SIZE
    assert '<a rel="next" href="/dashboard?page=2">Next</a>' in first
    assert 'rel="prev"' not in first
    assert "Page 1 of 3" in first
    assert "on this page" in first
    last = client.get("/dashboard?page=3").text
    assert last.count("<tr><td>") == 50
    assert '<a rel="prev" href="/dashboard?page=2">Previous</a>' in last
    assert 'rel="next"' not in last
    assert "No products on this page." in client.get("/dashboard?page=4").text
    assert client.get("/dashboard?page=0").status_code == 422


def test_the_dashboards_links_follow_the_mount_point(client):
    page = client.get("/dashboard", environ={"SCRIPT_NAME": "/shop"}).text
    assert 'href="/shop/css/main.css?v=' in page
    assert '<a href="/shop/api/products">JSON API</a>' in page


def test_pages_are_compressed_for_clients_that_accept_it(client):
    import gzip

    plain = client.get("/dashboard")
    packed = client.get("/dashboard", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2
