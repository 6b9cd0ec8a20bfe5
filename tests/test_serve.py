"""``search serve`` under a crowd and on a network: the admission queue
(``search.web.admission``), the answer cache (``search.web.cache``), the access
token and the paths hidden from other machines (``search.web.access``), and
the socket bound before the banner (``search.web.server``)."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import threading
import time
from urllib.parse import quote

import pytest
from conftest import SAMPLE_JSONL, SEED_ARTICLE

import search

pytest.importorskip("starlette", reason="the web extra is not installed: pip install -e '.[web]'")

import httpx2 as httpx  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from search.cli import main  # noqa: E402
from search.errors import PortInUseError  # noqa: E402
from search.web import create_app  # noqa: E402
from search.web.admission import Limits  # noqa: E402
from search.web.server import beyond_loopback, listen  # noqa: E402

SEED_ID = "000_b21858542a778c68.txt"
LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("192.0.2.7", 50000)  # TEST-NET-1: an address of another machine


@pytest.fixture(scope="module")
def serve_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_ARTICLE, corpus)
    shutil.copy(SAMPLE_JSONL, corpus)
    search.build_index([corpus], root / "ix")
    return root / "ix"


def _slow_search(monkeypatch, seconds: float) -> list[str]:
    """Every search takes at least ``seconds``; returns the list of queries searched."""
    original = search.Index.search
    searched: list[str] = []

    def slow(self, request, *args, **kwargs):
        searched.append(getattr(request, "text", request))
        time.sleep(seconds)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(search.Index, "search", slow)
    return searched


async def _crowd(app, urls: list[str], client=LOOPBACK):
    """Every URL asked at once, through the ASGI interface (no sockets)."""
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as asker:
        return await asyncio.gather(*(asker.get(url) for url in urls))


def _is_json(response) -> bool:
    try:
        json.loads(response.text)
    except ValueError:
        return False
    return response.headers["content-type"].startswith("application/json")


# -- past the concurrency limit ------------------------------------------------

def test_past_the_limit_every_answer_is_json_with_retry_after(serve_index, monkeypatch):
    """300 API requests at once, 2 let in, 20 queued for 0.3 s: the rest are told 503 in
    JSON with Retry-After, none in plain text, and the queued ones are answered."""
    _slow_search(monkeypatch, 0.05)
    app = create_app(serve_index, readers=2, limits=Limits(active=2, queued=20, wait=0.3, retry_after=3))
    answers = asyncio.run(_crowd(app, [f"/api/search?q=banjir+{n}" for n in range(300)]))
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) == {200, 503}
    assert statuses.count(200) >= 2
    assert all(_is_json(answer) for answer in answers)
    busy = [answer for answer in answers if answer.status_code == 503]
    assert all(answer.headers["retry-after"] == "3" for answer in busy)
    assert all(answer.json() == {"error": "the server is busy; try again", "status": 503} for answer in busy)


def test_past_the_limit_a_page_is_the_error_page(serve_index, monkeypatch):
    _slow_search(monkeypatch, 0.05)
    app = create_app(serve_index, readers=1, limits=Limits(active=1, queued=0, wait=0.1))
    answers = asyncio.run(_crowd(app, [f"/?q=banjir+{n}&lang=en" for n in range(20)]))
    busy = [answer for answer in answers if answer.status_code == 503]
    assert busy and all(answer.headers["content-type"].startswith("text/html") for answer in busy)
    assert all("retry-after" in answer.headers and "Error 503" in answer.text for answer in busy)


def test_queued_requests_wait_instead_of_being_refused(serve_index, monkeypatch):
    """With room in the queue and time to wait, a crowd larger than the limit is answered whole."""
    _slow_search(monkeypatch, 0.01)
    app = create_app(serve_index, readers=2, limits=Limits(active=2, queued=500, wait=30))
    answers = asyncio.run(_crowd(app, [f"/api/search?q=milik+{n}" for n in range(60)]))
    assert [answer.status_code for answer in answers] == [200] * 60


@pytest.mark.slow
def test_a_real_server_answers_a_crowd_of_500_in_json(tmp_path):
    """500 clients at once on a real `search serve`: no error, nothing but JSON."""
    from benchmarks import serve_load

    report = serve_load.crowd(corpus=SAMPLE_JSONL.parent, clients=500, work_dir=tmp_path)
    assert report["requests"] == 500
    assert report["errors"] == 0 and report["non_json"] == 0, report["error_samples"]


# -- the cache -----------------------------------------------------------------

def test_a_popular_query_is_searched_once(serve_index, monkeypatch):
    searched = _slow_search(monkeypatch, 0.2)
    app = create_app(serve_index, readers=2)
    answers = asyncio.run(_crowd(app, ["/api/search?q=milik+dinas&limit=3"] * 40))
    assert [answer.status_code for answer in answers] == [200] * 40
    assert len({answer.text for answer in answers}) == 1
    assert searched.count("milik dinas") == 1  # one search; 39 waited for it
    with TestClient(app, client=LOOPBACK) as client:
        again = client.get("/api/search", params={"limit": "3", "q": "milik dinas"})  # another order
    assert again.text == answers[0].text and searched.count("milik dinas") == 1


def test_the_cache_never_serves_an_older_generation(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED_ARTICLE, corpus)
    search.build_index([corpus], tmp_path / "ix")
    searched = _slow_search(monkeypatch, 0)
    with TestClient(create_app(tmp_path / "ix", refresh_seconds=0), client=LOOPBACK) as client:
        def total():
            return client.get("/api/search", params={"q": "zebrakuda"}).json()["total"]

        assert total() == 0 and total() == 0
        assert searched.count("zebrakuda") == 1  # the second from the cache
        added = tmp_path / "new.jsonl"
        added.write_text(json.dumps({"id": "baru", "title": "Zebrakuda", "body": "Berita zebrakuda."}),
                         encoding="utf-8")
        search.add_articles([added], tmp_path / "ix", wait=30)
        assert total() == 1  # the new generation: searched again, never the kept answer
        search.remove_articles(["baru"], tmp_path / "ix", wait=30)
        assert total() == 0
        assert searched.count("zebrakuda") == 3


def test_a_partial_answer_is_not_kept(serve_index, monkeypatch):
    """A search some shard of a cluster did not answer is said as partial, and searched again."""
    original, searched = search.Index.search, []

    def partial(self, request, *args, **kwargs):
        searched.append(request.text)
        results = original(self, request, *args, **kwargs)
        results.missing_shards = [2]
        return results

    monkeypatch.setattr(search.Index, "search", partial)
    with TestClient(create_app(serve_index), client=LOOPBACK) as client:
        for _ in range(2):
            assert client.get("/api/search", params={"q": "banjir"}).json()["missing_shards"] == [2]
            assert client.get("/", params={"q": "banjir"}).status_code == 200
    assert searched == ["banjir"] * 4


def test_errors_are_not_kept(serve_index, monkeypatch):
    original, asked = search.Index.get, []

    def counted(self, article_id):
        asked.append(article_id)
        return original(self, article_id)

    monkeypatch.setattr(search.Index, "get", counted)
    with TestClient(create_app(serve_index), client=LOOPBACK) as client:
        for _ in range(2):
            assert client.get("/api/articles/tidak-ada").status_code == 404
            assert client.get(f"/api/articles/{SEED_ID}").status_code == 200
    assert asked.count("tidak-ada") == 2 and asked.count(SEED_ID) == 1


# -- the access token ----------------------------------------------------------

@pytest.fixture(scope="module")
def guarded(serve_index):
    with TestClient(create_app(serve_index, token="s3cret-token"), client=LOOPBACK,
                    follow_redirects=False) as client:
        yield client


def test_the_api_asks_for_the_bearer_token(guarded):
    missing = guarded.get("/api/stats")
    assert missing.status_code == 401 and missing.json()["status"] == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = guarded.get("/api/stats", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and _is_json(wrong)
    assert guarded.get("/api/stats", headers={"authorization": "Bearer s3cret-token"}).status_code == 200
    assert guarded.get("/api/stats", params={"token": "s3cret-token"}).status_code == 401  # not in a URL
    assert guarded.get("/export", params={"q": "banjir"}).status_code == 401


def test_the_page_turns_the_token_into_a_cookie(guarded):
    guarded.cookies.clear()
    missing = guarded.get("/", params={"q": "banjir"})
    assert missing.status_code == 401 and missing.headers["content-type"].startswith("text/html")
    assert "s3cret" not in missing.text
    wrong = guarded.get("/", params={"q": "banjir", "token": "nope"})
    assert wrong.status_code == 401 and "search_token" not in wrong.headers.get("set-cookie", "")
    signed = guarded.get("/", params={"q": "banjir", "lang": "en", "token": "s3cret-token"})
    assert signed.status_code == 303 and signed.headers["location"] == "/?q=banjir&lang=en"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "s3cret-token" not in cookie
    assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    article = guarded.get(f"/articles/{quote(SEED_ID, safe='')}", params={"token": "s3cret-token"})
    assert article.headers["location"] == f"/articles/{quote(SEED_ID, safe='')}"
    odd = guarded.get("/articles/a%20b%3Fc", params={"q": "x y", "token": "s3cret-token"})
    assert odd.headers["location"] == "/articles/a%20b%3Fc?q=x+y"
    page = guarded.get(signed.headers["location"])
    assert page.status_code == 200 and "banjir" in page.text
    assert guarded.get("/static/style.css").status_code == 200
    guarded.cookies.clear()
    assert guarded.get("/static/style.css").status_code == 200  # no data: no token asked
    assert guarded.get("/", params={"q": "banjir"}).status_code == 401


def test_over_https_the_cookie_is_secure(serve_index):
    with TestClient(create_app(serve_index, token="s3cret-token"), base_url="https://testserver",
                    client=LOOPBACK) as client:
        signed = client.get("/", params={"q": "banjir", "token": "s3cret-token"}, follow_redirects=False)
    assert signed.status_code == 303 and "Secure" in signed.headers["set-cookie"]


def test_without_a_token_nothing_is_asked(serve_index):
    with TestClient(create_app(serve_index), client=ELSEWHERE) as client:
        assert client.get("/api/stats").status_code == 200


# -- what another machine is shown ---------------------------------------------

@pytest.mark.parametrize("address, absolute", [(LOOPBACK, True), (("::1", 50000), True),
                                               (ELSEWHERE, False), (("testclient", 50000), False)])
def test_absolute_paths_only_to_this_machine(serve_index, address, absolute):
    with TestClient(create_app(serve_index), client=address) as client:
        stats = client.get("/api/stats").json()
    paths = [stats["path"], *(source["path"] for source in stats["sources"])]
    if absolute:
        assert stats["path"] == str(serve_index) and all(path.startswith("/") for path in paths)
    else:
        assert stats["path"] == serve_index.name and stats["sources"][0]["path"] == "corpus"
        assert not any("/" in path for path in paths)


def test_error_messages_name_the_index_without_its_path(tmp_path):
    missing = tmp_path / "nowhere"
    with TestClient(create_app(missing), client=ELSEWHERE) as client:
        answer = client.get("/api/stats").json()
    assert answer["status"] == 503 and "nowhere" in answer["error"] and str(tmp_path) not in answer["error"]
    with TestClient(create_app(missing), client=LOOPBACK) as client:
        assert str(missing) in client.get("/api/stats").json()["error"]


# -- the socket and the banner -------------------------------------------------

def test_beyond_loopback():
    assert not any(beyond_loopback(host) for host in ("127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"))
    assert all(beyond_loopback(host) for host in ("0.0.0.0", "::", "192.0.2.7", "example.org"))


def test_the_socket_says_it_is_tcp():
    """asyncio sets TCP_NODELAY on a connection only if its listening socket says IPPROTO_TCP:
    without it an answer's body waited behind its head (a third of the answers a second)."""
    from benchmarks.server import free_port

    with listen("127.0.0.1", free_port()) as sock:
        assert sock.proto == socket.IPPROTO_TCP and sock.get_inheritable()


