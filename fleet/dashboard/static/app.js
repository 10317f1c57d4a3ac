// skyfleet dashboard: log in, then the city, the airspace and the fleet on a 3D map, kept live
// from /ws/events; booking and commands as far as the user's role allows.

import { ApiError, api, eventStream, session } from "./api.js";
import { say } from "./dom.js";
import { applyTelemetry, fromApi, renderDocks, renderVehicles } from "./fleet.js";
import { renderGantt } from "./gantt.js";
import { MapView } from "./map.js";
import { Inspections } from "./inspect.js";
import { Missions } from "./missions.js";

const vehicles = new Map();
let mapView = null;
let missions = null;
let inspections = null;
let stream = null;
let redraw = null;

function main() {
  try {
    mapView = new MapView("map", (lonLat) => {
      if (inspections && inspections.drawing) return inspections.mapClicked(lonLat);
      return !!missions && missions.mapClicked(lonLat);
    });
    mapView.followBearing(vehicles);
    mapView.explainOnClick();
  } catch (err) {
    say("map-hint", `The map cannot be drawn here (${err.message}); the tables still work.`, { hideEmpty: true });
    mapView = nullMap();
  }
  missions = new Missions(mapView, vehicles);
  inspections = new Inspections(mapView, missions);
  window.skyfleet = { map: mapView.map, session, vehicles, missions, dropEvents: () => stream && stream.drop() };

  document.getElementById("intent-time").addEventListener("input", showIntentTime);
  document.getElementById("login-form").addEventListener("submit", login);
  document.getElementById("logout").addEventListener("click", () => session.end("You logged out."));
  session.onStart.push(started);
  session.onEnd.push(ended);

  const stored = session.stored();
  if (stored && stored.token && (!stored.expiresAt || stored.expiresAt > Date.now())) {
    session.start(stored.token, stored.expiresAt).catch((err) => {
      const refused = err instanceof ApiError && err.status === 401; // the login shows already
      if (!session.me && !refused) session.end(`The service did not answer (${err.message}): log in again.`);
    });
  } else {
    session.end(stored ? "Your session expired: log in again." : "");
  }
}

async function login(event) {
  event.preventDefault();
  say("login-error", "");
  const user = document.getElementById("login-user").value;
  const password = document.getElementById("login-password").value;
  try {
    await session.login(user, password);
    document.getElementById("login-password").value = "";
  } catch (err) {
    say("login-error", err.message);
  }
}

function started(me) {
  document.getElementById("login-dialog").close();
  say("who", `${me.subject.replace(/^user:/, "")} · ${me.role} · ${me.operator_name}`);
  document.getElementById("who").hidden = false;
  document.getElementById("logout").hidden = false;
  for (const node of document.querySelectorAll("[data-needs]")) node.hidden = !session.can(node.dataset.needs);
  // the inspection form opens for inspectors; a dispatcher's panel leads with deliveries
  document.getElementById("inspection-details").open = !session.can("book_delivery");
  loadAll();
  if (stream) stream.stop();
  stream = eventStream(onEvent, (state, text) => {
    const badge = document.getElementById("link-status");
    badge.dataset.state = state;
    badge.textContent = text;
  });
}

function ended(reason) {
  if (stream) stream.stop();
  stream = null;
  vehicles.clear();
  for (const id of ["#vehicles", "#docks", "#missions"]) document.querySelector(`${id} tbody`).replaceChildren();
  document.getElementById("gantt").replaceChildren();
  for (const node of document.querySelectorAll("[data-needs]")) node.hidden = true;
  document.getElementById("who").hidden = true;
  document.getElementById("logout").hidden = true;
  say("login-reason", reason, { hideEmpty: true });
  const dialog = document.getElementById("login-dialog");
  if (!dialog.open) dialog.showModal();
}

async function loadAll() {
  const points = [];
  const tasks = [
    api("/map/buildings.geojson").then((c) => mapView.setBuildings(c)),
    api("/map/zones.geojson").then((c) => {
      for (const f of c.features) points.push(...f.geometry.coordinates[0]);
      return mapView.setData("zones", c);
    }),
    refreshIntents(),
    api("/docks").then((docks) => {
      renderDocks(docks);
      for (const d of docks) points.push([d.lon_deg, d.lat_deg]);
      return mapView.setDocks(docks);
    }),
    loadVehicles(),
    missions.load(),
  ];
  const results = await Promise.allSettled(tasks);
  for (const v of vehicles.values()) if (v.lon_deg != null) points.push([v.lon_deg, v.lat_deg]);
  if (mapView.frame) await mapView.frame(points);
  const failed = results.filter((r) => r.status === "rejected" && session.token);
  say("action-error", failed.map((r) => r.reason.message).join("; "));
}

async function loadVehicles() {
  const list = await api("/vehicles");
  vehicles.clear();
  for (const v of list) vehicles.set(v.id, fromApi(v));
  for (const v of vehicles.values()) mapView.showVehicle(v);
  renderVehicles(vehicles);
  drawSchedule();
}

let intentsTimer = null;
let liveIntents = { type: "FeatureCollection", features: [] };
function refreshIntents() {
  clearTimeout(intentsTimer);
  return new Promise((resolve) => {
    intentsTimer = setTimeout(() => {
      api("/map/intents.geojson")
        .then((c) => {
          liveIntents = c;
          drawSchedule();
          return mapView.setIntents(c);
        })
        .then(resolve, resolve);
    }, 200);
  });
}

function drawSchedule() {
  renderGantt(vehicles, missions.missions, liveIntents);
}

/** The time slider: every live intent, or those in use N minutes from now. */
function showIntentTime() {
  const minutes = Number(document.getElementById("intent-time").value);
  if (minutes < 0) {
    say("intent-time-out", "all live");
    mapView.showIntentsAt(null);
    return;
  }
  const at = new Date(Date.now() + minutes * 60e3);
  say("intent-time-out", `${minutes ? `+${minutes} min` : "now"} (${at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })})`);
  mapView.showIntentsAt(at.getTime() / 1000);
}

function onEvent(kind, data) {
  if (kind === "vehicle.telemetry" || kind === "vehicle.status") {
    const v = vehicles.get(data.vehicle_id);
    if (!v) return;
    applyTelemetry(v, data);
    mapView.showVehicle(v);
    missions.telemetry(data);
    scheduleRedraw();
  } else if (kind === "vehicle.registered" || kind === "vehicle.deleted" || kind === "vehicle.updated") {
    for (const marker of mapView.markers.values()) marker.remove();
    mapView.markers.clear();
    loadVehicles().catch(() => {});
  } else if (kind === "mission.state") {
    missions.stateChanged(data);
    refreshIntents();
  } else if (kind.startsWith("intent.")) {
    refreshIntents();
  } else if (kind === "city.loaded") {
    mapView.framed = false;
    api("/map/buildings.geojson").then((c) => mapView.setBuildings(c)).then(() => mapView.frame([]), () => {});
  }
}

/** Redraw the vehicles table at most once a frame, however many events arrive. */
function scheduleRedraw() {
  if (redraw) return;
  redraw = requestAnimationFrame(() => {
    redraw = null;
    renderVehicles(vehicles);
  });
}

/** A stand-in when WebGL is missing: the tables keep working. */
function nullMap() {
  return {
    map: null,
    markers: new Map(),
    setBuildings: async () => {},
    setData: async () => {},
    setDocks: async () => {},
    setLine: async () => {},
    setBooking: async () => {},
    setArea: async () => {},
    setIntents: async () => {},
    showIntentsAt: async () => {},
    frame: async () => {},
    showVehicle: () => {},
    hint: () => {},
  };
}

main();
