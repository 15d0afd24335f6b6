# An hg extension loaded into the demo's `hg serve` by scripts/start.sh: it
# exits hg serve as soon as its stdin reaches end of file, i.e. as soon as the
# start script that holds the other end of the pipe is gone, however it died
# (even by SIGKILL, when its trap cannot run). No orphan hg serve.
import os
import threading

_started = []


def _watch():
    try:
        while os.read(0, 4096):
            pass
    except Exception:
        pass
    os._exit(0)


def uisetup(ui):
    if _started:
        return
    _started.append(True)
    thread = threading.Thread(target=_watch, name='parent-watchdog')
    thread.daemon = True
    thread.start()
