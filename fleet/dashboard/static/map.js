// The 3D map (MapLibre GL JS, served from the installed `maplibre` package): buildings
// extruded by height, zones, intent volumes, docks, the selected mission's route and track,
// the booking's pickup and dropoff, and vehicles as live markers. No internet base map.

import { el, fmtM, fmtPct } from "./dom.js";

const EMPTY = { type: "FeatureCollection", features: [] };

const STYLE = {
  version: 8,
  sources: {},
  layers: [{ id: "background", type: "background", paint: { "background-color": "#eef0ec" } }],
};

const ZONE_COLOURS = [
  "match", ["get", "kind"],
  "no_fly", "#d7263d",
  "permit_required", "#f49d37",
  "temporary_restriction", "#c8a400",
  "#888888",
];

/** The layers, bottom to top: [id, type, source, paint, extra]. */
const LAYERS = [
  ["zones-fill", "fill", "zones", { "fill-color": ZONE_COLOURS, "fill-opacity": 0.16 }],
  ["zones-line", "line", "zones", { "line-color": ZONE_COLOURS, "line-width": 2, "line-dasharray": [3, 2] }],
  ["buildings", "fill-extrusion", "buildings", {
    "fill-extrusion-color": [
      "interpolate", ["linear"], ["get", "height_agl_m"],
      0, "#d8d3c6", 20, "#bdb5a4", 60, "#9a917f", 150, "#6f685b", 250, "#4b463e",
    ],
    "fill-extrusion-height": ["get", "height_agl_m"],
    "fill-extrusion-base": 0,
    "fill-extrusion-opacity": 0.92,
  }],
  ["route", "line", "route", { "line-color": "#1f6feb", "line-width": 4, "line-dasharray": [2, 1] }],
  ["track", "line", "track", { "line-color": "#e8590c", "line-width": 3 }],
  ["intents", "fill-extrusion", "intents", {
    "fill-extrusion-color": [
      "match", ["get", "state"],
      "Activated", "#2b8a3e", "Nonconforming", "#e8590c", "Contingent", "#c92a2a", "#5c7cfa",
    ],
    "fill-extrusion-base": ["get", "floor_agl_m"],
    "fill-extrusion-height": ["get", "ceiling_agl_m"],
    "fill-extrusion-opacity": 0.3,
  }],
  ["docks", "circle", "docks", {
    "circle-radius": 7, "circle-color": "#364fc7", "circle-stroke-color": "#ffffff", "circle-stroke-width": 2,
  }],
  ["area-fill", "fill", "area", { "fill-color": "#0ca678", "fill-opacity": 0.25 }],
  ["area-line", "line", "area", { "line-color": "#087f5b", "line-width": 2 }],
  ["area-corners", "circle", "area", {
    "circle-radius": 5, "circle-color": "#087f5b", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
  }],
  ["booking-line", "line", "booking", { "line-color": "#7048e8", "line-width": 2, "line-dasharray": [1, 1] }],
  ["booking-points", "circle", "booking", {
    "circle-radius": 8,
    "circle-color": ["match", ["get", "role"], "pickup", "#2f9e44", "#7048e8"],
    "circle-stroke-color": "#ffffff",
    "circle-stroke-width": 2,
  }],
];

