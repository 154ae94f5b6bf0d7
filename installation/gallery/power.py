"""While the gallery is closed: the display sleeps (X11's DPMS, through xset) and a projector is
switched off over PJLink (pypjlink2), where there are such things; at opening, both come back.
Each switch runs on a short helper thread (a projector may take seconds to answer, or never):
the show never waits, and a display or projector that does not obey is one log line."""

import logging
import os
import shutil
import socket
import subprocess
import threading

from engine.config import ScheduleConfig

log = logging.getLogger(__name__)

PJLINK_PORT = 4352
ANSWER_S = 5.0  # a projector or xset that says nothing for this long is given up on


class Power:
    def __init__(self, config: ScheduleConfig):
        self.display_sleep, self.projector = config.display_sleep, config.projector
        self.password = config.projector_password or None
        self._one_at_a_time = threading.Lock()  # a quick close and open switch in order
        self._told_no_dpms = False
        self.switched = 0  # switches carried out (tests wait for them)

    def switch(self, on: bool) -> None:
        if self.display_sleep or self.projector:
            threading.Thread(target=self._switch, args=(on,), name="gallery power",
                             daemon=True).start()  # fmt: skip

    def _switch(self, on: bool) -> None:
        with self._one_at_a_time:
            if self.display_sleep:
                self._dpms(on)
            if self.projector:
                self._pjlink(on)
            self.switched += 1

    def _dpms(self, on: bool) -> None:
        xset = shutil.which("xset")
        if xset is None or not os.environ.get("DISPLAY"):
            if not self._told_no_dpms:
                self._told_no_dpms = True
                log.info("gallery: the display is not put to sleep on this system (DPMS needs "
                         "X11 and xset); while closed the picture is black")  # fmt: skip
            return
        try:
            subprocess.run([xset, "dpms", "force", "on" if on else "off"], check=True,
                           capture_output=True, timeout=ANSWER_S)  # fmt: skip
        except (OSError, subprocess.SubprocessError) as error:
            log.warning("gallery: the display was not switched %s: %s", _on(on), error)

    def _pjlink(self, on: bool) -> None:
        host, _, port = self.projector.partition(":")
        try:
            from pypjlink import Projector

            with _connect(Projector, host, int(port or PJLINK_PORT)) as projector:
                if projector.authenticate(self.password) is False:
                    raise OSError("the projector refused schedule.projector_password")
                projector.set_power(_on(on))
        except ImportError:
            log.warning("gallery: no PJLink here (install pypjlink2); the projector stays as it is")
        except Exception as error:  # noqa: BLE001 a projector's fault is never the show's
            log.warning("gallery: the projector at %s was not switched %s: %s",
                        self.projector, _on(on), error or type(error).__name__)  # fmt: skip
        else:
            log.info("gallery: the projector at %s is switched %s", self.projector, _on(on))


def _on(on: bool) -> str:
    return "on" if on else "off"


def _connect(projector_class, host: str, port: int):
    """pypjlink's Projector on a file that raises at the end of the connection (its own reads
    loop for ever on a projector that hangs up mid-answer)."""
    sock = socket.create_connection((host, port), timeout=ANSWER_S)
    file = sock.makefile(mode="rw", newline="\r", encoding="utf-8")
    sock.close()  # the file keeps the connection open
    return projector_class(_Ending(file), "utf-8")


class _Ending:
    def __init__(self, file):
        self.file = file

    def read(self, n: int) -> str:
        data = self.file.read(n)
        if not data:
            raise ConnectionError("the projector hung up")
        return data

    def write(self, data: str) -> None:
        self.file.write(data)

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        self.file.close()
