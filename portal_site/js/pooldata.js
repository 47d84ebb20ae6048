// Fetching a page of pool results with facets that stay useful for multi-selection: a
// facet whose field is filtered is counted without its own filter (OR within a facet).
import { api } from "./api.js";
import { apiQuery } from "./poolquery.js";

export const PAGE_SIZE = 20;

export async function searchPage(state, { type = state.type, facets = [], size = PAGE_SIZE, fields } = {}) {
  const base = apiQuery(state, { type });
  const own = facets.filter((f) => !state.filters[f]);
  const filtered = facets.filter((f) => state.filters[f]);
  const query = { ...base, size, offset: (state.page - 1) * size, facet_size: 50 };
  if (own.length) query.facets = own.join(",");
  if (state.sort) query.sort = state.sort;
  if (fields) query.fields = fields.join(",");
  const [main, ...others] = await Promise.all([
    api("/search", { query, auth: false }),
    ...filtered.map((name) => {
      const rest = { ...base };
      delete rest[name];
      return api("/search", { query: { ...rest, size: 0, facets: name, facet_size: 50 }, auth: false });
    }),
  ]);
  const allFacets = { ...(main.facets || {}) };
  others.forEach((answer, i) => { allFacets[filtered[i]] = answer.facets?.[filtered[i]] || {}; });
  return { ...main, facets: allFacets };
}

/** Several pool records by accession, in one call. */
export async function recordsById(ids, fields) {
  if (!ids.length) return [];
  const query = { id: ids, size: Math.min(1000, ids.length) };
  if (fields) query.fields = fields.join(",");
  return (await api("/search", { query, auth: false })).results;
}
