// tradewar dashboard: edit a scenario (or two), run it on the server, draw the results.
// The whole page state lives in the URL fragment (#state=...), so a link reproduces a result.
"use strict";

const $ = (id) => document.getElementById(id);
// Every value from data (a link's state, a world, a result) enters markup through esc: as
// text, never as tags or attributes (and the server's Content-Security-Policy refuses inline
// scripts should one slip through).
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };
const esc = (value) => String(value ?? "").replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
// The map's country outlines are served with the page (static/topojson), never from a CDN.
const PLOT = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"], topojsonURL: "/static/topojson/" };
const TOP = 15;

const state = {
  slots: { a: blankScenario(), b: null },
  presets: { a: "", b: "" },
  active: "a",
  compare: false,
  country: "",
  timeline: [],
};
const worldCache = {};
let lastResults = { a: null, b: null };
// The scenarios behind the results on screen: downloads give exactly these, not later edits.
let shownScenarios = { a: null, b: null };

function blankScenario(world) {
  return { name: "My scenario", world: world || "wiod2014", model: "caliendo-parro", deficits: "keep", policy: [], step: [] };
}

// ------------------------------------------------------------------ URL state
function encodeState() {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let text = "";
  bytes.forEach((b) => { text += String.fromCharCode(b); });
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function decodeState(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}
function saveUrl() {
  history.replaceState(null, "", "#state=" + encodeState());
}
// A server beyond loopback needs its token: open the page at #token=TOKEN (a fragment never
// reaches the server's logs); it is kept for this tab and dropped from the address.
const TOKEN_KEY = "tradewar-token";
function takeToken() {
  const match = location.hash.match(/^#token=([^&]+)(?:&(.*))?$/);
  if (!match) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(null, "", match[2] ? "#" + match[2] : location.pathname);
}
function withToken(headers) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...(headers || {}), Authorization: "Bearer " + token } : (headers || {});
}
function loadUrl() {
  const match = location.hash.match(/^#state=(.+)$/);
  if (!match) return false;
  try {
    Object.assign(state, decodeState(match[1]));
    return true;
  } catch (e) {
    setStatus("The link's state could not be read: " + e.message, "error");
    return false;
  }
}

// ------------------------------------------------------------------ server
async function api(path, options) {
  const response = await fetch(path, { ...(options || {}), headers: withToken((options || {}).headers) });
  const body = await response.json().catch(() => ({ error: "the server answered " + response.status }));
  if (!response.ok) {
    const err = new Error(body.error || "request failed (" + response.status + ")");
    err.field = body.field;
    throw err;
  }
  return body;
}
async function world(name) {
  if (!worldCache[name]) worldCache[name] = await api("/api/worlds/" + encodeURIComponent(name));
  return worldCache[name];
}

// ------------------------------------------------------------------ editor
function current() { return state.slots[state.active]; }
function setStatus(text, kind) {
  const el = $("status");
  el.textContent = text;
  el.className = kind || "";
}
function selector(value) { return Array.isArray(value) ? value.join(", ") : (value ?? "*"); }
function parseSelector(text) {
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "*")) return "*";
  return parts.length === 1 ? parts[0] : parts;
}
const INSTRUMENTS = {
  tariff: [["add_pct", "add points"], ["set_pct", "set rate %"]],
  export_control: [["ban", "ban"], ["tax_pct", "export tax %"], ["quota_pct_of_baseline", "quota % of baseline"]],
  trade_cost: [["add_pct", "raise cost %"], ["factor", "cost factor"]],
};
const TITLES = { tariff: "Tariff (importer taxes exporter)", export_control: "Export control (exporter restricts)", trade_cost: "Trade cost (non-tariff barrier)" };

function instrumentOf(p) {
  return INSTRUMENTS[p.kind].map(([k]) => k).find((k) => p[k] !== undefined && p[k] !== null) || INSTRUMENTS[p.kind][0][0];
}

// The policies the editor shows and changes: the scenario's own, or, for a step preset (one dated
// step holding every policy in force at that date), that step's.
function editable(scenario) {
  const steps = scenario.step || [];
  if (steps.length === 1 && !(scenario.policy || []).length) return steps[0].policy;
  scenario.policy = scenario.policy || [];
  return scenario.policy;
}

function renderPolicies() {
  const scenario = current();
  const policies = editable(scenario);
  const box = $("policies");
  box.innerHTML = "";
  policies.forEach((p, index) => {
    const card = document.createElement("div");
    card.className = "policy";
    card.dataset.index = index;
    const instrument = instrumentOf(p);
    const options = INSTRUMENTS[p.kind].map(([k, label]) => `<option value="${esc(k)}" ${k === instrument ? "selected" : ""}>${esc(label)}</option>`).join("");
    const value = instrument === "ban" ? "" : (p[instrument] ?? "");
    card.innerHTML = `
      <div class="head wide"><strong>${esc(TITLES[p.kind])}</strong><button type="button" class="remove" aria-label="Remove policy">✕</button></div>
      <label>Importer<input class="importer" list="country-codes" value="${esc(selector(p.importer))}"></label>
      <label>Exporter<input class="exporter" list="country-codes" value="${esc(selector(p.exporter))}"></label>
      <label class="wide">Sectors<input class="sectors" list="sector-codes" value="${esc(selector(p.sectors))}"></label>
      <label>Instrument<select class="instrument">${options}</select></label>
      <label>Value<input class="value" type="number" step="any" value="${esc(value)}" ${instrument === "ban" ? "disabled" : ""}></label>`;
    card.querySelector(".remove").onclick = () => { policies.splice(index, 1); renderPolicies(); saveUrl(); };
    // An edit updates the scenario in place: the cards are not rebuilt, so focus stays put.
    card.querySelectorAll("input, select").forEach((el) => { el.onchange = () => { readPolicy(card, index); saveUrl(); }; });
    box.appendChild(card);
  });
  const note = $("timeline-note");
  const steps = scenario.step || [];
  note.hidden = steps.length === 0;
  if (steps.length === 1 && policies === steps[0].policy) {
    note.textContent = `Every policy in force on ${steps[0].date || "this step"} (${steps[0].label}): change them below.`;
  } else {
    note.textContent = steps.length
      ? `Timeline of ${steps.length} dated steps (from the preset; their policies are applied on top of those below): ` +
        steps.map((s) => `${s.date} ${s.label}`).join(" · ")
      : "";
  }
}

