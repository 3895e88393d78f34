// The studio's calls to the irodori HTTP API. Every error becomes an Error whose
// message is the server's one-line {"error": ...} text (or a clear network message),
// and whose `code` is the server's stable error code where it gives one.

export class ApiError extends Error {
  constructor(message, status, code = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

async function check(res) {
  if (res.ok) return res;
  let text = `${res.status} ${res.statusText}`;
  let code = null;
  try {
    const body = await res.json();
    if (body && typeof body.error === "string") text = body.error;
    if (body && typeof body.code === "string") code = body.code;
  } catch (_) { /* not JSON: keep the status line */ }
  throw new ApiError(text, res.status, code);
}

async function call(url, init = {}) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError("cannot reach the irodori server — is `irodori serve` still running?", 0);
  }
  return check(res);
}

export async function getJSON(url) {
  return (await call(url)).json();
}

export async function getBlob(url) {
  return (await call(url)).blob();
}

// fields: {lineart: Blob, lineartName, hints: object, method, options: object,
//          reference: Blob|null, referenceLines: Blob|null, shading: object|null}
function form(fields, extra) {
  const fd = new FormData();
  fd.append("lineart", fields.lineart, fields.lineartName || "lineart.png");
  fd.append("hints", JSON.stringify(fields.hints));
  fd.append("method", fields.method);
  fd.append("options", JSON.stringify(fields.options || {}));
  if (fields.reference) fd.append("reference", fields.reference, "reference.png");
  if (fields.referenceLines) fd.append("reference_lines", fields.referenceLines, "reference-lines.png");
  if (fields.shading) fd.append("shading", JSON.stringify(fields.shading));
  for (const [k, v] of Object.entries(extra)) fd.append(k, v);
  return fd;
}

// The result as {image: Blob, flats: Blob, regions: Blob|null, seconds, width, height,
// layers: [{name, blend, blob}] (shading: shadow, highlight, coloured lines)}.
export async function colorize(fields, signal) {
  const res = await call("/api/colorize", { method: "POST", body: form(fields, { format: "json", regions: "false" }), signal });
  const data = await res.json();
  return {
    image: b64Blob(data.image), flats: b64Blob(data.flats),
    regions: data.regions ? b64Blob(data.regions) : null,
    lines: data.lines ? b64Blob(data.lines) : null,
    seconds: data.seconds, width: data.width, height: data.height, method: data.method, meta: data.meta || {},
    layers: (data.layers || []).map((l) => ({ name: l.name, blend: l.blend, blob: b64Blob(l.rgba) })),
  };
}

// Would colouring take this file as line art? Resolves to {width, height}; throws the
// ApiError colouring would give (code "colour_picture" for a finished colour picture).
export async function checkLineart(blob, name, signal) {
  const fd = new FormData();
  fd.append("lineart", blob, name || "lineart.png");
  return (await call("/api/lineart/check", { method: "POST", body: fd, signal })).json();
}

// The line art of a colour picture (as `irodori lines` extracts it), a PNG Blob.
export async function extractLines(blob, name, signal) {
  const fd = new FormData();
  fd.append("picture", blob, name || "picture.png");
  return (await call("/api/lines", { method: "POST", body: fd, signal })).blob();
}

export async function layers(fields, format, signal) {
  const res = await call("/api/layers", { method: "POST", body: form(fields, { format }), signal });
  return res.blob();
}

function b64Blob(b64, type = "image/png") {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}
