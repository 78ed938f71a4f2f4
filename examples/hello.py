"""A small Roob application: ``gunicorn examples.hello:app``."""

from roob import Request, Response, Roob

app = Roob()


@app.get("/")
def index(request: Request) -> Response:
    return Response(text="Hello from Roob!\n", content_type="text/plain")


@app.get("/hello/{name}")
def hello(request: Request, name: str) -> dict[str, str]:
    return {"message": f"Hello, {name}!"}


@app.route("/items/{item_id:d}")
class Item:
    def get(self, request: Request, item_id: int) -> dict[str, int]:
        return {"id": item_id}

    def delete(self, request: Request, item_id: int) -> None:
        return None
