// The summary: charts of the pool (species, breeds of a species, countries, organism
// parts, gene banks) and its data-quality report, each chart with a table to read.
import { api } from "../api.js";
import { chartjs } from "../libs.js";
import { errorNotice, fill, h, link, loading, number, setTitle, table } from "../ui.js";
import { label } from "../fields.js";

const PALETTE = ["#0b5d7a", "#c75c00", "#2e7d32", "#6a4c93", "#b0003a", "#00838f", "#8d6e00", "#455a64", "#d81b60", "#5d4037"];

const STATUS_COLOURS = { pass: "#2e7d32", warning: "#d69a1f", error: "#a11a1a", unchecked: "#8a99a5" };

function chartPanel(id, title, counts, { type = "bar", hrefOf, colours } = {}) {
  const canvas = h("canvas", { role: "img", "aria-label": `${title}: chart; the table below gives the numbers` });
  const entries = Object.entries(counts || {});
  const panel = h("section", { class: "panel", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    entries.length ? h("div", { class: "chart-box" }, canvas) : h("p", { class: "muted" }, "Nothing yet."),
    entries.length ? h("details", {}, h("summary", {}, "Show the numbers"),
      table([{ key: 0, label: "Value", render: (r) => (hrefOf ? link(hrefOf(r[0]), r[0]) : r[0]) },
        { key: 1, label: "Records", class: "num", render: (r) => number(r[1]) }], entries)) : null);
  return { panel, canvas, entries, type, colours };
}

function draw(Chart, { canvas, entries, type, colours }, charts) {
  if (!entries.length) return;
  charts.push(new Chart(canvas, {
    type,
    data: { labels: entries.map(([k]) => k), datasets: [{ label: "Records", data: entries.map(([, n]) => n),
      backgroundColor: colours ? entries.map(([k], i) => colours[k] || PALETTE[i % PALETTE.length])
        : type === "bar" ? PALETTE[0] : entries.map((_, i) => PALETTE[i % PALETTE.length]) }] },
    options: { responsive: true, maintainAspectRatio: false, animation: false,
      plugins: { legend: { display: type !== "bar", position: "right" } },
      ...(type === "bar" ? { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } } : {}) },
  }));
}

