// The third-party libraries (vendor/, copied from npm by `make portal`), loaded on demand
// so pages without a map or a chart stay light.
const loaded = new Map();

function script(src) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((resolve, reject) => {
      const el = document.createElement("script");
      el.src = src;
      el.onload = resolve;
      el.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(el);
    }));
  }
  return loaded.get(src);
}

function style(href) {
  if (!document.querySelector(`link[href="${href}"]`)) {
    document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
  }
}

export async function leaflet() {
  style("/vendor/leaflet/leaflet.css");
  style("/vendor/markercluster/MarkerCluster.css");
  style("/vendor/markercluster/MarkerCluster.Default.css");
  await script("/vendor/leaflet/leaflet.js");
  await Promise.all([script("/vendor/markercluster/leaflet.markercluster.js"),
    script("/vendor/topojson/topojson-client.min.js")]);
  return window.L;
}

export async function chartjs() {
  await script("/vendor/chart/chart.umd.js");
  return window.Chart;
}
