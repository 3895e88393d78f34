// An offline reference of the HTTP API, rendered from /openapi.json (the Swagger UI
// at /docs needs its scripts from the internet; this page needs nothing else).

const root = document.getElementById("apidoc");

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function resolve(spec, schema) {
  if (schema && schema.$ref) return schema.$ref.split("/").slice(1).reduce((o, k) => o[k], spec);
  return schema || {};
}

function typeOf(schema) {
  if (schema.anyOf) return schema.anyOf.map(typeOf).filter((t) => t !== "null").join(" | ") + " (optional)";
  if (schema.contentMediaType || schema.format === "binary") return "file";
  return schema.type || "any";
}

function table(rows) {
  const t = el("table");
  const head = t.insertRow();
  for (const h of ["field", "where", "type", "required", "what"]) head.append(el("th", h));
  for (const r of rows) {
    const tr = t.insertRow();
    for (const v of r) tr.append(el("td", v));
  }
  return t;
}

async function main() {
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch (e) {
    root.append(el("p", `Cannot load /openapi.json: ${e.message}`, "message"));
    return;
  }
  root.append(el("h1", `${spec.info.title} ${spec.info.version}`));
  if (spec.info.description) root.append(el("p", spec.info.description));
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [verb, op] of Object.entries(ops)) {
      const sec = el("section", undefined, "endpoint");
      const h = el("h2");
      h.append(el("span", verb.toUpperCase(), `verb ${verb}`), el("code", path));
      sec.append(h);
      if (op.summary) sec.append(el("p", op.summary, "summary"));
      if (op.description) sec.append(el("p", op.description, "muted"));
      const rows = [];
      for (const p of op.parameters || []) {
        rows.push([p.name, p.in, typeOf(p.schema || {}), p.required ? "yes" : "no", p.description || ""]);
      }
      for (const [media, body] of Object.entries(op.requestBody?.content || {})) {
        const schema = resolve(spec, body.schema);
        const required = new Set(schema.required || []);
        for (const [name, prop] of Object.entries(schema.properties || {})) {
          rows.push([name, media === "multipart/form-data" ? "form" : media, typeOf(prop),
            required.has(name) ? "yes" : "no", prop.description || ""]);
        }
      }
      if (rows.length) sec.append(table(rows));
      const answers = el("ul", undefined, "answers");
      for (const [code, r] of Object.entries(op.responses || {})) {
        const li = el("li");
        li.append(el("b", code), ` ${r.description || ""}`);
        const types = Object.keys(r.content || {});
        if (types.length) li.append(el("span", ` (${types.join(", ")})`, "muted"));
        answers.append(li);
      }
      sec.append(answers);
      root.append(sec);
    }
  }
}

main();
