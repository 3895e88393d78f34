"""The README's screenshot of the plugin, made inside Krita under Xvfb (not a test):

    xvfb-run -a -s "-screen 0 1400x860x24" env QT_QPA_PLATFORM=xcb IRODORI_URL=http://127.0.0.1:8000 \
        IRODORI_LINES=lines.png IRODORI_HINTS=hints.png IRODORI_SHOT=docs/krita.png \
        PYTHONPATH=tests/krita:integrations/krita kritarunner -s irodori_krita_screenshot

with ``irodori serve`` running, LINES a transparent PNG of the line art and HINTS its PNG hint layer.
Opens a window on a document built from them, docks the irodori docker, presses Colourize, saves the
window to $IRODORI_SHOT.
"""

import os
import time

from krita import Krita
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage
from PyQt5.QtWidgets import QApplication


def _layer(doc, name, path):
    image = QImage(path).convertToFormat(QImage.Format_ARGB32)
    node = doc.createNode(name, "paintlayer")
    ptr = image.constBits()
    ptr.setsize(image.byteCount())
    node.setPixelData(bytes(ptr), 0, 0, image.width(), image.height())
    return node


def _log(*what):
    print(*what, flush=True)


def _pump(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def __main__(args):
    try:
        from irodori_krita.docker import IrodoriDocker

        k = Krita.instance()
        size = QImage(os.environ["IRODORI_LINES"]).size()
        doc = k.createDocument(size.width(), size.height(), "aiko", "RGBA", "U8", "", 300.0)
        window = k.openWindow()
        _log('window')
        window.qwindow().resize(1400, 860)
        window.addView(doc)
        root = doc.rootNode()
        lines = _layer(doc, "lines", os.environ["IRODORI_LINES"])
        root.addChildNode(lines, root.childNodes()[-1])
        hints = _layer(doc, "irodori hints", os.environ["IRODORI_HINTS"])
        root.addChildNode(hints, lines)
        doc.setActiveNode(lines)
        doc.waitForDone()
        _log('layers')
        docker = IrodoriDocker()
        window.qwindow().addDockWidget(Qt.RightDockWidgetArea, docker)
        for d in k.dockers():  # the Layers docker and this one (the factory's own copy hidden too)
            d.setVisible(d.windowTitle() == "Layers")
        docker.url.setText(os.environ["IRODORI_URL"])
        _log('docked')
        docker.connect_server()
        _log('connected', docker.status.text())
        docker.refresh_layers()
        _pump(1.0)
        docker.run(shade=docker.shading is not None)
        deadline = time.monotonic() + 120
        while docker._job is not None and time.monotonic() < deadline:
            _pump(0.2)
        _log('coloured', docker.status.text())
        hints.setVisible(False)
        doc.refreshProjection()
        window.qwindow().resize(1400, 860)
        zoom = k.action("zoom_to_fit")
        if zoom is not None:
            zoom.trigger()
        _pump(2.0)
        window.qwindow().grab().save(os.environ["IRODORI_SHOT"])
        print("saved", os.environ["IRODORI_SHOT"], docker.status.text())
    except Exception:  # noqa: BLE001  a tool, not a test: say why and leave
        import traceback

        traceback.print_exc()
    finally:
        os._exit(0)
