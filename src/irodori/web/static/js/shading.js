// Shading in the studio: style, a light dial, strength, coloured lines, and the
// shading layers drawn on their own canvases with the blend modes of the files
// (shadow: multiply, highlight: screen, coloured lines: multiply), each with a toggle.
//
// The dial: drag (or click) on it to set where the light comes from. The angle
// round the centre is the azimuth (clockwise from the top: 315 = upper left), the
// distance from the centre the elevation (centre: from the viewer, 90 degrees; rim:
// grazing, 0). Arrow keys turn it by 15 degrees (left/right) and raise or lower it
// by 5 (up/down).

const SVG = "http://www.w3.org/2000/svg";
const R = 44; // dial radius in SVG units (viewBox -50..50)

function el(tag, attrs = {}, ns = null) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

export class Shading {
  // root: the panel section to fill; canvases: {shadow, highlight, linecolor, lines};
  // changed(): called when a setting changes (the page re-colours, debounced).
  constructor(root, canvases, changed) {
    this.canvases = canvases;
    this.changed = changed;
    this.state = { style: "none", azimuth: 315, elevation: 45, strength: 0.6, lineColor: false };
    this.hasLineColor = false;
    this.build(root);
    this.render();
  }

  build(root) {
    const style = el("select", { id: "shade-style", "aria-label": "Shading style" });
    for (const [v, label] of [["none", "None (flat colours)"], ["cel", "Cel: hard-edged shadow"], ["soft", "Soft: smooth shadow"]]) {
      style.append(new Option(label, v));
    }
    style.addEventListener("change", () => { this.state.style = style.value; this.update(); });
    this.style = style;

    const dial = el("svg", { id: "light-dial", class: "dial", viewBox: "-50 -50 100 100", role: "slider", tabindex: "0",
      "aria-label": "Light direction: drag round the dial (centre = from the front, rim = from the side)" }, SVG);
    dial.append(el("circle", { r: R, class: "dial-face" }, SVG));
    dial.append(el("circle", { r: R / 2, class: "dial-ring" }, SVG));
    dial.append(el("line", { x1: 0, y1: -R, x2: 0, y2: R, class: "dial-ring" }, SVG));
    dial.append(el("line", { x1: -R, y1: 0, x2: R, y2: 0, class: "dial-ring" }, SVG));
    this.ray = el("line", { x1: 0, y1: 0, class: "dial-ray" }, SVG);
    this.knob = el("circle", { r: 6, class: "dial-knob" }, SVG);
    dial.append(this.ray, this.knob);
    const set = (e) => {
      const box = dial.getBoundingClientRect();
      const x = ((e.clientX - box.left) / box.width) * 100 - 50;
      const y = ((e.clientY - box.top) / box.height) * 100 - 50;
      const d = Math.min(1, Math.hypot(x, y) / R);
      this.state.azimuth = Math.round(((Math.atan2(x, -y) * 180) / Math.PI + 360) % 360);
      this.state.elevation = Math.round(90 * (1 - d));
      if (this.state.style === "none") { this.state.style = "cel"; this.style.value = "cel"; }
      this.update();
    };
    dial.addEventListener("pointerdown", (e) => { dial.setPointerCapture(e.pointerId); this.dragging = true; set(e); });
    dial.addEventListener("pointermove", (e) => { if (this.dragging) set(e); });
    dial.addEventListener("pointerup", () => { this.dragging = false; });
    dial.addEventListener("keydown", (e) => {
      const s = this.state;
      const step = { ArrowLeft: [-15, 0], ArrowRight: [15, 0], ArrowUp: [0, 5], ArrowDown: [0, -5] }[e.key];
      if (!step) return;
      e.preventDefault();
      e.stopPropagation();
      s.azimuth = (s.azimuth + step[0] + 360) % 360;
      s.elevation = Math.max(0, Math.min(90, s.elevation + step[1]));
      this.update();
    });
    this.dial = dial;
    this.readout = el("output", { id: "light-out", class: "mono" });

    const strength = el("input", { id: "shade-strength", type: "range", min: "0", max: "1", step: "0.05", value: "0.6",
      "aria-label": "Shadow strength" });
    strength.addEventListener("input", () => { this.state.strength = Number(strength.value); this.update(); });
    this.strength = strength;
    this.strengthOut = el("output", { class: "mono" });

    const lineColor = el("input", { id: "line-color", type: "checkbox" });
    lineColor.addEventListener("change", () => { this.state.lineColor = lineColor.checked; this.update(); });

    const styleLabel = el("label", { class: "shade-row" });
    styleLabel.append("Style ", style);
    const dialBox = el("div", { class: "dial-box" });
    const dialText = el("div", { class: "muted small" });
    dialText.append("Light ", this.readout, el("br"), "drag on the dial: centre = front, rim = side");
    dialBox.append(dial, dialText);
    const strengthLabel = el("label", { class: "size" });
    strengthLabel.append("Strength ", this.strengthOut, strength);
    const lineLabel = el("label", { class: "check", title: "Tint each line with the colour beside it, darkened (colour trace)" });
    lineLabel.append(lineColor, " Coloured lines");
    root.append(styleLabel, dialBox, strengthLabel, lineLabel);
  }

  update() {
    this.render();
    this.changed();
  }

  render() {
    const s = this.state;
    const d = R * (1 - s.elevation / 90);
    const a = (s.azimuth * Math.PI) / 180;
    const x = d * Math.sin(a), y = -d * Math.cos(a);
    this.knob.setAttribute("cx", x.toFixed(1));
    this.knob.setAttribute("cy", y.toFixed(1));
    this.ray.setAttribute("x2", x.toFixed(1));
    this.ray.setAttribute("y2", y.toFixed(1));
    this.readout.textContent = `${s.azimuth}°, ${s.elevation}°`;
    this.dial.setAttribute("aria-valuetext", `azimuth ${s.azimuth} degrees, elevation ${s.elevation} degrees`);
    this.strengthOut.textContent = s.strength.toFixed(2);
    this.dial.classList.toggle("off", s.style === "none");
  }

  // The `shading` field of a colouring request, or null for none.
  fields() {
    const s = this.state;
    if (s.style === "none" && !s.lineColor) return null;
    return { style: s.style, light: [s.azimuth, s.elevation], strength: s.strength, line_color: s.lineColor };
  }

  // Draw a result's layers ([{name, blend, blob}]) on their canvases; clears the others.
  async draw(layers) {
    const byName = new Map((layers || []).map((l) => [l.name, l]));
    const targets = { shadow: "shadow", highlight: "highlight", lines: "linecolor" };
    for (const [name, id] of Object.entries(targets)) {
      const canvas = this.canvases[id];
      const c = canvas.getContext("2d");
      c.clearRect(0, 0, canvas.width, canvas.height);
      const layer = byName.get(name);
      if (layer) c.drawImage(await createImageBitmap(layer.blob), 0, 0);
    }
    this.hasLineColor = byName.has("lines");
    this.applyToggles();
  }

  // Show toggles: shadow, highlight; coloured lines replace the black ones while shown.
  applyToggles() {
    const on = (id) => document.getElementById(id)?.checked !== false;
    this.canvases.shadow.hidden = !on("show-shadow");
    this.canvases.highlight.hidden = !on("show-highlight");
    const lines = on("show-lines");
    this.canvases.linecolor.hidden = !(lines && this.hasLineColor);
    this.canvases.lines.hidden = !lines || this.hasLineColor;
  }
}
