"""files.*: the three-step external upload `files_upload_v2` performs, and file downloads.

Step 1 (files.getUploadURLExternal) returns an upload URL on the sandbox itself; step 2 is a
POST of the raw bytes (or a multipart form) to it; step 3 (files.completeUploadExternal)
shares the file into channels as a message carrying `files` and the initial comment.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.api import ApiContext, Call, Handler, Params, check_token, raw_fault
from bot.sandbox.api_common import require_active, require_member
from bot.sandbox.errors import SlackError
from bot.sandbox.faults import Faults
from bot.sandbox.state import BOT_USER_ID, File


def get_upload_url(ctx: ApiContext, p: Params) -> dict[str, Any]:
    filename = p.require("filename")
    length = p.get_int("length", 0)
    if length <= 0:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: length"])
    ws = ctx.workspace
    file = File(
        id=ws.new_id("F"),
        name=filename,
        title=filename,
        user=BOT_USER_ID,
        created=int(ctx.now().timestamp()),
        length=length,
        alt_txt=p.get_str("alt_txt"),
    )
    ws.files[file.id] = file
    return {"upload_url": f"{ctx.base_url}upload/v1/{file.id}", "file_id": file.id}


def complete_upload(ctx: ApiContext, p: Params) -> dict[str, Any]:
    ws = ctx.workspace
    items = p.get_json("files")
    if not isinstance(items, list) or not items:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: files"])
    files: list[File] = []
    for item in items:
        file = ws.files.get(str(item.get("id", ""))) if isinstance(item, dict) else None
        if file is None or file.content is None:
            raise SlackError("file_not_found")
        if item.get("title"):
            file.title = str(item["title"])
        files.append(file)
    refs = p.get_list("channels") or p.get_list("channel_id")
    channels = []
    for ref in refs:
        channel = ws.channels.get(ref)
        if channel is None:
            raise SlackError("channel_not_found")
        require_active(channel)
        require_member(channel)
        channels.append(channel)
    for file in files:
        file.completed = True
    for channel in channels:
        ws.post_as_bot(
            channel,
            now=ctx.now(),
            text=p.get_str("initial_comment") or "",
            thread_ts=p.get_str("thread_ts"),
            files=[f.id for f in files],
        )
    return {"files": [f.to_api(ws.base_url) for f in files]}


def info(ctx: ApiContext, p: Params) -> dict[str, Any]:
    file = ctx.workspace.files.get(p.require("file"))
    if file is None or not file.completed:
        raise SlackError("file_not_found")
    return {
        "file": file.to_api(ctx.workspace.base_url),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


METHODS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": info,
}


class FileEndpoints:
    """The upload URL (`POST /upload/v1/{file_id}`) and downloads (`GET /files/{id}/{name}`)."""

    def __init__(self, ctx: ApiContext, faults: Faults, calls: list[Call]) -> None:
        self.ctx = ctx
        self.faults = faults
        self.calls = calls

    async def upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        call = Call(method=Faults.UPLOAD, params={"file_id": file_id})
        self.calls.append(call)
        faulted = await raw_fault(self.faults, Faults.UPLOAD, call)
        if faulted is not None:
            return faulted
        file = self.ctx.workspace.files.get(file_id)
        if file is None or file.content is not None:
            call.error = "not_found"
            return web.Response(status=404, text="not_found")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            field = form.get("file") or form.get("filename")
            if isinstance(field, web.FileField):
                content = field.file.read()
            else:
                content = str(field or "").encode()
        else:
            content = await request.read()
        file.content = content
        call.params["length"] = len(content)
        return web.Response(text=f"OK - {len(content)}", content_type="text/plain")

    async def download(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        try:
            check_token("files.download", header[7:] if header.startswith("Bearer ") else None)
        except SlackError:
            return web.Response(status=403, text="forbidden")
        file = self.ctx.workspace.files.get(request.match_info["file_id"])
        if file is None or file.content is None:
            return web.Response(status=404, text="not_found")
        return web.Response(body=file.content, content_type=file.mimetype)
