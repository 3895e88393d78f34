// The options panel of a method, built from the registry's option metadata
// (GET /api/methods): each option has a human `label`, `help`, and `advanced`
// (internals go under a collapsed "Advanced"); `choices` makes a menu; `path`
// options name files on the server and are never shown (the studio sends no
// paths); `widget` names a special control in WIDGETS. A new control is one
// entry there: (spec, value, changed) -> {element, read}, read() giving the
// option's value, or undefined for "the default".

function kind(spec) {
  const t = String(spec.type);
  return { base: t.replace(/Optional\[|\]/g, "").split("|")[0].trim(), nullable: /None|Optional/.test(t) };
}

function numberOrRaw(raw, base) {
  const n = Number(raw);
  if (base === "int") return Number.isInteger(n) ? n : raw;
  return Number.isFinite(n) ? n : raw;
}

// An <input> of `type` whose blank value means null ("automatic") for a nullable
// option and the default (undefined) otherwise; anything else goes through `parse`.
function typedField(type, value, nullable, changed, parse) {
  const input = document.createElement("input");
  input.type = type;
  input.value = value ?? "";
  if (nullable) input.placeholder = "automatic";
  input.addEventListener("change", changed);
  return {
    element: input,
    read: () => {
      const raw = input.value.trim();
      if (raw === "") return nullable ? null : undefined;
      return parse(raw);
    },
  };
}

export const WIDGETS = {
  checkbox(spec, value, changed) {
    const input = document.createElement("input");
    input.type = "checkbox";
    input.checked = Boolean(value);
    input.addEventListener("change", changed);
    return { element: input, read: () => input.checked };
  },
  select(spec, value, changed) {
    const input = document.createElement("select");
    for (const c of spec.choices) input.append(new Option(c.label, c.value, false, c.value === value));
    input.addEventListener("change", changed);
    return { element: input, read: () => input.value };
  },
  number(spec, value, changed) {
    const { base, nullable } = kind(spec);
    const field = typedField("number", value, nullable, changed, (raw) => numberOrRaw(raw, base));
    field.element.step = base === "int" ? "1" : "any";
    if (spec.min !== null && spec.min !== undefined) field.element.min = String(spec.min);
    if (spec.max !== null && spec.max !== undefined) field.element.max = String(spec.max);
    return field;
  },
  text(spec, value, changed) {
    return typedField("text", value, kind(spec).nullable, changed, (raw) => raw);
  },
};

function widgetFor(spec) {
  if (spec.widget && WIDGETS[spec.widget]) return WIDGETS[spec.widget];
  if (spec.choices) return WIDGETS.select;
  const { base } = kind(spec);
  if (base === "bool") return WIDGETS.checkbox;
  if (base === "int" || base === "float") return WIDGETS.number;
  return WIDGETS.text;
}

// Fill `form` with the controls of `specs`, showing `values` (name -> value, missing = default).
// onChange(name, value) gets undefined when the control is back at the default.
export function renderOptions(form, specs, values, onChange) {
  form.replaceChildren();
  const shown = specs.filter((s) => !s.path);
  const main = document.createElement("div");
  main.className = "option-list";
  const advanced = document.createElement("details");
  advanced.className = "advanced";
  advanced.id = "advanced-options";
  const summary = document.createElement("summary");
  summary.textContent = "Advanced";
  const advancedList = document.createElement("div");
  advancedList.className = "option-list";
  advanced.append(summary, advancedList);

  for (const spec of shown) {
    const value = spec.name in values ? values[spec.name] : spec.default;
    let control = null;
    const changed = () => {
      const v = control.read();
      onChange(spec.name, v === spec.default ? undefined : v);
    };
    control = widgetFor(spec)(spec, value, changed);
    const input = control.element;
    input.name = spec.name;
    input.id = `option-${spec.name}`;
    const row = document.createElement("div");
    row.className = "option";
    row.dataset.name = spec.name;
    const label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = spec.label || spec.name;
    if (input.type === "checkbox") {
      label.prepend(input);
      label.classList.add("check");
      row.append(label);
    } else {
      row.append(label, input);
    }
    if (spec.help) {
      const help = document.createElement("small");
      help.className = "help";
      help.textContent = spec.help;
      row.append(help);
      input.title = spec.help;
    }
    (spec.advanced ? advancedList : main).append(row);
  }
  if (!main.childElementCount && !advancedList.childElementCount) {
    const none = document.createElement("p");
    none.className = "muted small";
    none.textContent = "This method has no options.";
    form.append(none);
    return;
  }
  if (main.childElementCount) form.append(main);
  if (advancedList.childElementCount) form.append(advanced);
}
