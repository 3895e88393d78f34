// irodori studio: wires the page to the API. The method list, its groups, the
// plain-words labels, the options and what each method needs all come from
// /api/methods (the registry's metadata), so new methods need no change here.

import { ApiError, checkLineart, colorize, extractLines, getBlob, getJSON, layers } from "./api.js";
import { HintStore, TRANSPARENT, drawHints, hintDistance, parseHints } from "./hints.js";
import { renderOptions } from "./options.js";
import { Saver, drawingKey } from "./saved.js";
import { Shading } from "./shading.js";
import { View } from "./view.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 250;
const PALETTE = [
  "#f6d2b4", "#e9a98a", "#6b4a3a", "#2f2a3a", "#f2d27a", "#d9434b", "#ef8fa1", "#f29b4a",
  "#f7e07a", "#7cc47f", "#8cc8f0", "#4a6fd0", "#8a6cc8", "#9a9aa8", "#ffffff", "#3a3a44",
];

const stage = $("stage");
const viewport = $("viewport");
const sheet = $("sheet");
const canvases = { flats: $("flats"), lines: $("lines"), hints: $("hints"),
  shadow: $("shadow"), highlight: $("highlight"), linecolor: $("linecolor") };
const ctx = {
  flats: canvases.flats.getContext("2d", { willReadFrequently: true }),
  lines: canvases.lines.getContext("2d", { willReadFrequently: true }),
  hints: canvases.hints.getContext("2d"),
};

const store = new HintStore();
const saver = new Saver();
const state = {
  image: null, // {blob, name, width, height, example, key}
  health: null,
  methods: [],
  method: null,
  options: {},
  reference: null,
  referenceLines: null,
  tool: "dot",
  lastTool: "dot",
  size: 6,
  color: "#f6d2b4",
  recent: loadRecent(),
  result: null, // {image: Blob, flats: Blob, seconds, version}
  controller: null,
  timer: 0,
  seq: 0,
  drag: null,
  space: false,
  dismissed: loadDismissed(),
  offer: null, // {blob, name}: a colour picture waiting for the artist's choice
  restoring: false,
  saveSeq: 0,
};

const view = new View(viewport, sheet, (v) => {
  $("zoom-level").textContent = `${Math.round(v.scale * 100)}%`;
});

// ------------------------------------------------------------------ messages
function showError(text) {
  $("message-text").textContent = text;
  $("message").hidden = false;
}
function clearError() { $("message").hidden = true; }
$("message-close").addEventListener("click", clearError);

// Colouring and layer downloads may overlap: the indicator shows while any runs.
const busy = { colour: false, layers: 0 };
function setBusy(colouring, layersDelta = 0) {
  if (colouring !== null) busy.colour = colouring;
  busy.layers += layersDelta;
  const any = busy.colour || busy.layers > 0;
  stage.dataset.busy = String(busy.colour);
  $("busy").hidden = !any;
  stage.setAttribute("aria-busy", String(any));
}

// ------------------------------------------------------------------ the coach
// One tip at a time, in a bar above the drawing (never over it). Each tip can be
// hidden for good (remembered in localStorage). What a tip says about the result
// is read from the result itself (the flats' pixels), never assumed.
function loadDismissed() {
  try {
    const v = JSON.parse(localStorage.getItem("irodori.coach.dismissed") || "[]");
    return new Set(Array.isArray(v) ? v : []);
  } catch (_) { return new Set(); }
}

function dismissTip(id) {
  state.dismissed.add(id);
  try { localStorage.setItem("irodori.coach.dismissed", JSON.stringify([...state.dismissed])); } catch (_) { /* private mode */ }
  updateCoach();
}

function coachTip() {
  const m = state.method;
  if (!state.image || !m) return null;
  const caps = m.capabilities;
  const n = store.items.length;
  if (caps.needs_reference && !state.reference) {
    return { id: "reference", text: "This method colours from a coloured page of the same character: add it on the right, under the method." };
  }
  if (caps.uses_hints && n === 0 && !state.result) {
    return { id: "first-dot", text: "Pick a colour on the left, then click inside a shape: the colour fills it up to the lines." };
  }
  const bg = state.result?.background;
  if (caps.uses_hints && bg && state.color !== TRANSPARENT) {
    return {
      id: "background", swatch: bg,
      text: "The background got this colour. To keep it white, put a Transparent dot on it.",
      action: { label: "Use Transparent", run: () => setColor(TRANSPARENT) },
    };
  }
  return null;
}

