"""A small Roob application: ``gunicorn examples.hello:app``."""

from roob import Response, Roob

app = Roob()


@app.get("/")
def index(request):
    return Response(text="Hello from Roob!\n", content_type="text/plain")


@app.get("/hello/{name}")
def hello(request, name: str):
    return {"message": f"Hello, {name}!"}


@app.route("/items/{item_id:d}")
class Item:
    def get(self, request, item_id: int):
        return {"id": item_id}

    def delete(self, request, item_id: int):
        return None