export class MapView {
  constructor(container, onClick) {
    this.map = new maplibregl.Map({
      container,
      style: STYLE,
      center: [139.767, 35.681],
      zoom: 15,
      pitch: 50,
      bearing: -20,
      maxPitch: 75,
      attributionControl: false,
      canvasContextAttributes: { antialias: true, preserveDrawingBuffer: true }, // readable (tests, print)
    });
    this.map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), "top-right");
    this.map.addControl(new maplibregl.ScaleControl({ maxWidth: 160, unit: "metric" }), "bottom-left");
    this.markers = new Map();
    this.framed = false;
    this.ready = new Promise((resolve) => this.map.on("load", resolve)).then(() => this.addLayers());
    this.map.on("click", (e) => {
      e.handled = onClick([e.lngLat.lng, e.lngLat.lat]); // a booking or drawing took it
    });
  }

  addLayers() {
    for (const source of ["zones", "buildings", "route", "track", "intents", "docks", "area", "booking"]) {
      this.map.addSource(source, { type: "geojson", data: EMPTY });
    }
    for (const [id, type, source, paint] of LAYERS) {
      const layer = { id, type, source, paint };
      if (id === "booking-line") layer.filter = ["==", ["geometry-type"], "LineString"];
      if (id === "booking-points" || id === "area-corners") layer.filter = ["==", ["geometry-type"], "Point"];
      if (id === "area-fill") layer.filter = ["==", ["geometry-type"], "Polygon"];
      this.map.addLayer(layer);
    }
  }

  async setData(source, data) {
    await this.ready;
    this.map.getSource(source).setData(data);
  }

  /** Buildings (a new city may be framed again: see frame()). */
  setBuildings(collection) {
    this.cityBbox = collection.bbox || null;
    return this.setData("buildings", collection);
  }

  /** Frame the city and everything given ([lon, lat] points), once per city. */
  async frame(points) {
    await this.ready;
    if (this.framed) return;
    const all = [...points];
    if (this.cityBbox) all.push(this.cityBbox.slice(0, 2), this.cityBbox.slice(2, 4));
    if (!all.length) return;
    this.framed = true;
    const lons = all.map((p) => p[0]);
    const lats = all.map((p) => p[1]);
    const bounds = [[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]];
    this.map.fitBounds(bounds, { padding: 50, pitch: 50, bearing: -20, duration: 0, maxZoom: 17 });
  }

  setDocks(docks) {
    const features = docks.map((d) => point([d.lon_deg, d.lat_deg], { name: d.name }));
    return this.setData("docks", { type: "FeatureCollection", features });
  }

  setLine(source, coordinates) {
    const features = coordinates.length > 1 ? [line(coordinates, {})] : [];
    return this.setData(source, { type: "FeatureCollection", features });
  }

  setBooking(pickup, dropoff) {
    const features = [];
    if (pickup) features.push(point(pickup, { role: "pickup" }));
    if (dropoff) features.push(point(dropoff, { role: "dropoff" }));
    if (pickup && dropoff) features.push(line([pickup, dropoff], {}));
    return this.setData("booking", { type: "FeatureCollection", features });
  }

  /** Intent volumes with times in epoch seconds (``t0_s``, ``t1_s``) for the time filter. */
  setIntents(collection) {
    for (const f of collection.features) {
      f.properties.t0_s = Date.parse(f.properties.time_start) / 1000 || 0;
      f.properties.t1_s = Date.parse(f.properties.time_end) / 1000 || Number.MAX_SAFE_INTEGER;
    }
    return this.setData("intents", collection);
  }

  /** Show only the intent volumes in use at ``epochS`` (null: every live one). */
  async showIntentsAt(epochS) {
    await this.ready;
    const filter = epochS === null
      ? null
      : ["all", ["<=", ["get", "t0_s"], epochS], [">=", ["get", "t1_s"], epochS]];
    this.map.setFilter("intents", filter);
  }

  /** The area being drawn: its corners, and the polygon once it has three. */
  setArea(corners) {
    const features = corners.map((c) => point(c, {}));
    if (corners.length >= 3) {
      const ring = [...corners, corners[0]];
      features.push({ type: "Feature", geometry: { type: "Polygon", coordinates: [ring] }, properties: {} });
    }
    return this.setData("area", { type: "FeatureCollection", features });
  }

  /** Show a vehicle where it is, pointing where it heads, with altitude, battery and link. */
  showVehicle(v) {
    let marker = this.markers.get(v.id);
    if (v.lon_deg == null || v.lat_deg == null) {
      if (marker) marker.remove();
      this.markers.delete(v.id);
      return;
    }
    if (!marker) {
      const arrow = el("span", { class: "arrow" });
      const label = el("span", { class: "label" });
      const node = el("div", { class: "vehicle", dataset: { vehicleId: v.id } }, arrow, label);
      marker = new maplibregl.Marker({ element: node, anchor: "center" });
      marker.setLngLat([v.lon_deg, v.lat_deg]).addTo(this.map);
      this.markers.set(v.id, marker);
    }
    marker.setLngLat([v.lon_deg, v.lat_deg]);
    const node = marker.getElement();
    node.dataset.link = v.link || "unknown";
    node.dataset.kind = v.kind || "";
    node.classList.toggle("lost", v.link === "lost");
    node.classList.toggle("robot", v.kind === "ground_robot");
    const arrow = node.querySelector(".arrow");
    arrow.style.transform = `rotate(${(v.heading_deg || 0) - this.map.getBearing()}deg)`;
    arrow.dataset.heading = v.heading_deg == null ? "" : String(Math.round(v.heading_deg));
    const parts = [v.name, fmtM(v.alt_agl_m), fmtPct(v.battery_fraction)];
    if (v.link === "lost") parts.push("LINK LOST");
    node.querySelector(".label").textContent = parts.join(" · ");
    node.title = `${v.name}: ${v.status || "?"}, ${v.mode || "mode ?"}, link ${v.link || "unknown"}`;
  }

  /** Popups telling a zone's or an intent volume's altitude band and time window, on a
   * click no booking or drawing took. */
  explainOnClick() {
    this.ready.then(() => {
      this.map.on("click", (e) => {
        if (e.handled) return;
        const hit = this.map.queryRenderedFeatures(e.point, { layers: ["intents", "zones-fill"] })[0];
        if (!hit) return;
        new maplibregl.Popup({ maxWidth: "300px" })
          .setLngLat(e.lngLat)
          .setDOMContent(explain(hit.layer.id, hit.properties))
          .addTo(this.map);
      });
    });
  }

  /** Keep the arrows pointing true headings when the map turns. */
  followBearing(vehicles) {
    this.map.on("rotate", () => {
      for (const v of vehicles.values()) if (this.markers.has(v.id)) this.showVehicle(v);
    });
  }

  hint(text) {
    const box = document.getElementById("map-hint");
    box.textContent = text || "";
    box.hidden = !text;
    this.map.getCanvas().style.cursor = text ? "crosshair" : "";
  }
}

/** A popup's content: text only (zone names are user input). */
function explain(layer, p) {
  const band = `${Math.round(p.floor_agl_m)}–${Math.round(p.ceiling_agl_m)} m above ground`;
  const when = p.time_start && p.time_end
    ? `${fmtTime(p.time_start)} → ${fmtTime(p.time_end)}`
    : "always";
  if (layer === "zones-fill") {
    return el("div", { class: "popup" }, el("strong", {}, p.name), el("br"),
      String(p.kind).replace(/_/g, " "), el("br"), band, el("br"), when);
  }
  const whose = p.mission_id ? `mission ${p.mission_id}` : p.own ? "ours" : "another operator's";
  return el("div", { class: "popup" }, el("strong", {}, `intent ${p.state}`), el("br"),
    whose, el("br"), band, el("br"), when);
}

function fmtTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

function point(coordinates, properties) {
  return { type: "Feature", geometry: { type: "Point", coordinates }, properties };
}

function line(coordinates, properties) {
  return { type: "Feature", geometry: { type: "LineString", coordinates }, properties };
}
