// skyfleet dashboard: vehicles, routes, intent volumes and missions on an SVG map in lon/lat.
// Data: REST for the initial state, /ws/events for live updates. No external resources.
"use strict";

const API = { vehicles: "/vehicles", missions: "/missions", intents: "/intents", events: "/ws/events" };
const state = { token: null, vehicles: new Map(), missions: new Map(), intents: new Map(), frame: null };
const SVG_NS = "http://www.w3.org/2000/svg";

function readToken() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const fromHash = hash.get("token");
  if (fromHash) { sessionStorage.setItem("skyfleet.token", fromHash); history.replaceState(null, "", location.pathname); }
  return fromHash || sessionStorage.getItem("skyfleet.token");
}

function setStatus(text, kind) {
  const el = document.getElementById("status");
  el.textContent = text; el.dataset.state = kind;
}

async function getJSON(path) {
  const resp = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
  if (!resp.ok) throw new Error(`${path}: HTTP ${resp.status}`);
  const body = await resp.json();
  return Array.isArray(body) ? body : (body.items || body.data || []);
}

// Fields may sit at the top level or in a nested telemetry/position object.
function pick(obj, ...names) {
  for (const src of [obj, obj.telemetry, obj.position, obj.last_telemetry, obj.latest_telemetry]) {
    if (!src) continue;
    for (const n of names) if (src[n] !== undefined && src[n] !== null) return src[n];
  }
  return undefined;
}

function vehicleLonLat(v) {
  const lon = pick(v, "lon_deg", "lon", "longitude_deg"), lat = pick(v, "lat_deg", "lat", "latitude_deg");
  return (typeof lon === "number" && typeof lat === "number") ? [lon, lat] : null;
}

function routeLonLats(m) {
  const route = m.route || (m.legs && m.legs.length ? m.legs[0].route : null);
  const wps = route && (route.waypoints || route.coordinates);
  if (!wps) return [];
  return wps.map(w => Array.isArray(w) ? [w[0], w[1]] : [w.lon_deg ?? w.lon, w.lat_deg ?? w.lat]);
}

function volumeRings(intent) {
  const details = intent.details || intent.operational_intent?.details || intent;
  const vols = (details.volumes || []).concat(details.off_nominal_volumes || []);
  return vols.map(v => (v.volume || v).outline_polygon?.vertices || [])
    .filter(vs => vs.length).map(vs => vs.map(p => [p.lng, p.lat]));
}

function updateFrame() {
  const pts = [];
  for (const v of state.vehicles.values()) { const p = vehicleLonLat(v); if (p) pts.push(p); }
  for (const m of state.missions.values()) pts.push(...routeLonLats(m));
  for (const i of state.intents.values()) for (const r of volumeRings(i)) pts.push(...r);
  if (!pts.length) return;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of pts) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  const k = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
  const span = Math.max((x1 - x0) * k, y1 - y0, 1e-4) * 1.1;
  state.frame = { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, k, scale: 1000 / span };
}