export async function render(main, params, query, alive) {
  setTitle("Summary");
  const body = h("div", {}, loading());
  main.append(h("h1", {}, "Summary of the pool"), body);
  const charts = [];
  try {
    const [pool, animals, quality, Chart] = await Promise.all([
      api("/search", { auth: false, query: { size: 0, facets: "record_type,species,gene_bank_country,gene_bank_name,organism_part,sex", facet_size: 50 } }),
      api("/search", { auth: false, query: { size: 0, type: "organism", facets: "species", facet_size: 50 } }),
      api("/quality", { auth: false }).catch((error) => ({ error })),
      chartjs(),
    ]);
    if (!alive()) return undefined;
    const f = pool.facets || {};
    const species = Object.keys(animals.facets?.species || {});
    const chosen = query.get("species") && species.includes(query.get("species")) ? query.get("species") : species[0];
    const speciesSelect = h("select", { id: "breed-species" }, species.map((s) => h("option", { value: s, selected: s === chosen }, s)));
    const breedBox = h("div", {});
    const panels = [
      chartPanel("chart-species", "Records by species", f.species, { hrefOf: (v) => `/search?species=${encodeURIComponent(v)}` }),
      chartPanel("chart-countries", "Records by gene bank country", f.gene_bank_country, { type: "doughnut", hrefOf: (v) => `/search?gene_bank_country=${encodeURIComponent(v)}` }),
      chartPanel("chart-parts", "Samples by organism part", f.organism_part, { type: "doughnut", hrefOf: (v) => `/specimens?organism_part=${encodeURIComponent(v)}` }),
      chartPanel("chart-banks", "Records by gene bank", f.gene_bank_name, { hrefOf: (v) => `/search?gene_bank_name=${encodeURIComponent(v)}` }),
    ];
    const qualityPanel = quality.error ? h("section", { class: "panel" }, h("h2", {}, "Data quality"), errorNotice(quality.error))
      : qualitySection(quality);
    fill(body,
      h("div", { class: "figures" }, [["Records", pool.count], ["Animals", f.record_type?.organism || 0], ["Samples", f.record_type?.specimen || 0],
        ["Files", f.record_type?.file || 0]].map(([n, v]) => h("div", { class: "figure" }, h("span", { class: "number" }, number(v)), n))),
      h("div", { class: "charts" }, panels.map((p) => p.panel),
        h("section", { class: "panel", id: "chart-breeds", "aria-labelledby": "breeds-title" },
          h("h2", { id: "breeds-title" }, "Breeds of a species"),
          h("div", { class: "row" }, h("label", { for: "breed-species" }, "Species"), speciesSelect), breedBox)),
      qualityPanel.panel || qualityPanel);
    panels.forEach((p) => draw(Chart, p, charts));
    if (qualityPanel.chart) draw(Chart, qualityPanel.chart, charts);
    let breedChart = [];
    const showBreeds = async () => {
      breedChart.forEach((c) => c.destroy());
      breedChart = [];
      const answer = await api("/search", { auth: false, query: { species: speciesSelect.value, type: "organism", size: 0, facets: "supplied_breed", facet_size: 50 } });
      const p = chartPanel("breeds-inner", `Animals of ${speciesSelect.value} by breed`, answer.facets?.supplied_breed,
        { hrefOf: (v) => `/organisms?species=${encodeURIComponent(speciesSelect.value)}&supplied_breed=${encodeURIComponent(v)}` });
      p.panel.className = "";
      fill(breedBox, p.panel);
      draw(Chart, p, breedChart);
      history.replaceState(null, "", `/summary?species=${encodeURIComponent(speciesSelect.value)}`);
    };
    speciesSelect.addEventListener("change", showBreeds);
    if (species.length) await showBreeds();
    charts.push({ destroy: () => breedChart.forEach((c) => c.destroy()) });
  } catch (error) {
    fill(body, errorNotice(error, "The summary could not be loaded"));
  }
  return () => charts.forEach((c) => c.destroy());
}

function qualitySection(q) {
  const chart = chartPanel("chart-quality", "Verdicts of the IMAGE validator", q.status, { type: "doughnut", colours: STATUS_COLOURS, hrefOf: (v) => `/search?quality_status=${encodeURIComponent(v)}` });
  const rows = (obj) => Object.entries(obj || {});
  const panel = h("section", { class: "panel", id: "quality-report", "aria-labelledby": "quality-title" },
    h("h2", { id: "quality-title" }, "Data quality"),
    h("p", {}, `${number(q.count)} animals and samples checked against the ${q.ruleset || "IMAGE ruleset"}.`),
    h("div", { class: "charts" }, chart.panel,
      h("div", {},
        h("h3", {}, "Fields with errors"),
        table([{ key: 0, label: "Field" }, { key: 1, label: "Records", class: "num", render: (r) => number(r[1]) }], rows(q.errors_by_field), { empty: "No errors." }),
        h("h3", {}, "Fields with warnings"),
        table([{ key: 0, label: "Field" }, { key: 1, label: "Records", class: "num", render: (r) => number(r[1]) }], rows(q.warnings_by_field), { empty: "No warnings." }),
        h("h3", {}, "Gene banks with errors"),
        table([{ key: 0, label: label("gene_bank_name"), render: (r) => link(`/search?gene_bank_name=${encodeURIComponent(r[0])}&quality_status=error`, r[0]) },
          { key: 1, label: "Records with errors", class: "num", render: (r) => number(r[1]) }], rows(q.gene_banks_with_errors), { empty: "None." }))));
  return { panel, chart };
}
