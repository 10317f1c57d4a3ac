// DOM helpers: every piece of data reaches the page through textContent or an attribute,
// never through innerHTML, so nothing a user typed (a vehicle's name, a reason) is parsed as HTML.

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Set an element's text (and hide it when empty, if asked). */
export function say(id, text, { hideEmpty = false } = {}) {
  const node = document.getElementById(id);
  node.textContent = text || "";
  if (hideEmpty) node.hidden = !text;
}

/** Ask for confirmation in a modal dialog; resolves true when confirmed. */
export function confirmAction(text, confirmLabel = "confirm") {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-yes").textContent = confirmLabel;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

/** Show a time in a datetime-local input, in the browser's time zone. */
export function setLocal(id, date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60e3);
  document.getElementById(id).value = local.toISOString().slice(0, 16);
}

export function fmtPct(fraction) {
  return typeof fraction === "number" ? `${Math.round(fraction * 100)} %` : "–";
}

export function fmtM(metres) {
  return typeof metres === "number" ? `${metres.toFixed(0)} m` : "–";
}

export function fmtBool(value, yes, no) {
  return value === true ? yes : value === false ? no : "–";
}