function toSvg([lon, lat]) {
  const f = state.frame;
  return [500 + (lon - f.cx) * f.k * f.scale, 500 - (lat - f.cy) * f.scale];
}

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawMap() {
  updateFrame();
  const layers = ["volumes", "routes", "vehicles"].map(n => document.getElementById(`layer-${n}`));
  layers.forEach(l => l.replaceChildren());
  if (!state.frame) return;
  for (const [id, intent] of state.intents) for (const ring of volumeRings(intent)) {
    const cls = intent.own === false ? "volume foreign" : "volume";
    layers[0].append(el("polygon", { class: cls, "data-intent-id": id, points: ring.map(p => toSvg(p).join(",")).join(" ") }));
  }
  for (const [id, m] of state.missions) {
    const pts = routeLonLats(m);
    if (pts.length > 1) layers[1].append(el("polyline", { class: "route", "data-mission-id": id, points: pts.map(p => toSvg(p).join(",")).join(" ") }));
  }
  for (const [id, v] of state.vehicles) {
    const p = vehicleLonLat(v); if (!p) continue;
    const [x, y] = toSvg(p);
    const g = el("g", { class: `vehicle ${v.kind || ""} ${isLost(v) ? "lost" : ""}`, "data-vehicle-id": id, transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` });
    g.append(el("circle", { r: 6 }), el("text", { x: 8, y: 4 }, v.name || id));
    layers[2].append(g);
  }
}

function isLost(v) { return [v.status, v.link, v.link_state].some(s => s === "lost"); }

function fillTable(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren(...rows.map(cells => {
    const tr = document.createElement("tr");
    tr.dataset.id = cells[0];
    for (const c of cells) { const td = document.createElement("td"); td.textContent = c ?? "-"; tr.append(td); }
    return tr;
  }));
}

function batteryPct(v) {
  const pct = pick(v, "battery_pct", "remaining_pct");
  if (typeof pct === "number") return pct;
  const frac = pick(v, "battery_fraction");
  return typeof frac === "number" ? 100 * frac : undefined;
}

function fmt(x, digits, unit) { return typeof x === "number" ? `${x.toFixed(digits)} ${unit}` : "-"; }

function drawTables() {
  fillTable("vehicles", [...state.vehicles].map(([id, v]) => [
    v.name || id, v.kind, v.status || v.link_state || v.mode,
    fmt(batteryPct(v), 0, "%"),
    fmt(pick(v, "alt_agl_m", "relative_alt_m", "alt_rel_m", "alt_amsl_m"), 0, "m")]));
  fillTable("missions", [...state.missions].map(([id, m]) => [id, m.kind, m.state, m.vehicle_id]));
  document.getElementById("vehicle-count").textContent = state.vehicles.size;
  document.getElementById("mission-count").textContent = state.missions.size;
}

let redrawPending = false;
function redraw() {
  if (redrawPending) return;
  redrawPending = true;
  requestAnimationFrame(() => { redrawPending = false; drawMap(); drawTables(); });
}

function keyOf(obj) { return String(obj.id ?? obj.vehicle_id ?? obj.mission_id ?? obj.intent_id); }

async function loadAll() {
  const [vehicles, missions, intents] = await Promise.all([
    getJSON(API.vehicles), getJSON(API.missions), getJSON(API.intents).catch(() => [])]);
  vehicles.forEach(v => state.vehicles.set(keyOf(v), v));
  missions.forEach(m => state.missions.set(keyOf(m), m));
  intents.forEach(i => state.intents.set(keyOf(i), i));
  drawMap(); drawTables();
}

function merge(map, id, patch) { map.set(id, Object.assign(map.get(id) || { id }, patch)); }

function onEvent(ev) {
  const type = String(ev.type || ev.kind || "");
  const data = ev.data || ev.payload || ev;
  if (type.startsWith("telemetry") || type.startsWith("vehicle")) merge(state.vehicles, String(data.vehicle_id ?? data.id), data);
  else if (type.startsWith("mission")) merge(state.missions, String(data.mission_id ?? data.id), data);
  else if (type.startsWith("intent")) merge(state.intents, String(data.intent_id ?? data.id), data);
  if (!type.startsWith("telemetry")) {
    const li = document.createElement("li");
    li.textContent = `${type} ${data.mission_id || data.vehicle_id || data.id || ""} ${data.state || ""}`;
    const list = document.getElementById("events");
    list.prepend(li);
    while (list.children.length > 100) list.lastChild.remove();
  }
  redraw();
}

function connectEvents() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}${API.events}?token=${encodeURIComponent(state.token)}`);
  ws.onopen = () => setStatus("live", "live");
  ws.onmessage = msg => { try { onEvent(JSON.parse(msg.data)); } catch (e) { console.warn(e); } };
  ws.onclose = () => { setStatus("reconnecting", "error"); setTimeout(connectEvents, 2000); };
}

async function start() {
  state.token = readToken();
  if (!state.token) {
    const form = document.getElementById("token-form");
    form.hidden = false; setStatus("token needed", "error");
    form.onsubmit = e => { e.preventDefault(); sessionStorage.setItem("skyfleet.token", document.getElementById("token-input").value); location.reload(); };
    return;
  }
  try { await loadAll(); setStatus("loaded", "loaded"); connectEvents(); }
  catch (e) { setStatus(String(e.message || e), "error"); }
}

start();
