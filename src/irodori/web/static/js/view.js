// Zoom and pan of the drawing: the sheet (canvases at image size) is placed with
// a CSS transform; screen <-> image coordinates go through the same numbers.

export class View {
  constructor(viewport, sheet, onChange) {
    this.viewport = viewport;
    this.sheet = sheet;
    this.onChange = onChange;
    this.scale = 1;
    this.tx = 0;
    this.ty = 0;
    this.width = 0;
    this.height = 0;
    viewport.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
  }

  setSize(width, height) {
    this.width = width;
    this.height = height;
    this.sheet.style.width = `${width}px`;
    this.sheet.style.height = `${height}px`;
    this.fit();
  }

  fit() {
    const r = this.viewport.getBoundingClientRect();
    if (!this.width || !r.width) return;
    const s = Math.min((r.width - 40) / this.width, (r.height - 40) / this.height);
    this.scale = Math.max(0.05, Math.min(s, 8));
    this.tx = (r.width - this.width * this.scale) / 2;
    this.ty = (r.height - this.height * this.scale) / 2;
    this.apply();
  }

  zoomAt(factor, cx, cy) {
    const s = Math.max(0.05, Math.min(this.scale * factor, 32));
    const f = s / this.scale;
    this.tx = cx - (cx - this.tx) * f;
    this.ty = cy - (cy - this.ty) * f;
    this.scale = s;
    this.apply();
  }

  zoomCentre(factor) {
    const r = this.viewport.getBoundingClientRect();
    this.zoomAt(factor, r.width / 2, r.height / 2);
  }

  panBy(dx, dy) {
    this.tx += dx;
    this.ty += dy;
    this.apply();
  }

  wheel(e) {
    if (!this.width) return;
    e.preventDefault();
    const r = this.viewport.getBoundingClientRect();
    const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
    this.zoomAt(factor, e.clientX - r.left, e.clientY - r.top);
  }

  apply() {
    this.sheet.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.scale})`;
    this.sheet.classList.toggle("pixelated", this.scale >= 2);
    this.onChange?.(this);
  }

  // Image pixel coordinates of a pointer event (may lie outside the image).
  toImage(e) {
    const r = this.viewport.getBoundingClientRect();
    return [(e.clientX - r.left - this.tx) / this.scale, (e.clientY - r.top - this.ty) / this.scale];
  }
}
