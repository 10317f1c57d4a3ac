// The per-vehicle schedule: one row per vehicle, one bar per mission whose flight is reserved
// (its live intent volumes' time span), and a line at the present.

import { el, say } from "./dom.js";

const SPAN_MIN_S = 3600;

/**
 * Draw the schedule.
 * @param vehicles Map id -> vehicle
 * @param missions Map id -> mission (its vehicle_id and state)
 * @param intents the /map/intents.geojson collection (own volumes carry mission_id)
 */
export function renderGantt(vehicles, missions, intents) {
  const spans = new Map(); // mission id -> [t0 ms, t1 ms]
  for (const f of intents.features) {
    const id = f.properties.mission_id;
    if (id == null) continue;
    const t0 = Date.parse(f.properties.time_start);
    const t1 = Date.parse(f.properties.time_end);
    if (Number.isNaN(t0) || Number.isNaN(t1)) continue;
    const known = spans.get(id);
    spans.set(id, known ? [Math.min(known[0], t0), Math.max(known[1], t1)] : [t0, t1]);
  }
  const now = Date.now();
  const start = now - 5 * 60e3;
  const end = Math.max(now + SPAN_MIN_S * 1000, ...[...spans.values()].map((s) => s[1]));
  const x = (t) => `${(100 * (t - start)) / (end - start)}%`;
  const width = (a, b) => `${Math.max(0.5, (100 * (b - a)) / (end - start))}%`;
  const rows = [...vehicles.values()].sort((a, b) => a.id - b.id).map((v) => {
    const bars = [...spans.entries()]
      .filter(([id]) => missions.get(id) && missions.get(id).vehicle_id === v.id)
      .map(([id, [t0, t1]]) => {
        const m = missions.get(id);
        const when = `${clock(t0)}–${clock(t1)}`;
        return el("div", {
          class: `bar state-${m.state}`,
          dataset: { missionId: id },
          style: `left:${x(Math.max(t0, start))};width:${width(Math.max(t0, start), t1)}`,
          title: `mission ${id} (${m.kind}, ${m.state}) ${when}`,
        }, String(id));
      });
    return el("div", { class: "gantt-row" },
      el("span", { class: "gantt-name" }, v.name),
      el("div", { class: "gantt-lane" }, ...bars, el("div", { class: "now", style: `left:${x(now)}` })));
  });
  document.getElementById("gantt").replaceChildren(...rows);
  say("gantt-range", `${clock(start)} → ${clock(end)}`);
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