function readPolicy(card, index) {
  const policies = editable(current());
  const old = policies[index];
  const instrument = card.querySelector(".instrument").value;
  const p = { kind: old.kind, importer: parseSelector(card.querySelector(".importer").value), exporter: parseSelector(card.querySelector(".exporter").value), sectors: parseSelector(card.querySelector(".sectors").value) };
  if (instrument === "ban") p.ban = true;
  else {
    const raw = card.querySelector(".value").value;
    p[instrument] = raw === "" ? null : Number(raw);
  }
  // Keep what the model carries beyond the editor's fields (exemptions, a quota's rent regime).
  for (const key of ["exempt_pct", "rent", "premium_cap_pct", "set_from"]) if (old[key] !== undefined && p[key] === undefined) p[key] = old[key];
  policies[index] = p;
  const value = card.querySelector(".value");
  value.disabled = instrument === "ban";
  if (instrument === "ban") value.value = "";
}

function addPolicy(kind) {
  const policies = editable(current());
  const p = kind === "export_control"
    ? { kind, exporter: "CHN", importer: "USA", sectors: "*", ban: true }
    : { kind, importer: "USA", exporter: "CHN", sectors: "*", add_pct: kind === "tariff" ? 25 : 20 };
  policies.push(p);
  renderPolicies();
  saveUrl();
}

async function renderEditor() {
  const scenario = current();
  $("tab-a").classList.toggle("active", state.active === "a");
  $("tab-b").classList.toggle("active", state.active === "b");
  $("tab-b").disabled = !state.compare;
  $("compare").checked = state.compare;
  $("preset").value = state.presets[state.active] || "";
  $("world").value = scenario.world;
  $("model").value = scenario.model || "caliendo-parro";
  $("deficits").value = scenario.deficits || "keep";
  $("name").value = scenario.name || "";
  try {
    const w = await world(scenario.world);
    $("country-codes-holder").innerHTML = `<datalist id="country-codes"><option value="*">${w.country_list.map((c) => `<option value="${esc(c.country)}">${esc(c.name)}</option>`).join("")}</datalist>`;
    $("sector-codes").innerHTML = `<option value="*">` + w.sector_list.map((s) => `<option value="${esc(s.sector)}">${esc(s.name)}</option>`).join("");
  } catch (e) {
    setStatus(e.message, "error");
  }
  renderPolicies();
}

// ------------------------------------------------------------------ running
async function runSlot(slot) {
  const scenario = state.slots[slot];
  return api("/api/run?detail=true", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(scenario) });
}

async function run() {
  saveUrl();
  const slots = state.compare && state.slots.b ? ["a", "b"] : ["a"];
  $("run").disabled = true;
  setStatus("Solving " + slots.map((s) => state.slots[s].name).join(" and ") + "…", "");
  try {
    const sent = slots.map((s) => JSON.parse(JSON.stringify(state.slots[s])));
    const out = await Promise.all(slots.map(runSlot));
    lastResults = { a: out[0], b: out[1] || null };
    shownScenarios = { a: sent[0], b: sent[1] || null };
    bands = { a: null };
    const bad = out.filter((r) => !r.converged);
    setStatus(bad.length ? "Not converged: the numbers below are not an equilibrium." : "Solved.", bad.length ? "error" : "ok");
    renderResults();
    updateDownloads();
  } catch (e) {
    // Never leave the previous run's charts on screen as if they answered this one.
    lastResults = { a: null, b: null };
    shownScenarios = { a: null, b: null };
    renderResults();
    updateDownloads();
    setStatus((e.field ? `[${e.field}] ` : "") + e.message, "error");
  } finally {
    $("run").disabled = false;
  }
}