function updateCoach() {
  const coach = $("coach");
  const tip = coachTip();
  const show = tip && !state.dismissed.has(tip.id);
  coach.hidden = !show;
  coach.dataset.tip = show ? tip.id : "";
  if (show) {
    const text = $("coach-text");
    text.replaceChildren();
    if (tip.swatch) {
      const sw = document.createElement("span");
      sw.className = "inline-swatch";
      sw.style.background = tip.swatch;
      sw.title = tip.swatch;
      text.append(sw, " ");
    }
    text.append(tip.text);
    const action = $("coach-action");
    action.hidden = !tip.action;
    if (tip.action) {
      action.textContent = tip.action.label;
      action.onclick = tip.action.run;
    }
    $("coach-close").onclick = () => dismissTip(tip.id);
  }
  const steps = [$("step-open"), $("step-hint"), $("step-save")];
  const at = !state.image ? 0 : store.items.length === 0 && !state.result ? 1 : 2;
  steps.forEach((li, i) => {
    li.classList.toggle("done", i < at);
    li.classList.toggle("current", i === at);
  });
}

function updateSaved() {
  const el = $("status-saved");
  stage.dataset.saved = String(saver.saved);
  if (!state.image) { el.textContent = ""; return; }
  if (saver.error) {
    el.textContent = `Not kept in this browser (${saver.error}): download your hints to keep them`;
    el.className = "warn";
  } else {
    el.textContent = saver.unsaved ? "Saving in this browser…" : "Kept in this browser";
    el.className = "";
  }
}
saver.addEventListener("change", updateSaved);

function updateStatus() {
  const img = state.image;
  $("status-image").textContent = img ? `${img.name} — ${img.width}×${img.height}` : "No image";
  updateSaved();
  const m = state.method;
  $("stage-info").textContent = m ? `${m.label}${state.result ? ` · coloured in ${(state.result.seconds ?? 0).toFixed(2)} s` : ""}` : "";
  const n = store.items.length;
  $("status-hints").textContent = `${n} hint${n === 1 ? "" : "s"}`;
  $("undo").disabled = !store.canUndo;
  $("redo").disabled = !store.canRedo;
  $("clear").disabled = n === 0;
  const hasResult = Boolean(state.result);
  for (const id of ["dl-png", "dl-flats", "dl-ora", "dl-psd"]) $(id).disabled = !hasResult;
  $("dl-hints").disabled = n === 0;
  $("load-hints").disabled = !img;
  $("example-hints").hidden = !(img && img.example && state.health?.example_hints);
  updateCoach();
}

// ------------------------------------------------------------------ colours
function loadRecent() {
  try {
    const v = JSON.parse(localStorage.getItem("irodori.recent") || "[]");
    return Array.isArray(v) ? v.filter((c) => typeof c === "string").slice(0, 16) : [];
  } catch (_) { return []; }
}

function rememberColor(c) {
  state.recent = [c, ...state.recent.filter((x) => x !== c)].slice(0, 16);
  try { localStorage.setItem("irodori.recent", JSON.stringify(state.recent)); } catch (_) { /* private mode */ }
  renderSwatches($("recent"), state.recent, "Colours you use appear here.");
}

function renderSwatches(box, colors, empty) {
  box.replaceChildren();
  if (!colors.length) {
    const s = document.createElement("span");
    s.className = "muted";
    s.textContent = empty;
    box.append(s);
    return;
  }
  for (const c of colors) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "swatch" + (c === TRANSPARENT ? " transparent" : "");
    if (c !== TRANSPARENT) b.style.background = c;
    b.title = c;
    b.dataset.color = c;
    b.setAttribute("aria-label", `colour ${c}`);
    b.classList.toggle("selected", c === state.color);
    b.addEventListener("click", () => setColor(c));
    box.append(b);
  }
}

function setColor(c) {
  state.color = c;
  const big = $("current-swatch");
  big.classList.toggle("transparent", c === TRANSPARENT);
  big.style.background = c === TRANSPARENT ? "" : c;
  if (c !== TRANSPARENT) $("color").value = c;
  $("color-name").textContent = c;
  $("transparent").classList.toggle("active", c === TRANSPARENT);
  document.querySelectorAll(".palette .swatch").forEach((el) => el.classList.toggle("selected", el.dataset.color === c));
  updateCoach();
}

$("color").addEventListener("input", (e) => setColor(e.target.value.toLowerCase()));
$("transparent").addEventListener("click", () => setColor(TRANSPARENT));

