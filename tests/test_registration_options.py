"""Route options (RouteOptions): checked when the route is added."""

from __future__ import annotations

import pytest

from roob import ConfigurationError, Roob, Router


def view(request):
    return {}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_body_size": -1}, r"route '/x': max_body_size= must be a number of bytes"),
        ({"max_body_size": 1.5}, r"max_body_size= must be a number of bytes"),
        ({"max_body_size": True}, r"max_body_size= must be a number of bytes"),
        ({"csrf": "yes"}, r"route '/x': csrf= must be True, False or None"),
        ({"conditional": 1}, r"conditional= must be True, False or None"),
        (
            {"max_size": 10},
            r"route '/x': unknown option max_size; a route takes name, max_body_size, csrf, conditional",
        ),
    ],
)
def test_bad_options_name_the_route(options, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Roob(static_dir=None).add_route("/x", view, **options)
    with pytest.raises(
        ConfigurationError, match=message.replace("'/x'", r"'/x' of Router\(prefix='', name=None\)")
    ):
        Router().add_route("/x", view, **options)


def test_router_routes_take_options_and_the_application_defaults() -> None:
    from roob.testing import TestClient

    app = Roob(static_dir=None, conditional=True, max_body_size=10)
    router = Router("/r")

    @router.post("/big", max_body_size=100)
    def big(request):
        return {"size": len(request.body)}

    @router.get("/page")
    def page(request):
        return {"a": 1}

    app.include_router(router)
    client = TestClient(app)
    assert client.post("/r/big", data=b"x" * 50).json() == {"size": 50}
    assert "ETag" in client.get("/r/page").headers
