"""Driving headless Chromium through the DevTools protocol over a pipe (standard library only).

Used where a test must act as a person in the page: sign in through the real login form (its
CSRF token included), then read the page that follows. ``--remote-debugging-pipe`` makes
Chromium read NUL-terminated JSON commands on fd 3 and answer on fd 4.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path


class DevTools:
    """One headless Chromium and one page, driven by DevTools commands."""

    def __init__(self, executable: str, flags: tuple[str, ...], profile: Path, timeout: float):
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()

        def descriptors() -> None:
            os.dup2(commands_read, 3)
            os.dup2(answers_write, 4)

        self.process = subprocess.Popen(
            [executable, *flags, f"--user-data-dir={profile}", "--remote-debugging-pipe"],
            preexec_fn=descriptors,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(answers_write)
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        attached = self.call("Target.attachToTarget", targetId=target, flatten=True)
        self.session = attached["sessionId"]

    def call(self, method: str, session: str | None = None, **params) -> dict:
        """Send one command and return its result (events in between are skipped)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            answer = self._read()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
        raise TimeoutError(method)

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def evaluate(self, expression: str) -> object:
        """The value of a JavaScript expression in the page (run by DevTools, not the page)."""
        result = self.call(
            "Runtime.evaluate", self.session, expression=expression, returnByValue=True
        )
        return result["result"].get("value")

    def open(self, url: str) -> None:
        """Navigate to ``url`` and wait until the page has loaded."""
        self.call("Page.navigate", self.session, url=url)
        self.wait_for(f"location.href === {json.dumps(url)}")

    def wait_for(self, condition: str) -> None:
        """Wait until ``condition`` holds and the document has loaded."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.evaluate(f"({condition}) && document.readyState === 'complete'"):
                return
            time.sleep(0.1)
        raise TimeoutError(condition)

    def dom(self) -> str:
        return self.evaluate("document.documentElement.outerHTML")

    def screenshot(self, path: Path, size: tuple[int, int]) -> Path:
        width, height = size
        self.call(
            "Emulation.setDeviceMetricsOverride",
            self.session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        data = self.call("Page.captureScreenshot", self.session, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            self.process.kill()
        self.process.wait(timeout=self.timeout)
        os.close(self._commands)
        os.close(self._answers)
