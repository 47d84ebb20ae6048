// Maps that work with no tile server: a bundled Natural Earth basemap (world-atlas 110m
// countries, drawn from TopoJSON), with OpenStreetMap tiles on top when they can be reached.
// Leaflet takes a string as HTML: whatever carries data is given as an element instead.
import { leaflet } from "./libs.js";
import { h, number } from "./ui.js";

const OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
let world = null;
let osm = null;

function worldGeoJson() {
  world = world || fetch("/vendor/world/countries-110m.json")
    .then((answer) => answer.json())
    .then((topo) => window.topojson.feature(topo, topo.objects.countries));
  return world;
}

/** Whether OSM tiles load (one probe per page load; `?tiles=off` skips them). */
function osmReachable() {
  if (new URLSearchParams(location.search).get("tiles") === "off") return Promise.resolve(false);
  osm = osm || new Promise((resolve) => {
    const img = new Image();
    const timer = setTimeout(() => resolve(false), 4000);
    img.onload = () => { clearTimeout(timer); resolve(true); };
    img.onerror = () => { clearTimeout(timer); resolve(false); };
    img.src = OSM.replace("{z}/{x}/{y}", "0/0/0");
  });
  return osm;
}

/** A Leaflet map in `el` over the bundled basemap; resolves to {L, map}. */
export async function createMap(el, { center = [50, 10], zoom = 4, label = "Map" } = {}) {
  const L = await leaflet();
  el.setAttribute("role", "region");
  el.setAttribute("aria-label", label);
  const map = L.map(el, { center, zoom, minZoom: 2, maxZoom: 16, worldCopyJump: true });
  const countries = await worldGeoJson();
  L.geoJSON(countries, {
    style: { color: "#7f97a6", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 1 },
    interactive: false,
  }).addTo(map);
  map.attributionControl.addAttribution("Basemap: Natural Earth");
  osmReachable().then((ok) => {
    if (ok && map._container) {
      L.tileLayer(OSM, { maxZoom: 19, attribution: "© OpenStreetMap contributors", opacity: 0.9 }).addTo(map);
    }
  });
  return { L, map };
}

/** A small map with one point (record detail pages). */
export async function pointMap(el, lat, lon, label) {
  const { L, map } = await createMap(el, { center: [lat, lon], zoom: 5, label });
  L.circleMarker([lat, lon], { radius: 8, color: "#fff", weight: 2, fillColor: "#0b5d7a", fillOpacity: 1 })
    .addTo(map).bindTooltip(h("span", {}, label));
  return map;
}

/** The cluster icon with its count, sized by magnitude. */
export function clusterIcon(L, count) {
  const size = 26 + Math.min(30, Math.round(Math.log10(count + 1) * 10));
  return L.divIcon({ html: h("span", {}, number(count)), className: "cluster-icon",
    iconSize: [size, size] });
}
