// Hints as the project's hint JSON (version 1): points {type, x, y, color, radius}
// and strokes {type, points: [[x, y], ...], color, width}, in image pixels;
// colour "#rrggbb" or "transparent". The store keeps an undo/redo history of
// whole hint lists (each edit is one step).

export const TRANSPARENT = "transparent";
const HEX = /^#[0-9a-f]{6}$/;

export class HintStore extends EventTarget {
  constructor() {
    super();
    this.items = [];
    this.past = [];
    this.future = [];
    this.version = 0;
  }

  get canUndo() { return this.past.length > 0; }
  get canRedo() { return this.future.length > 0; }

  commit(items) {
    this.past.push(this.items);
    this.future = [];
    this.items = items;
    this.changed();
  }

  add(hint) { this.commit([...this.items, hint]); }

  undo() {
    if (!this.past.length) return;
    this.future.push(this.items);
    this.items = this.past.pop();
    this.changed();
  }

  redo() {
    if (!this.future.length) return;
    this.past.push(this.items);
    this.items = this.future.pop();
    this.changed();
  }

  clear() { if (this.items.length) this.commit([]); }

  // Start over with `items` (a drawing reopened), history forgotten.
  restore(items) {
    this.items = items;
    this.past = [];
    this.future = [];
    this.changed();
  }

  // Forget everything, history included (a new drawing).
  reset() {
    this.items = [];
    this.past = [];
    this.future = [];
    this.changed();
  }

  changed() {
    this.version += 1;
    this.dispatchEvent(new Event("change"));
  }

  toJSON() {
    return { version: 1, hints: this.items };
  }
}

// Parse hint JSON text into a list of hints, checking the shape the server expects.
export function parseHints(text, width, height) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`not a hint JSON file: ${e.message}`);
  }
  if (!data || !Array.isArray(data.hints)) throw new Error('not a hint JSON file: expected {"version": 1, "hints": [...]}');
  if ((data.version ?? 1) !== 1) throw new Error(`unsupported hint JSON version ${data.version}`);
  const inside = (x, y) => Number.isFinite(x) && Number.isFinite(y) && x >= 0 && y >= 0 && x <= width && y <= height;
  return data.hints.map((h, i) => {
    const color = typeof h.color === "string" ? h.color.toLowerCase() : h.color;
    if (color !== TRANSPARENT && !HEX.test(color)) throw new Error(`hint ${i}: bad colour ${JSON.stringify(h.color)}`);
    if (h.type === "point") {
      if (!inside(h.x, h.y)) throw new Error(`hint ${i} at (${h.x}, ${h.y}) lies outside the ${width}x${height} image`);
      return { type: "point", x: h.x, y: h.y, color, radius: h.radius ?? 3 };
    }
    if (h.type === "stroke" && Array.isArray(h.points) && h.points.length) {
      for (const p of h.points) {
        if (!inside(p[0], p[1])) throw new Error(`hint ${i} has a point outside the ${width}x${height} image`);
      }
      return { type: "stroke", points: h.points.map((p) => [p[0], p[1]]), color, width: h.width ?? 4 };
    }
    throw new Error(`hint ${i}: expected a point or a stroke`);
  });
}

// Distance from (x, y) to a hint's painted area (0 inside).
export function hintDistance(h, x, y) {
  if (h.type === "point") return Math.max(0, Math.hypot(h.x - x, h.y - y) - h.radius);
  let best = Infinity;
  const pts = h.points;
  if (pts.length === 1) best = Math.hypot(pts[0][0] - x, pts[0][1] - y);
  for (let i = 1; i < pts.length; i++) best = Math.min(best, segDist(pts[i - 1], pts[i], x, y));
  return Math.max(0, best - h.width / 2);
}

function segDist(a, b, x, y) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / len2)) : 0;
  return Math.hypot(a[0] + t * dx - x, a[1] + t * dy - y);
}

let checker = null;
function checkerPattern(ctx) {
  if (!checker) {
    const c = document.createElement("canvas");
    c.width = c.height = 6;
    const g = c.getContext("2d");
    g.fillStyle = "#ffffff"; g.fillRect(0, 0, 6, 6);
    g.fillStyle = "#9a94a6"; g.fillRect(0, 0, 3, 3); g.fillRect(3, 3, 3, 3);
    checker = c;
  }
  return ctx.createPattern(checker, "repeat");
}

// Draw hints (and an unfinished stroke) onto a canvas of the image's size.
// Each mark gets a thin dark halo so light colours stay visible on white paper.
export function drawHints(ctx, items, draft = null) {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  const all = draft ? [...items, draft] : items;
  for (const h of all) {
    const fill = h.color === TRANSPARENT ? checkerPattern(ctx) : h.color;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (h.type === "point") {
      ctx.beginPath();
      ctx.arc(h.x, h.y, h.radius + 0.8, 0, Math.PI * 2);
      ctx.fillStyle = "rgba(20, 16, 28, 0.75)";
      ctx.fill();
      ctx.beginPath();
      ctx.arc(h.x, h.y, h.radius, 0, Math.PI * 2);
      ctx.fillStyle = fill;
      ctx.fill();
    } else {
      const path = new Path2D();
      const [x0, y0] = h.points[0];
      path.moveTo(x0, y0);
      if (h.points.length === 1) path.lineTo(x0 + 0.01, y0);
      for (const [x, y] of h.points.slice(1)) path.lineTo(x, y);
      ctx.strokeStyle = "rgba(20, 16, 28, 0.75)";
      ctx.lineWidth = h.width + 1.6;
      ctx.stroke(path);
      ctx.strokeStyle = fill;
      ctx.lineWidth = h.width;
      ctx.stroke(path);
    }
  }
}
