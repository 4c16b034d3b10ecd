"""A local GitHub REST API over real HTTP, speaking the documented payloads schemagate uses.

Tests point the real PyGithub/requests client at it through GITHUB_API_URL. Faults (5xx, secondary
rate limits, read-only tokens, outages) are queued per route; every request is logged.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_faketoken_0123456789abcdefghij"
ACTIONS_BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}  # the GITHUB_TOKEN's author


@dataclass
class Fault:
    method: str
    pattern: str  # regex on the path
    status: int
    times: int = 1  # -1: forever
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"message": "Server Error"})
    hold: bool = False  # never answer (until the server stops): the client must time out
    raw: str | None = None  # send this text as the body instead of `body` as JSON (a malformed answer)


@dataclass
class State:
    repo: str = "acme/app"
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # issue -> comments
    approvals: list[dict[str, Any]] = field(default_factory=list)
    pulls_for_commit: list[dict[str, Any]] = field(default_factory=list)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[tuple[int, str]] = field(default_factory=list)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)
    on_issue_opened: list[tuple[str, str]] = field(default_factory=list)  # (login, body) replies
    faults: list[Fault] = field(default_factory=list)
    # pull request reviews: the PR's files as GET /pulls/{n}/files lists them, its review comments
    pr_files: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    log: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, body)
    # whom the token authenticates: None is the Actions GITHUB_TOKEN (GET /user answers 403 and it
    # writes as github-actions[bot]); a login is a personal access token of that user
    token_user: str | None = None
    next_id: int = 1000


class FakeGitHub:
    def __init__(self) -> None:
        self.state = State()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.released = threading.Event()  # held requests wait for this

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeGitHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def fail(self, method: str, pattern: str, status: int, times: int = 1, **kwargs: Any) -> None:
        self.state.faults.append(Fault(method, pattern, status, times, **kwargs))

    def author(self) -> dict[str, Any]:
        """The `user` object of what the token writes, as the REST API's payloads carry it."""
        if self.state.token_user is None:
            return dict(ACTIONS_BOT)
        return {"login": self.state.token_user, "id": 7001, "type": "User"}

    def add_comment(self, issue: int, body: str, login: str = "someone") -> dict[str, Any]:
        self.state.next_id += 1
        bot = login.endswith("[bot]")
        comment = {
            "id": self.state.next_id,
            "body": body,
            "user": {"login": login, "id": 5000 + len(login), "type": "Bot" if bot else "User"},
            "html_url": f"https://github.com/{self.state.repo}/pull/{issue}#issuecomment-{self.state.next_id}",
        }
        self.state.comments.setdefault(issue, []).append(comment)
        return comment

    def _pulls(self, method: str, path: str, body: dict[str, Any], query: dict[str, str]) -> tuple[int, Any]:
        """Reviews as the REST API answers them: a comment off the PR's diff is a 422 for the whole review."""
        s = self.state
        per_page, page = int(query.get("per_page", 30)), int(query.get("page", 1))
        window = slice((page - 1) * per_page, page * per_page)
        if re.fullmatch(r"/pulls/\d+/files", path):
            return 200, s.pr_files[window]
        if re.fullmatch(r"/pulls/\d+/comments", path) and method == "GET":
            return 200, s.review_comments[window]
        if (m := re.fullmatch(r"/pulls/comments/(\d+)", path)) and method == "DELETE":
            before = len(s.review_comments)
            s.review_comments = [c for c in s.review_comments if c["id"] != int(m[1])]
            return (204, None) if len(s.review_comments) < before else (404, {"message": "Not Found"})
        if re.fullmatch(r"/pulls/\d+/reviews", path) and method == "POST":
            added = {f["filename"] for f in s.pr_files if f.get("status") == "added"}
            comments = body.get("comments", ())
            wrong = [c for c in comments if c["path"] not in added or c.get("side") != "RIGHT"]
            if wrong or not body.get("commit_id"):
                return 422, {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]}
            review = {"id": self._next(), "state": "COMMENTED", "body": body.get("body", "")}
            s.reviews.append(review)
            for c in body.get("comments", ()):
                made = {"id": self._next(), "pull_request_review_id": review["id"], "user": self.author()}
                s.review_comments.append(made | c)
            return 200, review
        return 404, {"message": f"Not Found: {method} {path}"}

    def _next(self) -> int:
        self.state.next_id += 1
        return self.state.next_id

    def requests(self, method: str, pattern: str) -> list[tuple[str, str, str]]:
        return [r for r in self.state.log if r[0] == method and re.search(pattern, r[1])]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(
                self, status: int, payload: Any, headers: dict[str, str] | None = None, raw: str | None = None
            ) -> None:
                if status == 204:  # No Content: no body at all
                    self.send_response(204)
                    self.end_headers()
                    return
                data = (json.dumps(payload) if raw is None else raw).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _dispatch(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                parts = urlsplit(self.path)
                fake.state.log.append((method, parts.path, raw))
                if self.headers.get("Authorization") not in {f"token {TOKEN}", f"Bearer {TOKEN}"}:
                    return self._send(401, {"message": "Bad credentials"})
                for fault in fake.state.faults:
                    if fault.method == method and re.search(fault.pattern, parts.path) and fault.times != 0:
                        fault.times -= 1 if fault.times > 0 else 0
                        if fault.hold:
                            fake.released.wait()
                            return None
                        return self._send(fault.status, fault.body, fault.headers, fault.raw)
                body = json.loads(raw) if raw else {}
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                status, payload = fake._route(method, parts.path, body, query)
                self._send(status, payload)

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

            def do_PATCH(self) -> None:
                self._dispatch("PATCH")

            def do_DELETE(self) -> None:
                self._dispatch("DELETE")

        return Handler

    def _route(self, method: str, path: str, body: dict[str, Any], query: dict[str, str]) -> tuple[int, Any]:
        s = self.state
        if path == "/user" and method == "GET":  # GET /user: an installation token may not read it
            if s.token_user is None:
                return 403, {
                    "message": "Resource not accessible by integration",
                    "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
                    "status": "403",
                }
            return 200, self.author()
        prefix = f"/repos/{s.repo}"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}
        path = path[len(prefix) :]
        if m := re.fullmatch(r"/issues/(\d+)/comments", path):
            issue = int(m[1])
            if method == "GET":
                per_page, page = int(query.get("per_page", 30)), int(query.get("page", 1))
                items = s.comments.get(issue, [])
                return 200, items[(page - 1) * per_page : page * per_page]
            made = self.add_comment(issue, body["body"], str(self.author()["login"]))
            made["user"] = self.author()
            return 201, made
        if (m := re.fullmatch(r"/issues/comments/(\d+)", path)) and method == "PATCH":
            for items in s.comments.values():
                for comment in items:
                    if comment["id"] == int(m[1]):
                        comment["body"] = body["body"]
                        return 200, comment
            return 404, {"message": "Not Found"}
        if path.startswith("/pulls/"):
            return self._pulls(method, path, body, query)
        if re.fullmatch(r"/actions/runs/\d+/approvals", path):
            return 200, s.approvals
        if re.fullmatch(r"/commits/\w+/pulls", path):
            return 200, s.pulls_for_commit
        if path == "/deployments" and method == "GET":
            return 200, [
                d
                for d in s.deployments
                if d.get("sha") == query.get("sha") and d.get("environment") == query.get("environment")
            ]
        if (m := re.fullmatch(r"/deployments/(\d+)/statuses", path)) and method == "POST":
            s.statuses.append((int(m[1]), body["state"]))
            return 201, {"id": len(s.statuses), "state": body["state"]}
        if path == "/issues" and method == "POST":
            number = 100 + len(s.issues)
            s.issues[number] = {
                "number": number,
                "title": body["title"],
                "body": body["body"],
                "state": "open",
            }
            for login, reply in s.on_issue_opened:
                self.add_comment(number, reply, login)
            return 201, s.issues[number]
        if (m := re.fullmatch(r"/issues/(\d+)", path)) and method == "PATCH":
            s.issues[int(m[1])].update(body)
            return 200, s.issues[int(m[1])]
        if m := re.fullmatch(r"/collaborators/([^/]+)/permission", path):
            return 200, {"permission": s.permissions.get(m[1], "read"), "user": {"login": m[1]}}
        return 404, {"message": f"Not Found: {method} {path}"}
