"""`async with` for the local servers (sandbox, stack, demo platform): start on enter, stop on
exit, whatever happened inside."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Running:
    async def start(self) -> Self:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