// ------------------------------------------------------------------ tools
function setTool(tool) {
  if (tool !== "picker") state.lastTool = tool;
  state.tool = tool;
  stage.dataset.tool = tool;
  document.querySelectorAll(".tool").forEach((b) => {
    const on = b.dataset.tool === tool;
    b.classList.toggle("active", on);
    b.setAttribute("aria-checked", String(on));
  });
  updateCursor();
}
document.querySelectorAll(".tool").forEach((b) => b.addEventListener("click", () => setTool(b.dataset.tool)));

function setSize(n) {
  state.size = Math.max(1, Math.min(64, Math.round(n)));
  $("size").value = String(state.size);
  $("size-out").textContent = String(state.size);
  updateCursor();
}
$("size").addEventListener("input", (e) => setSize(Number(e.target.value)));

let lastPointer = null;
function updateCursor(e) {
  if (e) lastPointer = view.toImage(e);
  const cur = $("cursor");
  const show = state.image && lastPointer && ["dot", "brush", "eraser"].includes(state.tool) && !state.space;
  cur.hidden = !show;
  if (!show) return;
  const d = state.size;
  cur.style.width = `${d}px`;
  cur.style.height = `${d}px`;
  cur.style.left = `${lastPointer[0]}px`;
  cur.style.top = `${lastPointer[1]}px`;
  cur.style.borderWidth = `${1 / view.scale}px`;
}

const round1 = (v) => Math.round(v * 10) / 10;
const inside = (x, y) => state.image && x >= 0 && y >= 0 && x <= state.image.width && y <= state.image.height;
const clampX = (x) => Math.max(0, Math.min(state.image.width, x));
const clampY = (y) => Math.max(0, Math.min(state.image.height, y));

function pickColor(x, y) {
  if (!state.result || !inside(x, y)) return;
  const xi = Math.min(state.image.width - 1, Math.floor(x));
  const yi = Math.min(state.image.height - 1, Math.floor(y));
  const [r, g, b, a] = ctx.flats.getImageData(xi, yi, 1, 1).data;
  const hex = (v) => v.toString(16).padStart(2, "0");
  setColor(a < 128 ? TRANSPARENT : `#${hex(r)}${hex(g)}${hex(b)}`);
  if (state.tool === "picker") setTool(state.lastTool);
}

function commitHint(hint) {
  store.add(hint);
  rememberColor(hint.color);
}

viewport.addEventListener("pointerdown", (e) => {
  if (!state.image) return;
  viewport.setPointerCapture(e.pointerId);
  if (e.button === 1 || state.space || state.tool === "pan") {
    state.drag = { kind: "pan", x: e.clientX, y: e.clientY };
    viewport.classList.add("dragging");
    e.preventDefault();
    return;
  }
  if (e.button !== 0) return;
  const [x, y] = view.toImage(e);
  const tool = e.altKey ? "picker" : state.tool;
  if (tool === "picker") { pickColor(x, y); return; }
  if (!inside(x, y)) return;
  if (tool === "dot") {
    commitHint({ type: "point", x: round1(x), y: round1(y), color: state.color, radius: state.size / 2 });
  } else if (tool === "brush") {
    state.drag = { kind: "brush", hint: { type: "stroke", points: [[round1(x), round1(y)]], color: state.color, width: state.size } };
    drawHints(ctx.hints, store.items, state.drag.hint);
  } else if (tool === "eraser") {
    state.drag = { kind: "eraser", items: store.items.slice(), changed: false };
    eraseAt(x, y);
  }
});

viewport.addEventListener("pointermove", (e) => {
  updateCursor(e);
  const d = state.drag;
  if (!d) return;
  if (d.kind === "pan") {
    view.panBy(e.clientX - d.x, e.clientY - d.y);
    d.x = e.clientX;
    d.y = e.clientY;
    updateCursor(e);
    return;
  }
  const [x, y] = view.toImage(e);
  if (d.kind === "brush") {
    const pts = d.hint.points;
    const [lx, ly] = pts[pts.length - 1];
    const cx = round1(clampX(x)), cy = round1(clampY(y));
    if (Math.hypot(cx - lx, cy - ly) >= Math.max(1, d.hint.width / 4)) {
      pts.push([cx, cy]);
      drawHints(ctx.hints, store.items, d.hint);
    }
  } else if (d.kind === "eraser") {
    eraseAt(x, y);
  }
});

function endDrag() {
  const d = state.drag;
  state.drag = null;
  viewport.classList.remove("dragging");
  if (!d) return;
  if (d.kind === "brush") commitHint(d.hint);
  if (d.kind === "eraser" && d.changed) store.commit(d.items);
  else if (d.kind === "eraser") renderHints();
}
viewport.addEventListener("pointerup", endDrag);
viewport.addEventListener("pointercancel", endDrag);
viewport.addEventListener("pointerleave", () => { lastPointer = null; updateCursor(); });