async function download(format) {
  if (!shownScenarios.a) return;
  setStatus(`Preparing ${format === "csv" ? "the CSV" : "the Parquet file"} of the results shown (the scenario is solved again on the server)…`, "");
  const response = await fetch("/api/run?format=" + format, { method: "POST", headers: withToken({ "Content-Type": "application/json" }), body: JSON.stringify(shownScenarios.a) });
  if (!response.ok) { setStatus("Download failed: " + (await response.json()).error, "error"); return; }
  setStatus("Downloaded.", "ok");
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = format === "csv" ? "results.csv" : "results.zip";
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
function updateDownloads() { $("downloads").hidden = !lastResults.a; }

// ------------------------------------------------------------------ results
const fmt = (v, d = 3) => (v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(d));
const signClass = (v) => (v < 0 ? "neg" : v > 0 ? "pos" : "");

function shownCountries(result) {
  // Side by side, both columns show A's countries in A's order, so rows and bars line up.
  if (lastResults.a && result !== lastResults.a && lastResults.a.countries.length === result.countries.length) {
    return shownCountries(lastResults.a);
  }
  const rows = result.countries.slice().sort((x, y) => Math.abs(y.welfare_pct ?? 0) - Math.abs(x.welfare_pct ?? 0));
  const codes = rows.slice(0, TOP).map((r) => r.country);
  for (const c of result.focus || []) if (!codes.includes(c)) codes.unshift(c);
  return codes;
}
// Names for readers, codes on hover.
const nameOf = (result, code) => (result.country_names || {})[code] || code;
// One value range for every side of a comparison, so equal bars are equal heights.
function sharedRange(slots, values) {
  const all = slots.flatMap(values).filter((v) => v !== null && v !== undefined && Number.isFinite(v));
  if (!all.length) return undefined;
  const lo = Math.min(0, ...all), hi = Math.max(0, ...all), pad = 0.08 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}
function byCode(result) { return Object.fromEntries(result.countries.map((r) => [r.country, r])); }

function panel(title, caption) {
  const el = document.createElement("div");
  el.className = "panel";
  el.innerHTML = `<h3>${esc(title)}</h3>` + (caption ? `<p class="caption">${esc(caption)}</p>` : "");
  return el;
}
function columns(parent, count) {
  const box = document.createElement("div");
  if (count > 1) box.className = "side-by-side";
  parent.appendChild(box);
  return box;
}
function chart(parent, id) {
  const el = document.createElement("div");
  el.className = "chart";
  el.id = id;
  parent.appendChild(el);
  // Every chart's numbers as a CSV, built from what is drawn (series, x, y; hover values where a
  // chart draws a transformed value, as the heatmap and the cut sector bars do).
  const link = document.createElement("a");
  link.href = "#";
  link.className = "chart-csv";
  link.id = id + "-csv";
  link.textContent = "CSV of this chart";
  link.onclick = (e) => { e.preventDefault(); chartCsv(el); };
  parent.appendChild(link);
  const source = document.createElement("p");
  source.className = "caption source";
  source.textContent = sourceNote();
  parent.appendChild(source);
  return el;
}
function sourceNote() {
  const r = lastResults.a;
  const w = r && worldCache[r.world];
  const cite = w && w.citation ? `; data: ${w.citation}` : "";
  return r ? `Source: tradewar on ${r.world} (${r.model}, deficits ${r.deficits})${cite}.` : "";
}
const csvCell = (v) => {
  const text = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
};
function chartRows(el) {
  const rows = [["series", "x", "y", "value"]];
  for (const trace of el.data || []) {
    if (trace.type === "choropleth") {
      trace.locations.forEach((code, k) => rows.push([trace.name || "", code, "", trace.z[k]]));
      continue;
    }
    if (trace.type === "heatmap") {
      const values = trace.customdata || trace.z;
      trace.y.forEach((yy, i) => trace.x.forEach((xx, j) => rows.push([trace.name || "", xx, yy, values[i][j]])));
      continue;
    }
    (trace.x || []).forEach((xx, k) => {
      const shown = trace.y[k];
      const exact = Array.isArray(trace.customdata?.[k]) ? trace.customdata[k][1] : shown;
      rows.push([trace.name || "", xx, "", exact]);
    });
  }
  return rows;
}
function chartCsv(el) {
  const text = chartRows(el).map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = el.id + ".csv";
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function welfareTable(result, slot) {
  const rows = byCode(result);
  const codes = shownCountries(result);
  const body = codes.map((c) => {
    const r = rows[c];
    const money = (v) => (v === null || v === undefined ? "–" : esc(Number(v).toLocaleString(undefined, { maximumFractionDigits: 0 })));
    return `<tr data-country="${esc(c)}"><td class="left" title="${esc(c)}">${esc(nameOf(result, c))}</td><td class="welfare ${signClass(r.welfare_pct)}" data-value="${esc(r.welfare_pct)}">${fmt(r.welfare_pct)}</td>` +
      `<td class="ev ${signClass(r.equivalent_variation)}" data-value="${esc(r.equivalent_variation)}">${money(r.equivalent_variation)}</td>` +
      `<td class="ev-household ${signClass(r.equivalent_variation_per_household)}" data-value="${esc(r.equivalent_variation_per_household)}">${money(r.equivalent_variation_per_household)}</td>` +
      `<td class="real-wage" data-value="${esc(r.real_wage_pct)}">${fmt(r.real_wage_pct)}</td>` +
      `<td class="prices" data-value="${esc(r.price_index_pct)}">${fmt(r.price_index_pct)}</td>` +
      `<td class="import-prices" data-value="${esc(r.import_price_duty_paid_pct)}">${fmt(r.import_price_duty_paid_pct)}</td>` +
      `<td class="statutory" data-value="${esc(r.statutory_tariff_pct)}">${fmt(r.statutory_tariff_pct, 2)}</td>` +
      `<td class="realised" data-value="${esc(r.realised_tariff_pct)}">${fmt(r.realised_tariff_pct, 2)}</td>` +
      `<td>${fmt(r.terms_of_trade_pct)}</td><td>${fmt(r.volume_of_trade_pct)}</td>` +
      `<td>${money(r.tariff_revenue)}</td></tr>`;
  }).join("");
  return `<div class="table-wrap"><table id="welfare-table-${esc(slot)}" class="welfare-table" data-scenario="${esc(result.scenario)}">
    <thead><tr><th class="left">Country</th><th>Welfare %</th><th title="equivalent variation at baseline prices">Welfare (${esc(result.unit)})</th><th title="equivalent variation in US dollars per household (World Bank population over UN persons per household; – where unknown)">Welfare (USD per household)</th><th>Real wage %</th><th>Consumer prices %</th><th title="duty-paid, weighted by the baseline's imports">Import prices %</th>` +
    `<th title="tariffs in force weighted by the baseline's imports (before substitution)">Tariff, statutory %</th><th title="duties over imports after the shock (after substitution)">Tariff, realised %</th>` +
    `<th>ToT %</th><th>VoT %</th><th>Tariff revenue (${esc(result.unit)})</th></tr></thead>
    <tbody>${body}</tbody></table></div>`;
}

function renderResults() {
  const slots = ["a", "b"].filter((s) => lastResults[s]);
  const panels = $("panels");
  panels.innerHTML = "";
  $("placeholder").hidden = slots.length > 0;
  if (!slots.length) return;
  const n = slots.length;

  // Summary and welfare tables
  const summary = panel("Welfare by country", "Percent change from the baseline at the last step; the largest changes and the focus countries.");
  const sumCols = columns(summary, n);
  for (const s of slots) {
    const r = lastResults[s];
    const last = r.steps[r.steps.length - 1];
    const box = document.createElement("div");
    box.innerHTML = `<p><strong>${n > 1 ? s.toUpperCase() + ": " : ""}${esc(r.scenario)}</strong> — ${esc(r.world)}, ${esc(r.model)}, deficits ${esc(r.deficits)}; step “${esc(last.label)}”` +
      ` <span class="badge ${r.converged ? "ok" : "bad"}" id="converged-${s}">${r.converged ? "converged" : "not converged"}</span>` +
      ` <span class="caption">${esc(r.iterations)} iterations, max residual ${esc(Number(r.max_residual).toExponential(1))}</span></p>` + welfareTable(r, s);
    sumCols.appendChild(box);
  }
  panels.appendChild(summary);

  // A world map of welfare (ISO-3 codes; aggregates such as ROW or EU have no outline).
  const map = panel("Welfare on the map", "Percent change of welfare at the last step; regions that are not single countries (ROW, EU, ...) are not drawn.");
  const mapCols = columns(map, n);
  panels.appendChild(map);
  const mapRange = sharedRange(slots, (s) => lastResults[s].countries.map((q) => q.welfare_pct));
  const mapCap = mapRange ? Math.max(Math.abs(mapRange[0]), Math.abs(mapRange[1])) : 1;
  for (const s of slots) {
    const r = lastResults[s];
    Plotly.react(chart(mapCols, "chart-map-" + s), [{
      type: "choropleth", locationmode: "ISO-3", locations: r.countries.map((q) => q.country), z: r.countries.map((q) => q.welfare_pct),
      text: r.countries.map((q) => nameOf(r, q.country)), colorscale: "RdBu", reversescale: true, zmin: -mapCap, zmax: mapCap, colorbar: { title: { text: "%" } },
      hovertemplate: "%{text} (%{location}): %{z:.3f}%<extra></extra>",
    }], { margin: { t: 10, r: 10, l: 10, b: 10 }, geo: { projection: { type: "natural earth" }, showframe: false, showcoastlines: false } }, PLOT);
  }

  // Welfare and real wage bars (with Monte Carlo bands once drawn, for a scenario that says
  // what is uncertain in its [uncertainty] table)
  const bars = panel("Welfare and real wage", "Percent change by country." + (bands.a ? ` Whiskers: welfare from the ${bands.a.low} to the ${bands.a.high} quantile of ${bands.a.runs} Monte Carlo draws.` : ""));
  if (shownScenarios.a && shownScenarios.a.uncertainty && !bands.a) {
    const button = document.createElement("button");
    button.type = "button";
    button.id = "draw-bands";
    button.textContent = "Draw uncertainty bands (Monte Carlo job)";
    button.onclick = () => drawBands(button);
    bars.appendChild(button);
  }
  const barCols = columns(bars, n);
  panels.appendChild(bars);
  const barRange = sharedRange(slots, (s) => { const r = lastResults[s], rows = byCode(r); return shownCountries(r).flatMap((c) => [rows[c].welfare_pct, rows[c].real_wage_pct]); });
  for (const s of slots) {
    const r = lastResults[s], rows = byCode(r), codes = shownCountries(r), names = codes.map((c) => nameOf(r, c));
    Plotly.react(chart(barCols, "chart-welfare-" + s), [
      { type: "bar", name: "Welfare", x: names, y: codes.map((c) => rows[c].welfare_pct), customdata: codes, hovertemplate: "%{x} (%{customdata}): %{y:.3f}%<extra>Welfare</extra>",
        error_y: s === "a" && bands.a ? { type: "data", symmetric: false, array: codes.map((c) => (bands.a.by[c] ? bands.a.by[c][1] - rows[c].welfare_pct : 0)), arrayminus: codes.map((c) => (bands.a.by[c] ? rows[c].welfare_pct - bands.a.by[c][0] : 0)) } : undefined },
      { type: "bar", name: "Real wage", x: names, y: codes.map((c) => rows[c].real_wage_pct), customdata: codes, hovertemplate: "%{x} (%{customdata}): %{y:.3f}%<extra>Real wage</extra>" },
    ], { barmode: "group", title: { text: n > 1 ? s.toUpperCase() : "", font: { size: 13 } }, margin: { t: 30, r: 10, l: 50, b: 90 }, yaxis: { title: "%", range: barRange }, legend: { orientation: "h", y: 1.12 } }, PLOT);
  }
  if (n > 1) {
    const diff = panel("Difference B − A", "Welfare, percentage points.");
    panels.appendChild(diff);
    const ra = byCode(lastResults.a), rb = byCode(lastResults.b);
    const codes = shownCountries(lastResults.a).filter((c) => rb[c]);
    Plotly.react(chart(diff, "chart-diff"), [{ type: "bar", x: codes, y: codes.map((c) => rb[c].welfare_pct - ra[c].welfare_pct) }], { margin: { t: 10, r: 10, l: 50, b: 60 }, yaxis: { title: "points" } }, PLOT);
  }

  // Terms of trade vs volume of trade
  const tot = panel("Terms of trade and volume of trade", "The two parts of the welfare change (percent).");
  const totCols = columns(tot, n);
  panels.appendChild(tot);
  for (const s of slots) {
    const r = lastResults[s], rows = byCode(r), codes = shownCountries(r);
    const names = codes.map((c) => nameOf(r, c));
    Plotly.react(chart(totCols, "chart-tot-" + s), [
      { type: "bar", name: "Terms of trade", x: names, y: codes.map((c) => rows[c].terms_of_trade_pct) },
      { type: "bar", name: "Volume of trade", x: names, y: codes.map((c) => rows[c].volume_of_trade_pct) },
    ], { barmode: "relative", margin: { t: 10, r: 10, l: 50, b: 90 }, yaxis: { title: "%" }, legend: { orientation: "h" } }, PLOT);
  }

  // Where the welfare change comes from: the exact split into the parts of income
  const parts = [["factor_income_pct", "Wages and profits"], ["tariff_revenue_pct", "Tariff revenue"],
    ["rents_pct", "Export-control rents"], ["capacity_rents_pct", "Capacity rents"], ["transfers_pct", "Transfers (deficit)"]];
  const dec = panel("Where the welfare change comes from", "Each country's welfare change split exactly into the real change of each part of its income (points; they add up to it), last step.");
  const decCols = columns(dec, n);
  panels.appendChild(dec);
  for (const s of slots) {
    const r = lastResults[s], rows = byCode(r), codes = shownCountries(r);
    const box = document.createElement("div");
    decCols.appendChild(box);
    Plotly.react(chart(box, "chart-decomposition-" + s), parts.map(([key, name]) => (
      { type: "bar", name, x: codes.map((c) => nameOf(r, c)), y: codes.map((c) => rows[c][key]) })),
    { barmode: "relative", margin: { t: 10, r: 10, l: 50, b: 90 }, yaxis: { title: "points" }, legend: { orientation: "h" } }, PLOT);
    // Plain sentences where a rent or the tariff revenue decides the sign: text, never markup.
    const last = r.steps[r.steps.length - 1];
    for (const d of last.welfare_drivers || []) {
      const line = document.createElement("p");
      line.className = "caption driver";
      line.textContent = d.sentence;
      box.appendChild(line);
    }
  }

  // Bilateral heatmap
  const heat = panel("Bilateral imports", "Change of each importer's imports from each exporter, all sectors, percent (last step).");
  const heatCols = columns(heat, n);
  panels.appendChild(heat);
  // Colours on a signed log scale, log10(1 + |change|): a -80% cell and a -6% one are told
  // apart and one huge cell does not wash out the rest; the colour bar and hover give percent.
  // Falls are red and rises blue, as on the map.
  const signedLog = (v) => (v === null ? null : Math.sign(v) * Math.log10(1 + Math.abs(v)));
  const heatMax = Math.max(0.01, ...slots.flatMap((s) => lastResults[s].steps[lastResults[s].steps.length - 1].bilateral.imports_pct.flat().filter((v) => v !== null).map((v) => Math.abs(signedLog(v)))));
  const ticks = [-1000, -100, -50, -10, -1, 0, 1, 10, 50, 100, 1000].filter((v) => Math.abs(signedLog(v)) <= heatMax + 1e-9);
  for (const s of slots) {
    const r = lastResults[s];
    const b = r.steps[r.steps.length - 1].bilateral;
    Plotly.react(chart(heatCols, "chart-heat-" + s), [{
      type: "heatmap", z: b.imports_pct.map((row) => row.map(signedLog)), customdata: b.imports_pct, x: b.countries, y: b.countries,
      text: b.countries.map((ci) => b.countries.map((cj) => `${nameOf(r, ci)} from ${nameOf(r, cj)}`)),
      colorscale: "RdBu", reversescale: true, zmin: -heatMax, zmax: heatMax,
      colorbar: { title: { text: "%" }, tickvals: ticks.map(signedLog), ticktext: ticks.map((v) => (v > 0 ? "+" : "") + v) },
      hovertemplate: "%{text}: %{customdata:.2f}%<extra></extra>",
    }], { margin: { t: 36, r: 10, l: 50, b: 50 }, xaxis: { title: "exporter" }, yaxis: { title: "importer", autorange: "reversed" } }, { ...PLOT, displayModeBar: "hover" });
  }

  // Sector output for one country
  const first = lastResults[slots[0]];
  const codesAll = first.countries.map((r) => r.country);
  if (!codesAll.includes(state.country)) state.country = (first.focus && first.focus[0]) || codesAll[0];
  const sect = panel("Real output by sector", "Percent change of real gross output (last step).");
  const pick = document.createElement("select");
  pick.id = "sector-country";
  pick.innerHTML = codesAll.map((c) => `<option value="${esc(c)}" ${c === state.country ? "selected" : ""}>${esc(c)} — ${esc(first.country_names[c] || c)}</option>`).join("");
  pick.onchange = () => { state.country = pick.value; saveUrl(); renderResults(); };
  sect.appendChild(pick);
  const sectCols = columns(sect, n);
  panels.appendChild(sect);
  // The value axis covers the 5th to 95th percentile of the sectors (one tiny sector at
  // +2,000% would flatten the rest); bars beyond it are cut and labelled with their value.
  // Changes below 1e-9 % are rounding, shown as zero.
  const sectorValues = (s) => (lastResults[s].steps[lastResults[s].steps.length - 1].output_real_pct[state.country] || []).map((v) => (v === null || Math.abs(v) < 1e-9 ? 0 : v));
  const pooled = slots.flatMap(sectorValues).slice().sort((x, y) => x - y);
  const pct = (q) => pooled[Math.min(pooled.length - 1, Math.max(0, Math.round(q * (pooled.length - 1))))] ?? 0;
  const lo = Math.min(0, pct(0.05)), hi = Math.max(0, pct(0.95)), pad = 0.15 * (hi - lo || 1);
  const range = [lo - pad, hi + pad];
  for (const s of slots) {
    const r = lastResults[s];
    const values = sectorValues(s);
    const codes = Object.keys(r.sector_names);
    const labels = codes.map((c) => r.sector_names[c]);
    const cut = values.map((v) => (v > range[1] || v < range[0] ? (v > 0 ? "+" : "") + v.toFixed(0) + "%" : ""));
    Plotly.react(chart(sectCols, "chart-sectors-" + s), [{ type: "bar", x: labels, y: values.map((v) => Math.max(range[0], Math.min(range[1], v))), customdata: codes.map((c, k) => [c, values[k]]), text: cut, textposition: "inside", hovertemplate: "%{x} (%{customdata[0]}): %{customdata[1]:.2f}%<extra></extra>" }],
      { margin: { t: 10, r: 10, l: 50, b: 110 }, yaxis: { title: "%", range }, xaxis: { tickangle: -40, automargin: true } }, PLOT);
  }

  // Timeline and who won: one evenly spaced position per step (steps days apart stay legible),
  // a step line (a policy holds until the next step), the countries the reader picks.
  for (const s of slots) {
    const r = lastResults[s];
    if (r.steps.length < 2) continue;
    const tl = panel(`Timeline${n > 1 ? " (" + s.toUpperCase() + ")" : ""}`, "Welfare at each dated step, percent change from the baseline; each step holds until the next.");
    panels.appendChild(tl);
    const all = r.countries.map((q) => q.country);
    const fallback = (r.focus || []).concat(shownCountries(r).filter((c) => !(r.focus || []).includes(c)).slice(0, 3));
    const chosen = (state.timeline || []).filter((c) => all.includes(c));
    const countries = chosen.length ? chosen : fallback;
    const picker = document.createElement("select");
    picker.id = "timeline-countries-" + s;
    picker.multiple = true;
    picker.size = 5;
    picker.setAttribute("aria-label", "Countries on the timeline");
    picker.innerHTML = all.map((c) => `<option value="${esc(c)}" ${countries.includes(c) ? "selected" : ""}>${esc(nameOf(r, c))} (${esc(c)})</option>`).join("");
    picker.onchange = () => { state.timeline = Array.from(picker.selectedOptions).map((o) => o.value); saveUrl(); renderResults(); };
    tl.appendChild(picker);
    const x = r.steps.map((st, k) => k);
    const ticks = r.steps.map((st) => `${st.date || ""}<br>${st.label.length > 22 ? st.label.slice(0, 21) + "…" : st.label}`);
    Plotly.react(chart(tl, "chart-timeline-" + s), countries.map((c) => ({
      type: "scatter", mode: "lines+markers", line: { shape: "hv" }, name: nameOf(r, c), x, y: r.steps.map((st) => (st.countries.find((q) => q.country === c) || {}).welfare_pct),
      text: r.steps.map((st) => `${st.date || ""} ${st.label}`), hovertemplate: "%{text}<br>" + esc(nameOf(r, c)) + " %{y:.3f}%<extra></extra>",
    })), { margin: { t: 10, r: 10, l: 50, b: 120 }, xaxis: { tickvals: x, ticktext: ticks, tickangle: -50, tickfont: { size: 9 } }, yaxis: { title: "welfare %" }, legend: { orientation: "h", y: 1.1 } }, PLOT);
    // Money over the timeline: each picked country's tariff revenue at every step (world unit).
    const revenueCaption = document.createElement("p");
    revenueCaption.className = "caption";
    revenueCaption.textContent = `Tariff revenue at each step (${r.unit} a year at the baseline's prices), for the same countries.`;
    tl.appendChild(revenueCaption);
    Plotly.react(chart(tl, "chart-revenue-" + s), countries.map((c) => ({
      type: "scatter", mode: "lines+markers", line: { shape: "hv" }, name: nameOf(r, c), x, y: r.steps.map((st) => (st.countries.find((q) => q.country === c) || {}).tariff_revenue),
      text: r.steps.map((st) => `${st.date || ""} ${st.label}`), hovertemplate: "%{text}<br>" + esc(nameOf(r, c)) + " %{y:,.0f}<extra></extra>",
    })), { margin: { t: 10, r: 10, l: 70, b: 120 }, xaxis: { tickvals: x, ticktext: ticks, tickangle: -50, tickfont: { size: 9 } }, yaxis: { title: "tariff revenue (" + r.unit + ")" }, legend: { orientation: "h", y: 1.1 } }, PLOT);
    if (r.focus && r.focus.length === 2) {
      const [fa, fb] = r.focus;
      const rate = (st, imp, par, kind) => ((st.effective_tariffs || []).find((e) => e.importer === imp && e.partner === par) || {})[kind];
      const level = (v) => (v === null || v === undefined ? "–" : esc(Number(v).toLocaleString(undefined, { maximumFractionDigits: 0 })));
      const rows = r.steps.map((st) => `<tr><td class="left">${esc(st.date || "")}</td><td class="left">${esc(st.label)}</td>` +
        [[fa, fb], [fb, fa]].map(([imp, par]) => `<td class="statutory" data-value="${esc(rate(st, imp, par, "statutory_pct"))}">${fmt(rate(st, imp, par, "statutory_pct"), 2)}</td><td class="realised" data-value="${esc(rate(st, imp, par, "realised_pct"))}">${fmt(rate(st, imp, par, "realised_pct"), 2)}</td>` +
          `<td class="imports" data-value="${esc(rate(st, imp, par, "imports_after"))}">${level(rate(st, imp, par, "imports_after"))}</td><td class="duties" data-value="${esc(rate(st, imp, par, "tariff_revenue"))}">${level(rate(st, imp, par, "tariff_revenue"))}</td>`).join("") + "</tr>").join("");
      const box = document.createElement("div");
      const [a, b] = [esc(nameOf(r, fa)), esc(nameOf(r, fb))];
      box.innerHTML = `<h3>Effective tariff rates: ${a} and ${b}</h3><p class="caption">Statutory: the tariffs in force weighted by the baseline's imports (before substitution). Realised: duties over imports after the shock (after substitution). Percent. Imports (before duties) and the duties on them in ${esc(r.unit)} a year; a pair whose tariffs never moved is blank.</p>` +
        `<div class="table-wrap"><table id="effective-tariffs-${s}"><thead><tr><th class="left">Date</th><th class="left">Step</th><th>${a} on ${b}, statutory %</th><th>${a} on ${b}, realised %</th><th>${a} imports from ${b}</th><th>${a} duties on ${b}</th><th>${b} on ${a}, statutory %</th><th>${b} on ${a}, realised %</th><th>${b} imports from ${a}</th><th>${b} duties on ${a}</th></tr></thead><tbody>${rows}</tbody></table></div>`;
      tl.appendChild(box);
    }
    if (r.who_won && r.who_won.length && r.focus.length === 2) {
      const [fa, fb] = r.focus;
      const rows = r.who_won.map((w) => `<tr><td class="left">${esc(w.date)}</td><td class="left">${esc(w.label)}</td><td class="${signClass(w["welfare_pct_" + fa])}">${fmt(w["welfare_pct_" + fa])}</td>` +
        `<td class="${signClass(w["welfare_pct_" + fb])}">${fmt(w["welfare_pct_" + fb])}</td><td>${fmt(w.welfare_gap_pts)}</td><td>${esc(Number(w["balance_change_" + fa + "_with_" + fb]).toLocaleString(undefined, { maximumFractionDigits: 0 }))}</td></tr>`).join("");
      const who = document.createElement("div");
      const [a, b] = [esc(fa), esc(fb)];
      who.innerHTML = `<h3>Who won? ${a} and ${b}</h3><p class="caption">Gap: ${a}'s welfare change minus ${b}'s (points); balance: change of ${a}'s bilateral balance with ${b} (${esc(r.unit)}).</p>` +
        `<div class="table-wrap"><table id="who-won-${s}"><thead><tr><th class="left">Date</th><th class="left">Step</th><th>${a} welfare %</th><th>${b} welfare %</th><th>Gap (pts)</th><th>${a} balance change</th></tr></thead><tbody>${rows}</tbody></table></div>`;
      tl.appendChild(who);
    }
  }
}

// ------------------------------------------------------------------ Monte Carlo bands
let bands = { a: null };
async function waitForJob(id, say) {
  let record = await api("/api/jobs/" + encodeURIComponent(id));
  while (["queued", "running"].includes(record.status)) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    record = await api("/api/jobs/" + encodeURIComponent(id));
    if (record.message) say(`${record.status}: ${record.message}`);
  }
  if (!["finished", "not converged"].includes(record.status)) throw new Error(record.error || record.reason || record.status);
  return record;
}
async function drawBands(button) {
  button.disabled = true;
  const say = (text, kind) => setStatus(text, kind);
  try {
    const job = await api("/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kind: "uncertainty", scenario: shownScenarios.a }) });
    say("Monte Carlo submitted…");
    const record = await waitForJob(job.id, say);
    const result = await api("/api/jobs/" + encodeURIComponent(job.id) + "/result");
    const [low, high] = [result.quantiles[0], result.quantiles[result.quantiles.length - 1]].map((q) => "q" + q);
    const by = {};
    for (const row of result.countries) if (row.welfare_pct) by[row.country] = [row.welfare_pct[low], row.welfare_pct[high]];
    bands = { a: { by, low, high, runs: result.converged_runs } };
    renderResults();
    say(record.status === "finished" ? "Bands drawn." : "Bands drawn; " + record.reason, record.status === "finished" ? "ok" : "error");
  } catch (e) {
    say((e.field ? `[${e.field}] ` : "") + e.message, "error");
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ strategy jobs
const GAME_PRESETS = [
  { id: "ossa-war", title: "Trade war among all seven (Ossa 2014, political economy)", world: "ossa2014", model: "ossa", kind: "nash", objective: "political", countries: "", allow_binding_bounds: true },
  { id: "ossa-talks", title: "Trade talks from today's tariffs (Ossa 2014, political economy)", world: "ossa2014", model: "ossa", kind: "cooperative", objective: "political", countries: "" },
  { id: "us-optimal", title: "The US optimal tariff, no retaliation (WIOD 2014, 3 sectors)", world: "wiod2014-s3", model: "caliendo-parro", kind: "optimal", objective: "welfare", countries: "USA", deficits: "zero" },
  { id: "us-china-war", title: "US–China tariff war (WIOD 2014, 3 sectors)", world: "wiod2014-s3", model: "caliendo-parro", kind: "nash", objective: "welfare", countries: "USA, CHN", deficits: "zero", against: "players" },
];

function gameRequest() {
  const kind = $("game-kind").value;
  const codes = $("game-countries").value.split(",").map((c) => c.trim()).filter(Boolean);
  const preset = GAME_PRESETS.find((p) => p.id === $("game-preset").value) || {};
  const request = { kind, world: current().world, model: current().model, objective: $("game-objective").value };
  if (preset.world === current().world) {
    for (const key of ["deficits", "allow_binding_bounds", "against"]) if (preset[key] !== undefined) request[key] = preset[key];
  }
  if (kind === "optimal") request.country = codes[0] || "";
  else if (kind === "bargain") request.countries = codes;
  else if (codes.length) request.players = codes;
  return request;
}

async function runGame() {
  const request = gameRequest();
  $("game-run").disabled = true;
  const say = (text, kind) => { $("game-status").textContent = text; $("game-status").className = kind || ""; };
  try {
    const job = await api("/api/jobs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) });
    say("Submitted; waiting for a worker…");
    let record = job;
    while (["queued", "running"].includes(record.status)) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      record = await api("/api/jobs/" + encodeURIComponent(job.id));
      if (record.message) say(`${record.status}: ${record.message}`);
    }
    if (!["finished", "not converged"].includes(record.status)) throw new Error(record.error || record.reason || record.status);
    const result = await api("/api/jobs/" + encodeURIComponent(job.id) + "/result");
    renderGame(request, result);
    say(record.status === "finished" ? "Solved." : "Not converged: " + (record.reason || ""), record.status === "finished" ? "ok" : "error");
  } catch (e) {
    say((e.field ? `[${e.field}] ` : "") + e.message, "error");
  } finally {
    $("game-run").disabled = false;
  }
}

function renderGame(request, result) {
  const old = $("game-panel");
  if (old) old.remove();
  const box = panel(`Strategy: ${request.kind} on ${result.world}`, `Objective ${result.objective}; tariffs in percent, welfare in percent change from the baseline.`);
  box.id = "game-panel";
  const w = worldCache[result.world];
  const names = Object.fromEntries(((w && w.country_list) || []).map((c) => [c.country, c.name]));
  const rows = (result.countries || []).map((c) => `<tr data-country="${esc(c.country)}"><td class="left" title="${esc(c.country)}">${esc(names[c.country] || c.country)}</td>` +
    `<td class="median" data-value="${esc(c.median_tariff_pct)}">${fmt(c.median_tariff_pct, 1)}</td><td>${fmt(c.mean_tariff_pct, 1)}</td>` +
    `<td class="welfare ${signClass(c.welfare_pct)}" data-value="${esc(c.welfare_pct)}">${fmt(c.welfare_pct)}</td><td>${fmt(c.gov_welfare_pct)}</td></tr>`).join("");
  box.innerHTML += `<p><span class="badge ${result.converged ? "ok" : "bad"}" id="game-converged">${result.converged ? "converged" : "not converged"}</span> ` +
    `<span class="caption">${esc(result.rounds ?? "")} rounds${result.reason ? "; " + esc(result.reason) : ""}</span></p>` +
    `<div class="table-wrap"><table id="game-table"><thead><tr><th class="left">Country</th><th>Median tariff %</th><th>Mean tariff %</th><th>Welfare %</th><th>Gov. welfare %</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  $("placeholder").hidden = true;
  $("panels").prepend(box);
}

async function chooseGamePreset(id) {
  const preset = GAME_PRESETS.find((p) => p.id === id);
  if (!preset) return;
  current().world = preset.world;
  current().model = preset.model;
  $("game-kind").value = preset.kind;
  $("game-objective").value = preset.objective;
  $("game-countries").value = preset.countries;
  await renderEditor();
  saveUrl();
}

// ------------------------------------------------------------------ set-up
async function choosePreset(id) {
  state.presets[state.active] = id;
  if (!id) return;
  try {
    const scenario = await api("/api/presets/" + encodeURIComponent(id));
    state.slots[state.active] = scenario;
    await renderEditor();
    saveUrl();
    setStatus("Preset loaded; press Run.", "");
  } catch (e) {
    setStatus(e.message, "error");
  }
}

async function init() {
  takeToken();
  const holder = document.createElement("div");
  holder.id = "country-codes-holder";
  document.body.appendChild(holder);
  const [worlds, presets] = await Promise.all([api("/api/worlds"), api("/api/presets")]);
  $("world").innerHTML = worlds.map((w) => `<option value="${esc(w.name)}">${esc(w.name)} (${esc(w.countries)}×${esc(w.sectors)}, ${esc(w.year)})</option>`).join("");
  const groups = {};
  for (const p of presets) (groups[p.parent || p.id] = groups[p.parent || p.id] || []).push(p);
  $("preset").innerHTML += Object.values(groups).map((list) => list.length === 1
    ? `<option value="${esc(list[0].id)}">${esc(list[0].title)}</option>`
    : `<optgroup label="${esc(list[0].title)}">` + list.map((p) => `<option value="${esc(p.id)}">${esc(p.parent ? p.title.split(" — ").slice(-1)[0] : "Full timeline (" + p.steps + " steps)")}</option>`).join("") + "</optgroup>").join("");

  $("preset").onchange = (e) => choosePreset(e.target.value);
  $("world").onchange = async (e) => { current().world = e.target.value; state.presets[state.active] = ""; await renderEditor(); saveUrl(); };
  $("model").onchange = (e) => { current().model = e.target.value; saveUrl(); };
  $("deficits").onchange = (e) => { current().deficits = e.target.value; saveUrl(); };
  $("name").onchange = (e) => { current().name = e.target.value; saveUrl(); };
  $("add-tariff").onclick = () => addPolicy("tariff");
  $("add-control").onclick = () => addPolicy("export_control");
  $("add-cost").onclick = () => addPolicy("trade_cost");
  $("run").onclick = run;
  $("game-preset").innerHTML += GAME_PRESETS.map((p) => `<option value="${esc(p.id)}">${esc(p.title)}</option>`).join("");
  $("game-preset").onchange = (e) => chooseGamePreset(e.target.value);
  $("game-run").onclick = runGame;
  $("copy-link").onclick = async () => {
    saveUrl();
    try { await navigator.clipboard.writeText(location.href); setStatus("Link copied.", "ok"); } catch (e) { setStatus("Copy the address bar: it holds the whole scenario.", ""); }
  };
  $("download-csv").onclick = (e) => { e.preventDefault(); download("csv"); };
  $("download-parquet").onclick = (e) => { e.preventDefault(); download("parquet"); };
  $("compare").onchange = async (e) => {
    state.compare = e.target.checked;
    if (state.compare && !state.slots.b) { state.slots.b = JSON.parse(JSON.stringify(state.slots.a)); state.slots.b.name += " (B)"; state.presets.b = state.presets.a; }
    if (!state.compare) state.active = "a";
    await renderEditor();
    saveUrl();
  };
  for (const slot of ["a", "b"]) $("tab-" + slot).onclick = async () => { state.active = slot; await renderEditor(); };

  const restored = loadUrl();
  await renderEditor();
  if (restored) await run();
}

window.addEventListener("DOMContentLoaded", () => { init().catch((e) => setStatus(e.message, "error")); });
