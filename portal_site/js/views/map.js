// The map: server-side clusters (/map) for the whole pool, the points themselves
// (/geojson, clustered client-side) once few enough are in view, filters, and drawing a
// box or a circle to select records (listed, downloadable, kept in the URL).
import { api, apiUrl } from "../api.js";
import { clusterIcon, createMap } from "../maps.js";
import { apiQuery, filterChips, parse, toSearch } from "../poolquery.js";
import { navigate } from "../router.js";
import { announce, errorNotice, fill, h, link, loading, number, setTitle, table } from "../ui.js";
import { valueNode } from "../fields.js";
import { summaryLine } from "./search.js";

const POINTS_BELOW = 400;
const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const round = (v) => Math.round(v * 1e4) / 1e4;

/** A point's popup, built as elements: the values are data, never markup. */
function popup(feature) {
  const p = feature.properties;
  return h("div", { class: "map-popup" }, link(`/record/${encodeURIComponent(feature.id)}`, feature.id),
    h("br"), [p.species, p.supplied_breed || p.organism_part, p.sex].filter(Boolean).join(" · "));
}

function selectionOf(query) {
  if (query.get("bbox")) {
    const [w, s, e, n] = query.get("bbox").split(",").map(Number);
    if ([w, s, e, n].every(Number.isFinite)) return { kind: "box", w, s, e, n };
  }
  const lat = Number(query.get("lat")); const lng = Number(query.get("lng")); const rad = Number(query.get("rad"));
  if (query.get("rad") && [lat, lng, rad].every(Number.isFinite)) return { kind: "circle", lat, lng, rad };
  return null;
}

function selectionQuery(sel) {
  if (!sel) return {};
  return sel.kind === "box" ? { bbox: [sel.w, sel.s, sel.e, sel.n].map(round).join(",") }
    : { lat: round(sel.lat), lng: round(sel.lng), rad: Math.round(sel.rad * 10) / 10 };
}