function eraseAt(x, y) {
  const d = state.drag;
  const r = state.size / 2;
  const kept = d.items.filter((h) => hintDistance(h, x, y) > r);
  if (kept.length !== d.items.length) {
    d.items = kept;
    d.changed = true;
    drawHints(ctx.hints, d.items);
  }
}

function renderHints() { drawHints(ctx.hints, store.items); }

// ------------------------------------------------------------------ keyboard
function typing(e) {
  const t = e.target;
  return t && (t.tagName === "INPUT" && !["range", "checkbox", "color", "file"].includes(t.type) || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
}

// The one table of shortcuts: the keydown handler runs it and the page lists it.
// keys: what the list shows; match(e): whether a keydown is this shortcut
// (absent for mouse gestures, listed only); run(e): what it does.
const key = (...names) => (e) => !e.ctrlKey && !e.metaKey && !e.altKey && names.includes(e.key.toLowerCase());
const withMod = (k, shift) => (e) => (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === k && e.shiftKey === shift;
const SHORTCUTS = [
  { keys: ["D"], what: "Dot tool", tool: "dot", match: key("d"), run: () => setTool("dot") },
  { keys: ["B"], what: "Brush tool", tool: "brush", match: key("b"), run: () => setTool("brush") },
  { keys: ["E"], what: "Eraser tool", tool: "eraser", match: key("e"), run: () => setTool("eraser") },
  { keys: ["I"], what: "Eyedropper tool", tool: "picker", match: key("i"), run: () => setTool("picker") },
  { keys: ["H"], what: "Hand tool (move the view)", tool: "pan", match: key("h"), run: () => setTool("pan") },
  { keys: ["T"], what: "Transparent colour (keep an area white)", match: key("t"), run: () => setColor(TRANSPARENT) },
  { keys: ["[", "]"], what: "Smaller / bigger dot and brush", match: key("[", "]"),
    run: (e) => setSize(state.size + (e.key === "[" ? -1 : 1)) },
  { keys: ["+", "−"], what: "Zoom in / out", match: key("+", "=", "-"),
    run: (e) => view.zoomCentre(e.key === "-" ? 0.8 : 1.25) },
  { keys: ["0"], what: "Fit the drawing in the window", match: key("0"), run: () => view.fit() },
  { keys: ["Ctrl", "Z"], what: "Undo", match: withMod("z", false), run: () => store.undo() },
  { keys: ["Ctrl", "Shift", "Z"], what: "Redo (also Ctrl+Y)", match: (e) => withMod("z", true)(e) || withMod("y", false)(e),
    run: () => store.redo() },
  { keys: ["Space"], what: "Hold and drag to move the view", match: key(" "), run: () => {
    if (!state.space) { state.space = true; viewport.classList.add("panning"); updateCursor(); }
  } },
  { keys: ["Alt", "click"], what: "Pick a colour from the picture" },
  { keys: ["Scroll"], what: "Zoom at the pointer" },
  { keys: ["?"], what: "Show or hide this list", match: (e) => e.key === "?", run: () => {
    $("shortcuts").open = !$("shortcuts").open;
  } },
];

function renderShortcuts() {
  const list = $("shortcut-list");
  list.replaceChildren();
  for (const s of SHORTCUTS) {
    const dt = document.createElement("dt");
    s.keys.forEach((k, i) => {
      if (i) dt.append(s.keys.length === 2 && ["[", "+"].includes(s.keys[0]) ? " " : "+");
      const kbd = document.createElement("kbd");
      kbd.textContent = k;
      dt.append(kbd);
    });
    const dd = document.createElement("dd");
    dd.textContent = s.what;
    const row = document.createElement("div");
    row.className = "shortcut";
    if (s.tool) row.dataset.tool = s.tool;
    row.append(dt, dd);
    list.append(row);
  }
}

document.addEventListener("keydown", (e) => {
  if (typing(e)) return;
  if (e.key === "Escape" && !$("offer").hidden) { closeOffer(); return; }
  const s = SHORTCUTS.find((x) => x.match?.(e));
  if (!s) return;
  if (e.ctrlKey || e.metaKey || e.key === " ") e.preventDefault();
  s.run(e);
});
document.addEventListener("keyup", (e) => {
  if (e.key === " ") { state.space = false; viewport.classList.remove("panning"); updateCursor(); }
});

$("undo").addEventListener("click", () => store.undo());
$("redo").addEventListener("click", () => store.redo());
$("clear").addEventListener("click", () => store.clear());
$("zoom-in").addEventListener("click", () => view.zoomCentre(1.25));
$("zoom-out").addEventListener("click", () => view.zoomCentre(0.8));
$("zoom-fit").addEventListener("click", () => view.fit());
window.addEventListener("resize", () => { if (state.image) view.fit(); });

store.addEventListener("change", () => {
  stage.dataset.version = String(store.version);
  renderHints();
  updateStatus();
  saveWork();
  schedule();
});

// Leaving with work the browser has not stored yet asks first.
window.addEventListener("beforeunload", (e) => {
  if (state.image && saver.unsaved) {
    e.preventDefault();
    e.returnValue = "";
  }
});

// ------------------------------------------------------------------ show toggles
function applyToggles() {
  canvases.flats.hidden = !$("show-flats").checked;
  canvases.lines.hidden = !$("show-lines").checked;
  canvases.hints.hidden = !$("show-hints").checked;
  shading.applyToggles();
}
for (const id of ["show-flats", "show-lines", "show-hints", "show-shadow", "show-highlight"]) {
  $(id).addEventListener("change", applyToggles);
}

// ------------------------------------------------------------------ loading line art
// saved: the stored {image, work} of a drawing being reopened (skips the check).
async function loadImage(blob, name, example = false, saved = null) {
  clearError();
  closeOffer();
  if (!saved) {
    // Ask the server, as colouring would, whether this is line art at all: a finished
    // colour picture gets an offer to extract its lines instead.
    try {
      setBusy(null, +1);
      await checkLineart(blob, name);
    } catch (e) {
      if (e instanceof ApiError && e.code === "colour_picture") { showOffer(blob, name, e.message); return; }
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) { showError(`${name}: ${e.message}`); return; }
      // Busy or unreachable: colouring will say so; open the drawing anyway.
    } finally {
      setBusy(null, -1);
    }
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch (_) {
    showError(`${name}: this browser cannot open it as an image (use PNG, JPEG, WebP or BMP)`);
    return;
  }
  const { width, height } = bitmap;
  const limit = state.health?.limits?.max_pixels;
  if (limit && width * height > limit) {
    showError(`${name} is ${width}×${height} = ${(width * height / 1e6).toFixed(1)} MP; this server accepts up to ${(limit / 1e6).toFixed(1)} MP`);
    return;
  }
  state.controller?.abort();
  const key = saved?.image?.key ?? await drawingKey(blob);
  state.image = { blob, name, width, height, example, key };
  state.result = null;
  for (const c of Object.values(canvases)) { c.width = width; c.height = height; }
  drawLines(bitmap);
  state.ownLines = ctx.lines.getImageData(0, 0, width, height);
  bitmap.close?.();
  ctx.flats.clearRect(0, 0, width, height);
  stage.dataset.state = "loaded";
  stage.dataset.resultVersion = "-1";
  $("dropzone").hidden = true;
  $("stagebar").hidden = false; // before fitting: the bar takes its own room above the drawing
  sheet.hidden = false;
  view.setSize(width, height);
  setSize(Math.max(2, Math.round(Math.min(width, height) / 80)));
  // The same drawing opened again gets its hints, method and options back.
  const work = saved ? saved.work : (await saver.load(key)).work;
  if (!saved) saver.saveImage(key, { blob, name, example, width, height });
  state.restoring = true;
  if (work && state.methods.some((m) => m.name === work.method)) selectMethod(work.method, work.options || {});
  state.restoring = false;
  store.restore(work?.hints ?? []);
  if (work?.hints?.length) $("stage-info").textContent = `Your ${work.hints.length} hint${work.hints.length === 1 ? "" : "s"} on this drawing are back.`;
}

// Keep the work on the current drawing in this browser (on every change).
function saveWork() {
  if (!state.image || state.restoring) return;
  saver.saveWork(state.image.key, { hints: store.items, method: state.method?.name, options: state.options },
                 ++state.saveSeq);
}

// ------------------------------------------------------------------ a colour picture given as line art
function showOffer(blob, name, message) {
  state.offer = { blob, name };
  $("offer-text").textContent = `${name} is coloured in: it is a finished picture, not line art.`;
  $("offer-text").title = message; // the server's words, with its numbers
  $("dropzone").hidden = true;
  $("offer").hidden = false;
  $("offer-extract").disabled = false;
  $("offer-extract").focus();
}

function closeOffer() {
  state.offer = null;
  $("offer").hidden = true;
  $("dropzone").hidden = Boolean(state.image);
}

$("offer-cancel").addEventListener("click", closeOffer);
$("offer-other").addEventListener("click", () => { closeOffer(); $("file-input").click(); });
$("offer-extract").addEventListener("click", async () => {
  const offer = state.offer;
  if (!offer) return;
  $("offer-extract").disabled = true;
  setBusy(null, +1);
  try {
    const lines = await extractLines(offer.blob, offer.name);
    closeOffer();
    await loadImage(lines, `${offer.name.replace(/\.[^.]+$/, "")}-lines.png`);
  } catch (e) {
    closeOffer();
    showError(`Could not extract the lines: ${e.message}`);
  } finally {
    setBusy(null, -1);
  }
});

// The line layer as black with ink as alpha: over the flats it gives exactly the
// server's composite (flats multiplied by the lines).
function drawLines(bitmap) {
  const { width, height } = bitmap;
  ctx.lines.clearRect(0, 0, width, height);
  ctx.lines.drawImage(bitmap, 0, 0);
  const img = ctx.lines.getImageData(0, 0, width, height);
  const p = img.data;
  for (let i = 0; i < p.length; i += 4) {
    const lum = 0.299 * p[i] + 0.587 * p[i + 1] + 0.114 * p[i + 2];
    const ink = (255 - lum) * p[i + 3] / 255;
    p[i] = p[i + 1] = p[i + 2] = 0;
    p[i + 3] = Math.round(ink);
  }
  ctx.lines.putImageData(img, 0, 0);
}

function openFile(file) {
  if (!file) return;
  loadImage(file, file.name);
}

async function loadExample() {
  try {
    const blob = await getBlob("/api/example");
    await loadImage(blob, "example.png", true);
  } catch (e) {
    showError(`No example available: ${e.message}`);
    for (const id of ["load-example", "drop-example"]) $(id).disabled = true;
  }
}

$("open-file").addEventListener("click", () => $("file-input").click());
$("drop-open").addEventListener("click", () => $("file-input").click());
$("file-input").addEventListener("change", (e) => { openFile(e.target.files[0]); e.target.value = ""; });
$("load-example").addEventListener("click", loadExample);
$("drop-example").addEventListener("click", loadExample);

stage.addEventListener("dragover", (e) => { e.preventDefault(); stage.classList.add("dragover"); });
stage.addEventListener("dragleave", (e) => { if (e.target === stage || !stage.contains(e.relatedTarget)) stage.classList.remove("dragover"); });
stage.addEventListener("drop", (e) => {
  e.preventDefault();
  stage.classList.remove("dragover");
  const file = [...(e.dataTransfer?.files || [])].find((f) => f.type.startsWith("image/")) || e.dataTransfer?.files[0];
  openFile(file);
});

// ------------------------------------------------------------------ methods and options
// Methods are listed by what the artist has (the registry's groups, in their order),
// the recommended one first; the "compare" groups (baselines) sit collapsed.
function renderMethods() {
  const box = $("methods");
  box.replaceChildren();
  const byGroup = new Map();
  const sorted = [...state.methods].sort((a, b) => a.group.order - b.group.order
    || Number(b.recommended) - Number(a.recommended) || a.label.localeCompare(b.label));
  for (const m of sorted) {
    if (!byGroup.has(m.group.id)) byGroup.set(m.group.id, { group: m.group, methods: [] });
    byGroup.get(m.group.id).methods.push(m);
  }
  for (const { group, methods } of byGroup.values()) {
    const wrap = document.createElement(group.compare ? "details" : "fieldset");
    wrap.className = "method-group" + (group.compare ? " compare" : "");
    wrap.dataset.group = group.id;
    const title = document.createElement(group.compare ? "summary" : "legend");
    title.textContent = group.label;
    title.title = group.help;
    wrap.append(title);
    for (const m of methods) {
      const label = document.createElement("label");
      label.className = "method-choice";
      label.title = m.description;
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "method";
      input.value = m.name;
      input.addEventListener("change", () => { if (input.checked) selectMethod(m.name); });
      const text = document.createElement("span");
      text.textContent = m.label;
      label.append(input, text);
      if (m.recommended) {
        const b = document.createElement("span");
        b.className = "badge good";
        b.textContent = "recommended";
        text.append(b);
      }
      wrap.append(label);
    }
    box.append(wrap);
  }
}

function renderMethod() {
  const m = state.method;
  for (const input of document.querySelectorAll("#methods input[name=method]")) input.checked = input.value === m.name;
  const group = document.querySelector(`#methods .method-group[data-group="${m.group.id}"]`);
  if (group && group.tagName === "DETAILS") group.open = true;
  $("method-summary").textContent = m.summary;
  const badges = $("method-badges");
  badges.replaceChildren();
  const caps = m.capabilities;
  const add = (text, need) => {
    const b = document.createElement("span");
    b.className = "badge" + (need ? " need" : "");
    b.textContent = text;
    badges.append(b);
  };
  if (caps.needs_hints) add("needs dots", true);
  if (caps.needs_reference) add("needs a coloured page", true);
  if (!caps.uses_hints) add("ignores dots");
  if (caps.flats) add("flat colours");
  $("reference-box").hidden = !caps.needs_reference;
  renderOptions($("options"), m.options, state.options, (name, value) => {
    if (value === undefined) delete state.options[name];
    else state.options[name] = value;
    saveWork();
    schedule(0);
  });
}

// options: values to start from (a reopened drawing), else the method's defaults.
function selectMethod(name, options = {}) {
  state.method = state.methods.find((m) => m.name === name) || state.methods[0];
  const known = new Set(state.method.options.filter((o) => !o.path).map((o) => o.name));
  state.options = Object.fromEntries(Object.entries(options).filter(([k]) => known.has(k)));
  renderMethod();
  updateStatus();
  saveWork();
  schedule(0);
}

$("reference").addEventListener("change", (e) => { state.reference = e.target.files[0] || null; updateStatus(); schedule(0); });
$("reference-lines").addEventListener("change", (e) => { state.referenceLines = e.target.files[0] || null; schedule(0); });

// ------------------------------------------------------------------ colourizing
// Shading: its panel re-colours on every change (the server keeps the flats, so this only re-shades).
const shading = new Shading($("shading-section"), canvases, () => schedule());

function fields() {
  return {
    shading: shading.fields(),
    lineart: state.image.blob, lineartName: state.image.name, hints: store.toJSON(),
    method: state.method.name, options: { ...state.options, tones: $("tones").value },
    reference: state.method.capabilities.needs_reference ? state.reference : null,
    referenceLines: state.method.capabilities.needs_reference ? state.referenceLines : null,
  };
}

// A manga page: the server lifted the screentone off the lines it coloured; show those lines,
// and the tone layer (multiply) over the flats when the artist keeps it. Plain drawings keep their own.
async function showTones(res) {
  if (res.lines) {
    const lines = await createImageBitmap(res.lines);
    drawLines(lines);
    lines.close?.();
  } else if (state.ownLines) {
    ctx.lines.putImageData(state.ownLines, 0, 0);
  }
  const tone = res.layers.find((l) => l.name === "tone");
  if (!tone) return;
  const bitmap = await createImageBitmap(tone.blob);
  ctx.flats.globalCompositeOperation = "multiply";
  ctx.flats.drawImage(bitmap, 0, 0);
  ctx.flats.globalCompositeOperation = "source-over";
  bitmap.close?.();
}
$("tones").addEventListener("change", () => schedule(0));

function schedule(delay = DEBOUNCE_MS) {
  clearTimeout(state.timer);
  state.timer = setTimeout(run, delay);
}

async function run() {
  if (!state.image || !state.method) return;
  const caps = state.method.capabilities;
  const version = store.version;
  state.controller?.abort();
  if ((caps.needs_hints && store.items.length === 0) || (caps.needs_reference && !state.reference)) {
    // Nothing to ask yet: show the bare drawing.
    state.result = null;
    ctx.flats.clearRect(0, 0, state.image.width, state.image.height);
    stage.dataset.resultVersion = String(version);
    setBusy(false);
    $("status-result").textContent = "";
    updateStatus();
    return;
  }
  const controller = new AbortController();
  state.controller = controller;
  const seq = ++state.seq;
  setBusy(true);
  try {
    const res = await colorize(fields(), controller.signal);
    const bitmap = await createImageBitmap(res.flats);
    if (seq !== state.seq) return; // a newer request has started
    ctx.flats.clearRect(0, 0, bitmap.width, bitmap.height);
    ctx.flats.drawImage(bitmap, 0, 0);
    await shading.draw(res.layers);
    await showTones(res);
    state.result = { ...res, version, background: backgroundColour() };
    stage.dataset.resultVersion = String(version);
    clearError();
    $("status-result").textContent = `${state.method.label}: ${(res.seconds ?? 0).toFixed(2)} s`;
  } catch (e) {
    if (e.name === "AbortError") return;
    if (seq !== state.seq) return;
    stage.dataset.resultVersion = String(version);
    if (e instanceof ApiError && e.code === "colour_picture") { showOffer(state.image.blob, state.image.name, e.message); return; }
    showError(e instanceof ApiError ? `The server could not colour this: ${e.message}` : `Something went wrong: ${e.message}`);
  } finally {
    if (seq === state.seq) setBusy(false);
    updateStatus();
  }
}

// The colour the result gave the background, read from the flats: the paper along the
// image's edge (pixels not under a line). "#rrggbb" when most of it is opaque and
// clearly not white, else null (left unfilled, or white).
function backgroundColour() {
  const { width: w, height: h } = state.image;
  const band = Math.max(1, Math.min(4, Math.floor(Math.min(w, h) / 16)));
  const strips = [[0, 0, w, band], [0, h - band, w, band], [0, band, band, h - 2 * band], [w - band, band, band, h - 2 * band]];
  const counts = new Map();
  let paper = 0, coloured = 0;
  for (const [x, y, sw, sh] of strips) {
    if (sw <= 0 || sh <= 0) continue;
    const f = ctx.flats.getImageData(x, y, sw, sh).data;
    const l = ctx.lines.getImageData(x, y, sw, sh).data;
    for (let i = 0; i < f.length; i += 4) {
      if (l[i + 3] >= 96) continue; // under a line
      paper += 1;
      const off = Math.max(255 - f[i], 255 - f[i + 1], 255 - f[i + 2]);
      if (f[i + 3] < 128 || off < 32) continue;
      coloured += 1;
      const c = (f[i] << 16) | (f[i + 1] << 8) | f[i + 2];
      counts.set(c, (counts.get(c) || 0) + 1);
    }
  }
  if (!paper || coloured / paper < 0.5) return null;
  const [c] = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
  return `#${c.toString(16).padStart(6, "0")}`;
}

// ------------------------------------------------------------------ downloads
function baseName() {
  return (state.image?.name || "drawing").replace(/\.[^.]+$/, "");
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

$("dl-png").addEventListener("click", () => state.result && download(state.result.image, `${baseName()}-colored.png`));
$("dl-flats").addEventListener("click", () => state.result && download(state.result.flats, `${baseName()}-flats.png`));
$("dl-hints").addEventListener("click", () => {
  download(new Blob([JSON.stringify(store.toJSON(), null, 1)], { type: "application/json" }), `${baseName()}.hints.json`);
});
for (const fmt of ["ora", "psd"]) {
  $(`dl-${fmt}`).addEventListener("click", async () => {
    const button = $(`dl-${fmt}`);
    button.disabled = true;
    setBusy(null, +1);
    try {
      download(await layers(fields(), fmt), `${baseName()}.${fmt}`);
    } catch (e) {
      showError(`Could not make the ${fmt.toUpperCase()} file: ${e.message}`);
    } finally {
      button.disabled = !state.result;
      setBusy(null, -1);
    }
  });
}

async function useHintsText(text) {
  try {
    store.commit(parseHints(text, state.image.width, state.image.height));
    clearError();
  } catch (e) {
    showError(`Could not load the hints: ${e.message}`);
  }
}
$("load-hints").addEventListener("click", () => $("hints-input").click());
$("hints-input").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (file && state.image) await useHintsText(await file.text());
});
$("example-hints").addEventListener("click", async () => {
  try {
    await useHintsText(await (await getBlob("/api/example/hints")).text());
  } catch (e) {
    showError(`No example hints: ${e.message}`);
  }
});

// ------------------------------------------------------------------ start
async function start() {
  renderSwatches($("palette"), PALETTE, "");
  renderSwatches($("recent"), state.recent, "Colours you use appear here.");
  setColor(state.color);
  setTool("dot");
  setSize(6);
  applyToggles();
  renderShortcuts();
  updateStatus();
  try {
    const [health, methods] = await Promise.all([getJSON("/api/health"), getJSON("/api/methods"), saver.open()]);
    state.health = health;
    state.methods = methods;
    renderMethods();
    selectMethod(methods.some((m) => m.name === health.default_method) ? health.default_method : methods[0].name);
    $("status-server").textContent = `irodori ${health.version} · ${health.workers.size} worker${health.workers.size === 1 ? "" : "s"}`;
    if (!health.example) for (const id of ["load-example", "drop-example"]) $(id).hidden = true;
    // Reopen the drawing this browser last worked on, with its hints.
    const saved = await saver.load(saver.currentKey());
    if (saved.image) await loadImage(saved.image.blob, saved.image.name, saved.image.example, saved);
    stage.dataset.ready = "true";
  } catch (e) {
    showError(`Cannot start: ${e.message}`);
  }
}

// For scripted checks (tests, a console): the state and the store, read-only use.
window.studio = { state, store, view, saver };
start();
