"""The irodori docker: server, method, options, line and hint layers, Colourize and Shade.

The HTTP request runs on a worker thread so Krita stays responsive; the layers are added on Krita's
own (GUI) thread when the answer is back.
"""

from __future__ import annotations

import threading
from typing import Any

from krita import DockWidget, Krita
from PyQt5.QtCore import QSettings, QTimer
from PyQt5.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                             QPushButton, QVBoxLayout, QWidget)

from . import client, layers

SETTINGS = ("irodori", "krita")


class OptionsForm(QGroupBox):
    """The selected method's options (the server's plain names and help); advanced ones are left out."""

    def __init__(self) -> None:
        super().__init__("Options")
        self.form = QFormLayout(self)
        self.widgets: dict[str, tuple[dict[str, Any], QWidget]] = {}

    def show_method(self, method: dict[str, Any] | None) -> None:
        """Rebuild the form for ``method`` (a ``/api/methods`` entry)."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets.clear()
        for o in (method or {}).get("options", []):
            if o.get("advanced") or o.get("path") or o.get("name") == "shade":
                continue
            if o.get("choices"):
                w: QWidget = QComboBox()
                for c in o["choices"]:
                    value, label = (c.get("value"), c.get("label") or str(c.get("value"))) if isinstance(c, dict) else (c, str(c))
                    w.addItem(label, value)
                    if value == o.get("default"):
                        w.setCurrentIndex(w.count() - 1)
            elif "bool" in str(o.get("type")):
                w = QCheckBox()
                w.setChecked(bool(o.get("default")))
            else:
                w = QLineEdit("" if o.get("default") is None else str(o.get("default")))
                w.setPlaceholderText("automatic")
            w.setToolTip(o.get("help", ""))
            label = QLabel(o.get("label") or o["name"])
            label.setToolTip(o.get("help", ""))
            self.form.addRow(label, w)
            self.widgets[o["name"]] = (o, w)
        self.setVisible(bool(self.widgets))

    def values(self) -> dict[str, Any]:
        """The options the artist changed from their defaults, typed as the server declares them."""
        out: dict[str, Any] = {}
        for name, (o, w) in self.widgets.items():
            if isinstance(w, QComboBox):
                value = w.currentData()
            elif isinstance(w, QCheckBox):
                value = w.isChecked()
            else:
                text = w.text().strip()
                if not text:
                    value = None
                elif "int" in str(o.get("type")):
                    value = int(float(text))
                elif "float" in str(o.get("type")):
                    value = float(text)
                else:
                    value = text
            if value != o.get("default"):
                out[name] = value
        return out


class IrodoriDocker(DockWidget):
    """Colour the line layer from the dots on a hint layer, with a running ``irodori serve``."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("irodori")
        settings = QSettings(*SETTINGS)
        self.methods: list[dict[str, Any]] = []
        self.server_process = None
        self._job: dict[str, Any] | None = None

        root = QWidget(self)
        box = QVBoxLayout(root)
        server = QFormLayout()
        self.url = QLineEdit(settings.value("url", client.DEFAULT_URL))
        self.url.setToolTip("Address of irodori serve (this machine only by default)")
        self.command = QLineEdit(settings.value("command", client.DEFAULT_COMMAND))
        self.command.setToolTip("How to run irodori here, e.g. /path/to/irodori/.venv/bin/irodori")
        server.addRow("Server", self.url)
        server.addRow("irodori command", self.command)
        box.addLayout(server)
        row = QHBoxLayout()
        self.connect_button = QPushButton("Connect")
        self.start_button = QPushButton("Start server")
        row.addWidget(self.connect_button)
        row.addWidget(self.start_button)
        box.addLayout(row)

        pick = QFormLayout()
        self.method = QComboBox()
        self.lines = QComboBox()
        self.hints = QComboBox()
        pick.addRow("Method", self.method)
        pick.addRow("Line layer", self.lines)
        pick.addRow("Hint layer", self.hints)
        box.addLayout(pick)
        self.new_hints = QPushButton("New hint layer")
        self.new_hints.setToolTip("An empty layer above the lines: paint a dot of colour in each area")
        box.addWidget(self.new_hints)
        self.options = OptionsForm()
        box.addWidget(self.options)
        self.shade_style = QComboBox()
        self.colourize_button = QPushButton("Colourize")
        self.shade_button = QPushButton("Shade")
        self.shade_button.setToolTip("Colourize, plus shadow and highlight layers")
        box.addWidget(self.colourize_button)
        shade_row = QHBoxLayout()
        shade_row.addWidget(self.shade_button)
        shade_row.addWidget(self.shade_style)
        box.addLayout(shade_row)
        self.status = QLabel("Not connected")
        self.status.setWordWrap(True)
        box.addWidget(self.status)
        box.addStretch(1)
        self.setWidget(root)
        self._set_shading(None)

        self.connect_button.clicked.connect(self.connect_server)
        self.start_button.clicked.connect(self.start_server)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.new_hints.clicked.connect(self.make_hint_layer)
        self.colourize_button.clicked.connect(lambda: self.run(shade=False))
        self.shade_button.clicked.connect(lambda: self.run(shade=True))
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._poll)
        QTimer.singleShot(0, self.connect_server)

    # --- Krita -------------------------------------------------------------------------------------
    def canvasChanged(self, canvas: Any) -> None:  # noqa: N802  (Krita's name)
        """A document was activated or closed: list its layers again."""
        self.refresh_layers()

    def document(self) -> Any:
        return Krita.instance().activeDocument()

    def refresh_layers(self) -> None:
        """Fill the line and hint combos with the document's paint layers (active one as the lines)."""
        doc = self.document()
        keep_lines, keep_hints = self.lines.currentData(), self.hints.currentData()
        self.lines.clear()
        self.hints.clear()
        self.hints.addItem("(none)", None)
        if doc is None:
            return
        nodes: list[Any] = []

        def walk(node: Any, depth: int) -> None:
            for child in reversed(node.childNodes()):
                if child.type() == "grouplayer" and child.name().startswith(layers.GROUP_PREFIX):
                    continue
                if child.type() in ("paintlayer", "grouplayer", "vectorlayer", "filelayer"):
                    nodes.append((child, depth))
                if child.type() == "grouplayer":
                    walk(child, depth + 1)
        walk(doc.rootNode(), 0)
        active = doc.activeNode()
        for node, depth in nodes:
            label = "  " * depth + node.name()
            self.lines.addItem(label, node.uniqueId())
            self.hints.addItem(label, node.uniqueId())
        hint = layers.find_hint_layer(doc)
        self._select(self.hints, keep_hints or (hint.uniqueId() if hint else None))
        lines = keep_lines or (active.uniqueId() if active is not None and not layers.is_hint_layer(active) else None)
        self._select(self.lines, lines)

    @staticmethod
    def _select(combo: QComboBox, uid: Any) -> None:
        for i in range(combo.count()):
            if uid is not None and combo.itemData(i) == uid:
                combo.setCurrentIndex(i)
                return

    def _node(self, combo: QComboBox) -> Any | None:
        uid = combo.currentData()
        doc = self.document()
        return doc.nodeByUniqueID(uid) if (doc is not None and uid is not None) else None

    # --- server ------------------------------------------------------------------------------------
    def connect_server(self) -> None:
        """Ask the server for its methods (and whether it shades)."""
        base = self.url.text().strip()
        try:
            client.health(base)
            self.methods = client.methods(base)
        except client.ServerError as e:
            self.status.setText(str(e))
            return
        QSettings(*SETTINGS).setValue("url", base)
        current = self.method.currentData()
        self.method.blockSignals(True)
        self.method.clear()
        for m in self.methods:
            self.method.addItem(m.get("label") or m["name"], m["name"])
        self.method.blockSignals(False)
        self._select(self.method, current or next((m["name"] for m in self.methods if m.get("recommended")), None))
        self._method_changed()
        self.refresh_layers()
        self.status.setText(f"Connected to {base}")

    def start_server(self) -> None:
        """Start ``irodori serve`` with the configured command and connect to it."""
        base, command = self.url.text().strip(), self.command.text().strip() or client.DEFAULT_COMMAND
        QSettings(*SETTINGS).setValue("command", command)
        self.status.setText(f"Starting {command} serve ...")
        try:
            self.server_process = client.start_server(base, command)
        except client.ServerError as e:
            self.status.setText(str(e))
            return
        self.connect_server()

    def _method(self) -> dict[str, Any] | None:
        name = self.method.currentData()
        return next((m for m in self.methods if m["name"] == name), None)

    def _method_changed(self) -> None:
        method = self._method()
        self.options.show_method(method)
        try:
            self._set_shading(client.shading(self.url.text().strip(), method))
        except client.ServerError:
            self._set_shading(None)

    def _set_shading(self, offer: dict[str, Any] | None) -> None:
        self.shading = offer
        self.shade_button.setVisible(offer is not None)
        self.shade_style.setVisible(offer is not None and len(offer["choices"]) > 1)
        self.shade_style.clear()
        for c in (offer or {}).get("choices", []):
            self.shade_style.addItem(str(c), c)

    # --- the action --------------------------------------------------------------------------------
    def make_hint_layer(self) -> None:
        doc, lines = self.document(), self._node(self.lines)
        if doc is None or lines is None:
            self.status.setText("open a drawing and pick its line layer first")
            return
        layer = layers.add_hint_layer(doc, lines)
        doc.setActiveNode(layer)
        self.refresh_layers()
        self._select(self.hints, layer.uniqueId())
        self.status.setText("Paint a dot of colour in each area on the hint layer, then Colourize")

    def run(self, shade: bool) -> None:
        """Colourize (or colourize and shade): the request on a thread, the layers added when it is back."""
        if self._job is not None:
            return
        doc, lines, hints = self.document(), self._node(self.lines), self._node(self.hints)
        method = self.method.currentData()
        if method is None:
            self.status.setText("connect to an irodori server first")
            return
        options, fields, style = self.options.values(), {}, None
        if shade and self.shading is not None:
            style = self.shade_style.currentData() if self.shade_style.count() else self.shading["choices"][0]
            fields, extra = client.shading_request(self.shading, style)
            options.update(extra)
        try:
            layers.check_document(doc)
            if lines is None:
                raise layers.PluginError("pick the line layer")
            w, h = doc.width(), doc.height()
            lineart = layers.node_png(lines, w, h)
            hint_png = layers.node_png(hints, w, h) if hints is not None else None
        except layers.PluginError as e:
            self.status.setText(str(e))
            return
        job: dict[str, Any] = {"doc": doc, "lines": lines, "method": method, "shade": style}
        base = self.url.text().strip()

        def work() -> None:
            try:
                job["answer"] = client.colorize(base, lineart, hint_png, method, options, fields)
            except Exception as e:  # noqa: BLE001  shown to the artist in the docker
                job["error"] = str(e)
        self._job = job
        self.colourize_button.setEnabled(False)
        self.shade_button.setEnabled(False)
        self.status.setText(f"Colouring with {self.method.currentText()} ...")
        threading.Thread(target=work, daemon=True).start()
        self.timer.start()

    def _poll(self) -> None:
        job = self._job
        if job is None or ("answer" not in job and "error" not in job):
            return
        self.timer.stop()
        self._job = None
        self.colourize_button.setEnabled(True)
        self.shade_button.setEnabled(True)
        if "error" in job:
            self.status.setText(job["error"])
            return
        title = layers.group_title(job["method"], job["shade"])
        try:
            group = layers.apply_answer(job["doc"], job["lines"], job["answer"], title)
        except layers.PluginError as e:
            self.status.setText(str(e))
            return
        self.refresh_layers()
        seconds = job["answer"].get("seconds")
        self.status.setText(f"Added {group.name()!r} under the lines" +
                            (f" ({seconds:.1f} s)" if isinstance(seconds, (int, float)) else "") +
                            "; Ctrl+Z removes it")
