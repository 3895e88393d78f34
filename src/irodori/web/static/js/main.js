// irodori studio: wires the page to the API. The method list, their options and
// what they need all come from /api/methods, so new methods need no change here.

import { ApiError, colorize, getBlob, getJSON, layers } from "./api.js";
import { HintStore, TRANSPARENT, drawHints, hintDistance, parseHints } from "./hints.js";
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
const canvases = { flats: $("flats"), lines: $("lines"), hints: $("hints") };
const ctx = {
  flats: canvases.flats.getContext("2d", { willReadFrequently: true }),
  lines: canvases.lines.getContext("2d"),
  hints: canvases.hints.getContext("2d"),
};

const store = new HintStore();
const state = {
  image: null, // {blob, name, width, height}
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

function updateCoach() {
  const coach = $("coach");
  const m = state.method;
  let text = "";
  if (state.image && m) {
    const n = store.items.length;
    if (m.capabilities.needs_reference && !state.reference) {
      text = "This method colours from a reference: upload a coloured picture of the same character on the right.";
    } else if (m.capabilities.uses_hints && n === 0) {
      text = "Pick a colour on the left, then click inside a shape — the colour fills it up to the lines.";
    } else if (m.capabilities.uses_hints && state.result?.paperFilled && !store.items.some((h) => h.color === TRANSPARENT)) {
      text = "The background got a colour too: put a Transparent (T) dot on it to keep it white. Add a dot for every part.";
    }
  }
  coach.textContent = text;
  coach.hidden = !text;
  const steps = [$("step-open"), $("step-hint"), $("step-save")];
  const at = !state.image ? 0 : store.items.length === 0 && !state.result ? 1 : 2;
  steps.forEach((li, i) => {
    li.classList.toggle("done", i < at);
    li.classList.toggle("current", i === at);
  });
}

function updateStatus() {
  const img = state.image;
  $("status-image").textContent = img ? `${img.name} — ${img.width}×${img.height}` : "No image";
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

document.addEventListener("keydown", (e) => {
  if (typing(e)) return;
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key.toLowerCase();
  if (mod && k === "z") { e.preventDefault(); e.shiftKey ? store.redo() : store.undo(); return; }
  if (mod && k === "y") { e.preventDefault(); store.redo(); return; }
  if (mod) return;
  if (e.key === " ") { if (!state.space) { state.space = true; viewport.classList.add("panning"); updateCursor(); } e.preventDefault(); return; }
  const tools = { d: "dot", b: "brush", e: "eraser", i: "picker", h: "pan" };
  if (tools[k]) setTool(tools[k]);
  else if (k === "t") setColor(TRANSPARENT);
  else if (e.key === "[") setSize(state.size - 1);
  else if (e.key === "]") setSize(state.size + 1);
  else if (e.key === "+" || e.key === "=") view.zoomCentre(1.25);
  else if (e.key === "-") view.zoomCentre(0.8);
  else if (e.key === "0") view.fit();
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
  schedule();
});

// ------------------------------------------------------------------ show toggles
function applyToggles() {
  canvases.flats.hidden = !$("show-flats").checked;
  canvases.lines.hidden = !$("show-lines").checked;
  canvases.hints.hidden = !$("show-hints").checked;
}
for (const id of ["show-flats", "show-lines", "show-hints"]) $(id).addEventListener("change", applyToggles);

// ------------------------------------------------------------------ loading line art
async function loadImage(blob, name, example = false) {
  clearError();
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
  state.image = { blob, name, width, height, example };
  state.result = null;
  for (const c of Object.values(canvases)) { c.width = width; c.height = height; }
  drawLines(bitmap);
  bitmap.close?.();
  ctx.flats.clearRect(0, 0, width, height);
  stage.dataset.state = "loaded";
  stage.dataset.resultVersion = "-1";
  $("dropzone").hidden = true;
  sheet.hidden = false;
  view.setSize(width, height);
  setSize(Math.max(2, Math.round(Math.min(width, height) / 80)));
  store.reset();
}

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
function optionKind(spec) {
  const t = String(spec.type);
  const nullable = /None|Optional/.test(t);
  const base = t.replace(/Optional\[|\]/g, "").split("|")[0].trim();
  return { base, nullable };
}

function renderMethod() {
  const m = state.method;
  $("method-description").textContent = m.description;
  const badges = $("method-badges");
  badges.replaceChildren();
  const caps = m.capabilities;
  const add = (text, need) => {
    const b = document.createElement("span");
    b.className = "badge" + (need ? " need" : "");
    b.textContent = text;
    badges.append(b);
  };
  if (caps.needs_hints) add("needs hints", true);
  if (caps.needs_reference) add("needs a reference", true);
  if (!caps.uses_hints) add("ignores hints");
  if (caps.flats) add("flat colours");
  $("reference-box").hidden = !caps.needs_reference;

  const form = $("options");
  form.replaceChildren();
  for (const spec of m.options) {
    const { base, nullable } = optionKind(spec);
    // Options naming files on the server are not for the studio (it accepts no paths).
    if (spec.path) continue;
    const label = document.createElement("label");
    label.title = spec.help || "";
    let input;
    if (base === "bool") {
      label.className = "check";
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = Boolean(spec.default);
      label.append(input, spec.name);
    } else {
      if (spec.choices) {
        input = document.createElement("select");
        for (const c of spec.choices) input.append(new Option(c.label, c.value, false, c.value === spec.default));
      } else {
        input = document.createElement("input");
        input.type = base === "int" || base === "float" ? "number" : "text";
        if (base === "int") input.step = "1";
        if (base === "float") input.step = "any";
        input.value = spec.default ?? "";
        if (nullable) input.placeholder = "auto";
      }
      label.append(spec.name, input);
    }
    input.name = spec.name;
    input.addEventListener("change", () => {
      const v = readOption(input, base, nullable);
      if (v === undefined || v === spec.default) delete state.options[spec.name];
      else state.options[spec.name] = v;
      schedule(0);
    });
    form.append(label);
  }
}

function readOption(input, base, nullable) {
  if (base === "bool") return input.checked;
  const raw = input.value.trim();
  if (raw === "") return nullable ? null : undefined;
  if (base === "int") return Number.isInteger(Number(raw)) ? Number(raw) : raw;
  if (base === "float") return Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return raw;
}

function selectMethod(name) {
  state.method = state.methods.find((m) => m.name === name) || state.methods[0];
  $("method").value = state.method.name;
  state.options = {};
  renderMethod();
  updateStatus();
  schedule(0);
}
$("method").addEventListener("change", (e) => selectMethod(e.target.value));

$("reference").addEventListener("change", (e) => { state.reference = e.target.files[0] || null; updateStatus(); schedule(0); });
$("reference-lines").addEventListener("change", (e) => { state.referenceLines = e.target.files[0] || null; schedule(0); });

// ------------------------------------------------------------------ colourizing
function fields() {
  return {
    lineart: state.image.blob, lineartName: state.image.name, hints: store.toJSON(),
    method: state.method.name, options: state.options,
    reference: state.method.capabilities.needs_reference ? state.reference : null,
    referenceLines: state.method.capabilities.needs_reference ? state.referenceLines : null,
  };
}

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
    // Is the paper at the corners filled? Then the coach suggests a transparent dot.
    const corner = (x, y) => ctx.flats.getImageData(x, y, 1, 1).data[3] > 0;
    const w = bitmap.width - 1, h = bitmap.height - 1;
    const paperFilled = [corner(0, 0), corner(w, 0), corner(0, h), corner(w, h)].filter(Boolean).length >= 3;
    state.result = { ...res, version, paperFilled };
    stage.dataset.resultVersion = String(version);
    clearError();
    $("status-result").textContent = `${state.method.name}: ${(res.seconds ?? 0).toFixed(2)} s`;
  } catch (e) {
    if (e.name === "AbortError") return;
    if (seq !== state.seq) return;
    stage.dataset.resultVersion = String(version);
    showError(e instanceof ApiError ? `The server could not colour this: ${e.message}` : `Something went wrong: ${e.message}`);
  } finally {
    if (seq === state.seq) setBusy(false);
    updateStatus();
  }
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
  updateStatus();
  try {
    const [health, methods] = await Promise.all([getJSON("/api/health"), getJSON("/api/methods")]);
    state.health = health;
    state.methods = methods;
    const select = $("method");
    for (const m of methods) select.append(new Option(m.name, m.name));
    selectMethod(methods.some((m) => m.name === health.default_method) ? health.default_method : methods[0].name);
    $("status-server").textContent = `irodori ${health.version} · ${health.workers.size} worker${health.workers.size === 1 ? "" : "s"}`;
    if (!health.example) for (const id of ["load-example", "drop-example"]) $(id).hidden = true;
    stage.dataset.ready = "true";
  } catch (e) {
    showError(`Cannot start: ${e.message}`);
  }
}

// For scripted checks (tests, a console): the state and the store, read-only use.
window.studio = { state, store, view };
start();
