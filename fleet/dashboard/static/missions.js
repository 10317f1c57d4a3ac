// The dispatcher's work: book a delivery by clicking pickup and dropoff on the map, the
// missions list (state and reason, live from mission.state events), the selected mission's
// planned route and flown track, and cancel / abort behind a confirmation.

import { ApiError, api, session } from "./api.js";
import { confirmAction, el, say, setLocal } from "./dom.js";

const BEFORE_FLIGHT = new Set(["requested", "scheduled", "approved"]);
const FLYING = new Set(["uploaded", "in_flight"]);

export class Missions {
  constructor(mapView, vehicles) {
    this.mapView = mapView;
    this.vehicles = vehicles;
    this.missions = new Map();
    this.tracks = new Map(); // mission id -> [[lon, lat], ...] flown, from telemetry events
    this.selected = null;
    this.picking = null; // "pickup" | "dropoff" | null
    this.pickup = null;
    this.dropoff = null;
    this.wireForm();
  }

  // ---- booking -------------------------------------------------------------------------

  wireForm() {
    document.getElementById("pick-pickup").addEventListener("click", () => this.pick("pickup"));
    document.getElementById("pick-dropoff").addEventListener("click", () => this.pick("dropoff"));
    document.getElementById("delivery-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.book();
    });
    const now = Date.now();
    setLocal("earliest", new Date(now + 5 * 60e3));
    setLocal("latest", new Date(now + 65 * 60e3));
  }

  pick(which) {
    this.picking = which;
    this.mapView.hint(`Click the map where the parcel is ${which === "pickup" ? "picked up" : "delivered"}.`);
  }

  /** A click on the map: sets the point being picked (pickup first, then dropoff). */
  mapClicked(lonLat) {
    if (!session.can("book_delivery") || !this.picking) return false;
    const rounded = lonLat.map((x) => Math.round(x * 1e6) / 1e6);
    if (this.picking === "pickup") {
      this.pickup = rounded;
      say("pickup-out", fmtPoint(rounded));
      this.pick("dropoff");
    } else {
      this.dropoff = rounded;
      say("dropoff-out", fmtPoint(rounded));
      this.picking = null;
      this.mapView.hint("");
    }
    this.mapView.setBooking(this.pickup, this.dropoff);
    return true;
  }

  /** The request, or a message saying what the API would refuse. */
  request() {
    if (!this.pickup) return [null, "Set the pickup: click 'set pickup on map', then the map."];
    if (!this.dropoff) return [null, "Set the dropoff on the map."];
    const payload = Number(document.getElementById("payload").value);
    if (!(payload > 0)) return [null, "payload_kg: give a payload above 0 kg."];
    const earliest = localTime("earliest");
    const latest = localTime("latest");
    if (!earliest || !latest) return [null, "Give the earliest pickup and the latest delivery times."];
    if (latest <= earliest) return [null, "latest_delivery must be after earliest_pickup."];
    return [{
      pickup: { lon_deg: this.pickup[0], lat_deg: this.pickup[1] },
      dropoff: { lon_deg: this.dropoff[0], lat_deg: this.dropoff[1] },
      payload_kg: payload,
      earliest_pickup: earliest.toISOString(),
      latest_delivery: latest.toISOString(),
      priority: document.getElementById("priority").value,
    }, null];
  }

  async book() {
    say("booking-error", "");
    say("booking-ok", "");
    const [body, problem] = this.request();
    if (problem) {
      say("booking-error", problem);
      return;
    }
    const button = document.getElementById("book");
    button.disabled = true;
    try {
      const mission = await api("/missions/deliveries", { method: "POST", body });
      this.upsert(mission);
      say("booking-ok", `Booked: mission ${mission.id} (${mission.state}).`);
      this.pickup = this.dropoff = null;
      say("pickup-out", "no pickup");
      say("dropoff-out", "no dropoff");
      this.mapView.setBooking(null, null);
      this.select(mission.id);
    } catch (err) {
      say("booking-error", err instanceof ApiError ? `Refused: ${err.message}` : String(err));
    } finally {
      button.disabled = false;
    }
  }

  // ---- the missions list ---------------------------------------------------------------

  async load() {
    const list = await api("/missions?limit=100");
    this.missions = new Map(list.map((m) => [m.id, m]));
    this.render();
  }

  upsert(mission) {
    this.missions.set(mission.id, { ...(this.missions.get(mission.id) || {}), ...mission });
    this.render();
  }

  /** A mission.state event. */
  stateChanged(data) {
    const known = this.missions.get(data.mission_id);
    if (!known) {
      api(`/missions/${data.mission_id}`).then((m) => this.upsert(m), () => {});
      return;
    }
    this.upsert({ id: data.mission_id, state: data.state, state_reason: data.reason, vehicle_id: data.vehicle_id });
    if (this.selected === data.mission_id) this.showRoute(data.mission_id);
  }

  /** A vehicle.telemetry event: extend the flown track of its mission. */
  telemetry(data) {
    if (data.mission_id == null || data.lon_deg == null) return;
    const track = this.tracks.get(data.mission_id) || [];
    track.push([data.lon_deg, data.lat_deg]);
    if (track.length > 5000) track.shift();
    this.tracks.set(data.mission_id, track);
    if (this.selected === data.mission_id) this.mapView.setLine("track", track);
  }

  render() {
    const canCommand = session.can("command");
    const rows = [...this.missions.values()].sort((a, b) => b.id - a.id).map((m) => {
      const vehicle = this.vehicles.get(m.vehicle_id);
      return el("tr", {
        dataset: { missionId: m.id, state: m.state },
        class: this.selected === m.id ? "selected" : null,
        onclick: () => this.select(m.id),
      },
      el("td", {}, String(m.id)),
      el("td", {}, m.kind),
      el("td", { class: `state state-${m.state}` }, m.state),
      el("td", { class: "reason" }, m.state_reason || ""),
      el("td", {}, vehicle ? vehicle.name : m.vehicle_id ? `#${m.vehicle_id}` : "–"),
      canCommand ? el("td", {}, this.actionButton(m)) : null);
    });
    document.querySelector("#missions tbody").replaceChildren(...rows);
    say("mission-count", String(this.missions.size));
  }

  actionButton(m) {
    const action = BEFORE_FLIGHT.has(m.state) ? "cancel" : FLYING.has(m.state) ? "abort" : null;
    if (!action) return null;
    return el("button", {
      type: "button",
      class: `mission-${action} danger`,
      onclick: (e) => {
        e.stopPropagation();
        this.endMission(m, action);
      },
    }, action);
  }

  async endMission(m, action) {
    const what = action === "cancel"
      ? `Cancel mission ${m.id}? It has not taken off; its reservation is released.`
      : `Abort mission ${m.id}? Its vehicles in the air return to launch.`;
    if (!(await confirmAction(what, `${action} mission ${m.id}`))) return;
    say("action-error", "");
    try {
      const body = { reason: `${action === "cancel" ? "cancelled" : "aborted"} from the dashboard by ${session.me.subject}` };
      this.upsert(await api(`/missions/${m.id}/${action}`, { method: "POST", body }));
    } catch (err) {
      say("action-error", `${action} mission ${m.id} refused: ${err.message}`);
    }
  }

  async select(id) {
    this.selected = id;
    this.render();
    await this.showRoute(id);
    this.mapView.setLine("track", this.tracks.get(id) || []);
  }

  /** Draw the selected mission's planned legs (their routes' waypoints). */
  async showRoute(id) {
    let mission = null;
    try {
      mission = await api(`/missions/${id}`);
    } catch {
      return;
    }
    if (this.selected !== id) return;
    const legs = mission.legs || [];
    const coordinates = legs.flatMap((leg) =>
      ((leg.route && leg.route.waypoints) || []).map((w) => [w.lon_deg, w.lat_deg]));
    await this.mapView.setLine("route", coordinates);
    const spec = mission.spec || {};
    if (!this.pickup && !this.dropoff && spec.pickup && spec.dropoff) {
      // no booking in progress: show where the selected delivery goes from and to
      await this.mapView.setBooking(lonLat(spec.pickup), lonLat(spec.dropoff));
    }
    const text = legs.length
      ? `Mission ${id}: ${legs.length} leg(s) planned, ${coordinates.length} waypoints; ${mission.state}`
      : `Mission ${id}: ${mission.state}${mission.state_reason ? ` (${mission.state_reason})` : ""}; no route planned yet`;
    say("mission-detail", spec.payload_kg ? `${text}; ${spec.payload_kg} kg` : text, { hideEmpty: true });
  }
}

function lonLat(point) {
  return [point.lon_deg, point.lat_deg];
}

function fmtPoint([lon, lat]) {
  return `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
}

function localTime(id) {
  const value = document.getElementById(id).value;
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