def _busy_port():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder, holder.getsockname()[1]


def test_a_port_in_use_is_one_line_and_exit_1(serve_index, monkeypatch):
    served = []
    monkeypatch.setattr("search.web.serve", lambda *args, **kwargs: served.append(args))
    holder, port = _busy_port()
    with holder:
        with pytest.raises(PortInUseError, match=f"port {port} is in use"):
            listen("127.0.0.1", port)
        result = CliRunner().invoke(main, ["serve", "--index", str(serve_index), "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: port {port} is in use; pass --port"
    assert "Serving" not in result.output and not served


def _serve_output(monkeypatch, serve_index, host, env=None):
    from benchmarks.server import free_port

    monkeypatch.delenv("SEARCH_SERVE_TOKEN", raising=False)
    served = []

    def fake(index_dir, sock, **kwargs):
        sock.close()
        served.append(kwargs)

    monkeypatch.setattr("search.web.serve", fake)
    result = CliRunner().invoke(main, ["serve", "--index", str(serve_index), "--host", host,
                                       "--port", str(free_port())],
                                env=env or {})
    assert result.exit_code == 0, result.output
    return result.output, served[0]


def test_a_warning_when_listening_beyond_loopback(serve_index, monkeypatch):
    quiet, _ = _serve_output(monkeypatch, serve_index, "127.0.0.1")
    assert "Warning" not in quiet and quiet.startswith("Serving")
    loud, settings = _serve_output(monkeypatch, serve_index, "0.0.0.0")
    warning, serving = loud.strip().splitlines()
    assert "every endpoint is open to anyone who can reach the port" in warning
    assert "SEARCH_SERVE_TOKEN" in warning and serving.startswith("Serving")
    assert settings["token"] is None


def test_the_token_comes_from_the_environment_through_the_command_line(serve_index, monkeypatch):
    output, settings = _serve_output(monkeypatch, serve_index, "0.0.0.0", env={"SEARCH_SERVE_TOKEN": "abc"})
    assert settings["token"] == "abc"
    assert "sends the token" in output and "abc" not in output


def test_an_answer_is_not_delayed_by_the_cache_of_another(serve_index, monkeypatch):
    """A request waiting for another's answer to the same key holds no place in the queue."""
    gate = threading.Event()
    original = search.Index.search

    def gated(self, request, *args, **kwargs):
        if getattr(request, "text", "") == "banjir":
            gate.wait(10)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(search.Index, "search", gated)
    app = create_app(serve_index, readers=2, limits=Limits(active=2, queued=0, wait=0.1))

    async def scenario():
        transport = httpx.ASGITransport(app=app, client=LOOPBACK)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as asker:
            same = [asyncio.ensure_future(asker.get("/api/search?q=banjir")) for _ in range(10)]
            await asyncio.sleep(0.3)
            other = await asker.get(f"/api/articles/{SEED_ID}")
            gate.set()
            return other, await asyncio.gather(*same)

    other, same = asyncio.run(scenario())
    assert other.status_code == 200
    assert [answer.status_code for answer in same] == [200] * 10
