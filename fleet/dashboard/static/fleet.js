// The fleet: vehicles with their true status (from GET /vehicles, then vehicle.telemetry and
// vehicle.status events), docks, and the hold / RTL / land commands behind a confirmation.

import { api, session } from "./api.js";
import { confirmAction, el, fmtBool, fmtPct, say } from "./dom.js";

const COMMANDS = {
  hold: ["hold", "stop and hold its position"],
  rtl: ["RTL", "return to its launch point and land there"],
  land: ["land", "land where it is now"],
};

/** A vehicle as the page keeps it, from the API's VehiclePublic. */
export function fromApi(v) {
  const t = v.telemetry || {};
  return {
    id: v.id,
    name: v.name,
    kind: v.kind,
    status: v.status,
    link: v.link,
    armed: t.armed,
    mode: t.mode,
    landed_state: t.landed_state,
    lon_deg: t.lon_deg,
    lat_deg: t.lat_deg,
    alt_amsl_m: t.alt_amsl_m,
    alt_agl_m: undefined,
    heading_deg: t.heading_deg,
    battery_fraction: t.battery_fraction,
  };
}

/** Merge a vehicle.telemetry event into the vehicle (heading from its motion if not given). */
export function applyTelemetry(v, data) {
  if (data.lon_deg != null && data.lat_deg != null && v.lon_deg != null && v.lat_deg != null) {
    const heading = bearingDeg([v.lon_deg, v.lat_deg], [data.lon_deg, data.lat_deg]);
    if (heading !== null) v.heading_deg = heading;
  }
  for (const key of ["name", "status", "link", "armed", "mode", "landed_state", "lon_deg", "lat_deg",
    "alt_amsl_m", "alt_agl_m", "heading_deg"]) {
    if (data[key] !== undefined && data[key] !== null) v[key] = data[key];
  }
  if (typeof data.battery_pct === "number") v.battery_fraction = data.battery_pct / 100;
}

/** Initial bearing from a to b in degrees, or null when they are less than ~1 m apart. */
function bearingDeg([lon1, lat1], [lon2, lat2]) {
  const rad = Math.PI / 180;
  const dx = (lon2 - lon1) * Math.cos(lat1 * rad);
  const dy = lat2 - lat1;
  if (Math.hypot(dx, dy) < 1e-5) return null;
  return (Math.atan2(dx, dy) / rad + 360) % 360;
}

function altitudeText(v) {
  if (typeof v.alt_agl_m === "number") return `${v.alt_agl_m.toFixed(0)} m`;
  if (typeof v.alt_amsl_m === "number") return `${v.alt_amsl_m.toFixed(0)} m AMSL`;
  return "–";
}

/** Draw the vehicles table (one row per vehicle, rebuilt from the state). */
export function renderVehicles(vehicles) {
  const body = document.querySelector("#vehicles tbody");
  const canCommand = session.can("command");
  const rows = [...vehicles.values()].sort((a, b) => a.id - b.id).map((v) =>
    el("tr", { dataset: { vehicleId: v.id, link: v.link || "unknown" } },
      el("td", { class: "name" }, v.name, el("small", {}, ` ${v.kind === "ground_robot" ? "robot" : "drone"}`)),
      el("td", { class: "status" }, v.status || "–"),
      el("td", { class: "armed" }, fmtBool(v.armed, "armed", "disarmed")),
      el("td", { class: "mode" }, v.mode || "–"),
      el("td", { class: "battery" }, fmtPct(v.battery_fraction)),
      el("td", { class: "alt" }, altitudeText(v)),
      el("td", { class: `link link-${v.link || "unknown"}` }, v.link || "unknown"),
      canCommand ? el("td", { class: "commands" }, ...commandButtons(v)) : null,
    ),
  );
  body.replaceChildren(...rows);
  say("vehicle-count", String(vehicles.size));
}

function commandButtons(v) {
  return Object.entries(COMMANDS).map(([command, [label]]) =>
    el("button", {
      type: "button",
      class: `command command-${command}`,
      dataset: { command },
      onclick: () => sendCommand(v, command),
    }, label),
  );
}

async function sendCommand(v, command) {
  const [label, what] = COMMANDS[command];
  const ok = await confirmAction(`Send ${label} to ${v.name}? It will ${what}.`, `send ${label}`);
  if (!ok) return;
  say("action-error", "");
  try {
    const result = await api(`/vehicles/${v.id}/commands`, { method: "POST", body: { command } });
    say("mission-detail", `${label} → ${v.name}: ${result.outcome} (audit #${result.audit_id})`, { hideEmpty: true });
  } catch (err) {
    say("action-error", `${label} → ${v.name} refused: ${err.message}`);
  }
}

/** Draw the docks table. */
export function renderDocks(docks) {
  const rows = docks.map((d) =>
    el("tr", { dataset: { dockId: d.id } },
      el("td", {}, d.name),
      el("td", {}, String(d.slots)),
      el("td", {}, `${d.lat_deg.toFixed(5)}, ${d.lon_deg.toFixed(5)}`),
    ),
  );
  document.querySelector("#docks tbody").replaceChildren(...rows);
  say("dock-count", String(docks.length));
}
