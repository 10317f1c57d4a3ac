// The inspector's work: draw an area on the map (one click per corner), choose the ground
// sample distance and the window, book the survey (POST /missions/inspections); the API's
// refusal is shown by the form.

import { ApiError, api } from "./api.js";
import { say, setLocal } from "./dom.js";

export class Inspections {
  constructor(mapView, missions) {
    this.mapView = mapView;
    this.missions = missions;
    this.drawing = false;
    this.corners = [];
    document.getElementById("draw-area").addEventListener("click", () => (this.drawing ? this.finish() : this.start()));
    document.getElementById("clear-area").addEventListener("click", () => this.clear());
    document.getElementById("inspection-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.book();
    });
    setLocal("window-start", new Date(Date.now() + 5 * 60e3));
    setLocal("window-end", new Date(Date.now() + 3 * 3600e3));
  }

  start() {
    this.clear();
    this.drawing = true;
    this.mapView.hint("Click the area's corners on the map, then 'finish area'.");
    document.getElementById("draw-area").textContent = "finish area";
  }

  finish() {
    this.drawing = false;
    this.mapView.hint("");
    document.getElementById("draw-area").textContent = "draw area on map";
  }

  clear() {
    if (this.drawing) this.finish();
    this.corners = [];
    this.show();
  }

  /** A click on the map while drawing: one more corner. */
  mapClicked(lonLat) {
    if (!this.drawing) return false;
    this.corners.push(lonLat.map((x) => Math.round(x * 1e6) / 1e6));
    this.show();
    return true;
  }

  show() {
    say("area-out", this.corners.length ? `${this.corners.length} corner(s)` : "no area");
    return this.mapView.setArea(this.corners);
  }

  request() {
    if (this.corners.length < 3) return [null, "Draw the area: at least 3 corners on the map."];
    const gsd = Number(document.getElementById("gsd").value);
    if (!(gsd > 0)) return [null, "gsd_cm_per_px: give a ground sample distance above 0."];
    const start = new Date(document.getElementById("window-start").value);
    const end = new Date(document.getElementById("window-end").value);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) {
      return [null, "Give the window's start and end."];
    }
    if (end <= start) return [null, "window_end must be after window_start."];
    return [{
      target: { type: "area", polygon: this.corners },
      gsd_cm_per_px: gsd,
      window_start: start.toISOString(),
      window_end: end.toISOString(),
      priority: document.getElementById("inspection-priority").value,
    }, null];
  }

  async book() {
    say("inspection-error", "");
    say("inspection-ok", "");
    const [body, problem] = this.request();
    if (problem) {
      say("inspection-error", problem);
      return;
    }
    try {
      const mission = await api("/missions/inspections", { method: "POST", body });
      say("inspection-ok", `Booked: mission ${mission.id} (${mission.state}).`);
      this.clear();
      this.missions.upsert(mission);
      this.missions.select(mission.id);
    } catch (err) {
      say("inspection-error", err instanceof ApiError ? `Refused: ${err.message}` : String(err));
    }
  }
}