export async function render(main, params, query, alive) {
  setTitle("Map");
  const state = parse(query);
  let selection = selectionOf(query);
  const view = (query.get("view") || "").split(",").map(Number);
  const urlFor = (next, sel = selection, extra = {}) => `/map?${toSearch(next, { ...selectionQuery(sel), ...extra })}`;
  const go = (next) => navigate(urlFor(next));

  // filters
  const typeSelect = h("select", { id: "map-type", name: "type" },
    [["", "Animals and samples"], ["organism", "Animals"], ["specimen", "Samples"]].map(([v, t]) => h("option", { value: v, selected: state.type === v }, t)));
  const speciesSelect = h("select", { id: "map-species", name: "species" }, h("option", { value: "" }, "Any species"));
  const countrySelect = h("select", { id: "map-country", name: "gene_bank_country" }, h("option", { value: "" }, "Any country"));
  const qInput = h("input", { type: "search", id: "map-q", name: "q", value: state.q, placeholder: "Breed, organism part…" });
  const form = h("form", { class: "panel", id: "map-filters", "aria-label": "Map filters", onsubmit: (e) => {
    e.preventDefault();
    const filters = { ...state.filters };
    for (const [name, select] of [["species", speciesSelect], ["gene_bank_country", countrySelect]]) {
      if (select.value) filters[name] = [select.value]; else delete filters[name];
    }
    go({ ...state, q: qInput.value.trim(), type: typeSelect.value, filters, page: 1 });
  } },
  h("div", { class: "form-grid" },
    h("div", { class: "field" }, h("label", { for: "map-type" }, "Records"), typeSelect),
    h("div", { class: "field" }, h("label", { for: "map-species" }, "Species"), speciesSelect),
    h("div", { class: "field" }, h("label", { for: "map-country" }, "Country"), countrySelect),
    h("div", { class: "field" }, h("label", { for: "map-q" }, "Text"), qInput)),
  h("button", { type: "submit" }, "Apply filters"));

  const mapEl = h("div", { class: "map", id: "pool-map" });
  const status = h("p", { id: "map-status", class: "muted", role: "status" }, "Loading the map…");
  const selBox = h("div", { id: "selection" });
  const boxButton = h("button", { type: "button", class: "secondary", "aria-pressed": "false" }, "Draw a box");
  const circleButton = h("button", { type: "button", class: "secondary", "aria-pressed": "false" }, "Draw a circle");
  const viewButton = h("button", { type: "button", class: "secondary" }, "Select the visible area");
  const clearButton = h("button", { type: "button", class: "secondary" }, "Clear selection");
  main.append(h("h1", {}, "Map of the pool"), form, h("div", {}, filterChips(state, go)),
    h("div", { class: "map-layout" },
      h("div", {}, h("div", { class: "row", role: "toolbar", "aria-label": "Selection tools" }, boxButton, circleButton, viewButton, clearButton),
        h("p", { class: "muted", id: "draw-help" }, "Press a tool, then drag on the map to select the records inside a box or a circle."),
        mapEl, status),
      h("aside", { "aria-labelledby": "selection-title" }, h("h2", { id: "selection-title" }, "Selection"), selBox)));

  api("/search", { auth: false, query: { ...apiQuery({ ...state, filters: {} }), size: 0, facets: "species,gene_bank_country", facet_size: 100 } })
    .then((answer) => {
      for (const [name, select] of [["species", speciesSelect], ["gene_bank_country", countrySelect]]) {
        for (const value of Object.keys(answer.facets?.[name] || {}).sort()) {
          select.append(h("option", { value, selected: (state.filters[name] || [])[0] === value }, value));
        }
      }
    }).catch(() => { /* the selects stay with "any" */ });

  const { L, map } = await createMap(mapEl, {
    center: view.length === 3 && view.every(Number.isFinite) ? [view[0], view[1]] : [48, 10],
    zoom: view.length === 3 && view.every(Number.isFinite) ? view[2] : 4, label: "Map of the pool's records" });
  if (!alive()) { map.remove(); return undefined; }
  const clusters = L.layerGroup().addTo(map);
  const points = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
  map.addLayer(points);
  const shapeLayer = L.layerGroup().addTo(map);
  const base = apiQuery(state);
  let generation = 0;

  function bboxOfView() {
    const b = map.getBounds();
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
      .map(round).join(",");
  }

  async function refresh() {
    const mine = ++generation;
    const c = map.getCenter();
    history.replaceState(null, "", urlFor(state, selection, { view: `${round(c.lat)},${round(c.lng)},${map.getZoom()}` }));
    try {
      const zoom = Math.min(18, Math.max(0, map.getZoom() + 1));
      const cells = await api("/map", { auth: false, query: { ...base, zoom, bbox: bboxOfView() } });
      if (mine !== generation) return;
      clusters.clearLayers();
      points.clearLayers();
      if (cells.count <= POINTS_BELOW) {
        const geo = await api("/geojson", { auth: false, query: { ...base, bbox: bboxOfView(), size: POINTS_BELOW } });
        if (mine !== generation) return;
        for (const f of geo.features) {
          const [lng, lat] = f.geometry.coordinates;
          const p = f.properties;
          points.addLayer(L.circleMarker([lat, lng], { radius: 7, color: "#fff", weight: 1.5, fillColor: p.record_type === "specimen" ? "#c75c00" : "#0b5d7a", fillOpacity: 0.95 })
            .bindPopup(() => popup(f)));
        }
        status.textContent = `${number(cells.count)} records in view, each its own point (blue: animals, orange: samples; points at one place are grouped: click a group to open it).`;
      } else {
        for (const cell of cells.features) {
          const [lng, lat] = cell.geometry.coordinates;
          const marker = L.marker([lat, lng], { icon: clusterIcon(L, cell.properties.count), keyboard: true, title: `${cell.properties.count} records` });
          marker.on("click", () => map.setView([lat, lng], Math.min(16, map.getZoom() + 2)));
          clusters.addLayer(marker);
        }
        status.textContent = `${number(cells.count)} records in view, in ${number(cells.features.length)} clusters: zoom in or select an area.`;
      }
      mapEl.dataset.count = String(cells.count);
    } catch (error) {
      status.replaceChildren(errorNotice(error, "The map could not be loaded"));
    }
  }

  function drawShape() {
    shapeLayer.clearLayers();
    if (!selection) return;
    const style = { color: "#c75c00", weight: 2, dashArray: "6 4", fillOpacity: 0.08 };
    if (selection.kind === "box") L.rectangle([[selection.s, selection.w], [selection.n, selection.e]], style).addTo(shapeLayer);
    else L.circle([selection.lat, selection.lng], { ...style, radius: selection.rad * 1000 }).addTo(shapeLayer);
  }

  async function showSelection() {
    drawShape();
    if (!selection) {
      fill(selBox, h("p", { class: "muted" }, "Nothing selected. Draw a box or a circle on the map."));
      return;
    }
    fill(selBox, loading());
    const q = { ...base, ...selectionQuery(selection) };
    try {
      const found = await api("/search", { auth: false, query: { ...q, size: 20, fields: "id,record_type,species,common_name,supplied_breed,organism_part,sex,derived_from,quality_status" } });
      fill(selBox,
        h("p", { id: "selection-count" }, h("strong", {}, number(found.count)), " records in the ",
          selection.kind === "box" ? "box" : `circle of ${Math.round(selection.rad)} km`, "."),
        table([
          { key: "id", label: "Accession", render: (d) => link(`/record/${encodeURIComponent(d.id)}`, d.id) },
          { key: "what", label: "What", render: (d) => summaryLine(d) },
          { key: "quality_status", label: "Quality", render: (d) => valueNode("quality_status", d.quality_status) },
        ], found.results, { empty: "No records in this area." }),
        found.count > 20 ? h("p", { class: "muted" }, `The first 20 of ${number(found.count)}; download them all:`) : null,
        h("div", { class: "row" }, ["csv", "tsv", "json"].map((format) =>
          h("a", { class: "button secondary small", href: apiUrl("/download", { ...q, format }), download: "", "data-format": format }, format.toUpperCase()))));
      announce(`${found.count} records selected`);
    } catch (error) {
      fill(selBox, errorNotice(error, "The selection could not be loaded"));
    }
  }

  function setSelection(sel) {
    selection = sel;
    refresh();
    showSelection();
  }

  // drawing: press a tool, then drag on the map
  let tool = null;
  let start = null;
  let preview = null;
  function setTool(next) {
    tool = tool === next ? null : next;
    boxButton.setAttribute("aria-pressed", String(tool === "box"));
    circleButton.setAttribute("aria-pressed", String(tool === "circle"));
    if (tool) { map.dragging.disable(); mapEl.style.cursor = "crosshair"; } else { map.dragging.enable(); mapEl.style.cursor = ""; }
  }
  boxButton.addEventListener("click", () => setTool("box"));
  circleButton.addEventListener("click", () => setTool("circle"));
  viewButton.addEventListener("click", () => {
    const b = map.getBounds();
    setSelection({ kind: "box", w: clamp(b.getWest(), -180, 180), s: clamp(b.getSouth(), -90, 90), e: clamp(b.getEast(), -180, 180), n: clamp(b.getNorth(), -90, 90) });
  });
  clearButton.addEventListener("click", () => setSelection(null));
  map.on("mousedown", (e) => {
    if (!tool) return;
    start = e.latlng;
    preview = null;
  });
  map.on("mousemove", (e) => {
    if (!tool || !start) return;
    if (preview) shapeLayer.removeLayer(preview);
    const style = { color: "#c75c00", weight: 2, fillOpacity: 0.1 };
    preview = tool === "box" ? L.rectangle(L.latLngBounds(start, e.latlng), style) : L.circle(start, { ...style, radius: map.distance(start, e.latlng) });
    shapeLayer.addLayer(preview);
  });
  map.on("mouseup", (e) => {
    if (!tool || !start) return;
    const end = e.latlng;
    const from = start;
    start = null;
    const used = tool;
    setTool(null);
    if (used === "box") {
      const b = L.latLngBounds(from, end);
      if (b.getNorth() === b.getSouth() || b.getEast() === b.getWest()) return;
      setSelection({ kind: "box", w: clamp(b.getWest(), -180, 180), s: clamp(b.getSouth(), -90, 90), e: clamp(b.getEast(), -180, 180), n: clamp(b.getNorth(), -90, 90) });
    } else {
      const km = map.distance(from, end) / 1000;
      if (km > 0) setSelection({ kind: "circle", lat: from.lat, lng: from.lng, rad: km });
    }
  });

  let timer = null;
  map.on("moveend", () => { clearTimeout(timer); timer = setTimeout(refresh, 200); });
  mapEl.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-link]");
    if (a) { e.preventDefault(); navigate(a.getAttribute("href")); }
  });
  await refresh();
  await showSelection();
  return () => { clearTimeout(timer); generation++; map.remove(); };
}
