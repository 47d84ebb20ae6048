// Copies the libraries' dist files from node_modules/ into vendor/ (served as-is: no build).
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "vendor");
const files = [
  ["leaflet/dist/leaflet.js", "leaflet/leaflet.js"],
  ["leaflet/dist/leaflet.css", "leaflet/leaflet.css"],
  ["leaflet/dist/images", "leaflet/images"],
  ["leaflet.markercluster/dist/leaflet.markercluster.js", "markercluster/leaflet.markercluster.js"],
  ["leaflet.markercluster/dist/MarkerCluster.css", "markercluster/MarkerCluster.css"],
  ["leaflet.markercluster/dist/MarkerCluster.Default.css", "markercluster/MarkerCluster.Default.css"],
  ["chart.js/dist/chart.umd.js", "chart/chart.umd.js"],
  ["topojson-client/dist/topojson-client.min.js", "topojson/topojson-client.min.js"],
  ["world-atlas/countries-110m.json", "world/countries-110m.json"],
  ["world-atlas/LICENSE", "world/LICENSE"],
];

rmSync(vendor, { recursive: true, force: true });
for (const [from, to] of files) {
  mkdirSync(dirname(join(vendor, to)), { recursive: true });
  cpSync(join(modules, from), join(vendor, to), { recursive: true });
}
writeFileSync(join(vendor, ".stamp"), new Date().toISOString() + "\n");
console.log(`portal: ${files.length} library files copied to vendor/`);
