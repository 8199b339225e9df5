// tradewar dashboard: edit a scenario (or two), run it on the server, draw the results.
// The whole page state lives in the URL fragment (#state=...), so a link reproduces a result.
"use strict";

const $ = (id) => document.getElementById(id);
// Every value from data (a link's state, a world, a result) enters markup through esc: as
// text, never as tags or attributes (and the server's Content-Security-Policy refuses inline
// scripts should one slip through).
const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };
const esc = (value) => String(value ?? "").replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
const PLOT = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
const TOP = 15;

const state = {
  slots: { a: blankScenario(), b: null },
  presets: { a: "", b: "" },
  active: "a",
  compare: false,
  country: "",
};
const worldCache = {};
let lastResults = { a: null, b: null };

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

function renderPolicies() {
  const scenario = current();
  const box = $("policies");
  box.innerHTML = "";
  (scenario.policy || []).forEach((p, index) => {
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
    card.querySelector(".remove").onclick = () => { scenario.policy.splice(index, 1); renderPolicies(); saveUrl(); };
    card.querySelectorAll("input, select").forEach((el) => { el.onchange = () => { readPolicy(card, index); saveUrl(); }; });
    box.appendChild(card);
  });
  const note = $("timeline-note");
  const steps = scenario.step || [];
  note.hidden = steps.length === 0;
  note.textContent = steps.length
    ? `Timeline of ${steps.length} dated steps (from the preset; their policies are applied on top of those below): ` +
      steps.map((s) => `${s.date} ${s.label}`).join(" · ")
    : "";
}

function readPolicy(card, index) {
  const scenario = current();
  const old = scenario.policy[index];
  const instrument = card.querySelector(".instrument").value;
  const p = { kind: old.kind, importer: parseSelector(card.querySelector(".importer").value), exporter: parseSelector(card.querySelector(".exporter").value), sectors: parseSelector(card.querySelector(".sectors").value) };
  if (instrument === "ban") p.ban = true;
  else {
    const raw = card.querySelector(".value").value;
    p[instrument] = raw === "" ? null : Number(raw);
  }
  scenario.policy[index] = p;
  renderPolicies();
}

function addPolicy(kind) {
  const scenario = current();
  scenario.policy = scenario.policy || [];
  const p = kind === "export_control"
    ? { kind, exporter: "CHN", importer: "USA", sectors: "*", ban: true }
    : { kind, importer: "USA", exporter: "CHN", sectors: "*", add_pct: kind === "tariff" ? 25 : 20 };
  scenario.policy.push(p);
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
    const out = await Promise.all(slots.map(runSlot));
    lastResults = { a: out[0], b: out[1] || null };
    const bad = out.filter((r) => !r.converged);
    setStatus(bad.length ? "Not converged: the numbers below are not an equilibrium." : "Solved.", bad.length ? "error" : "ok");
    renderResults();
    updateDownloads();
  } catch (e) {
    setStatus((e.field ? `[${e.field}] ` : "") + e.message, "error");
  } finally {
    $("run").disabled = false;
  }
}

async function download(format, link) {
  const response = await fetch("/api/run?format=" + format, { method: "POST", headers: withToken({ "Content-Type": "application/json" }), body: JSON.stringify(state.slots.a) });
  if (!response.ok) { setStatus("Download failed: " + (await response.json()).error, "error"); return; }
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
  const rows = result.countries.slice().sort((x, y) => Math.abs(y.welfare_pct ?? 0) - Math.abs(x.welfare_pct ?? 0));
  const codes = rows.slice(0, TOP).map((r) => r.country);
  for (const c of result.focus || []) if (!codes.includes(c)) codes.unshift(c);
  return codes;
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
  return el;
}

function welfareTable(result, slot) {
  const rows = byCode(result);
  const codes = shownCountries(result);
  const body = codes.map((c) => {
    const r = rows[c];
    return `<tr data-country="${esc(c)}"><td>${esc(c)}</td><td class="welfare ${signClass(r.welfare_pct)}" data-value="${esc(r.welfare_pct)}">${fmt(r.welfare_pct)}</td>` +
      `<td class="real-wage" data-value="${esc(r.real_wage_pct)}">${fmt(r.real_wage_pct)}</td><td>${fmt(r.terms_of_trade_pct)}</td><td>${fmt(r.volume_of_trade_pct)}</td>` +
      `<td>${fmt(r.price_index_pct)}</td><td>${esc(Number(r.tariff_revenue ?? 0).toLocaleString(undefined, { maximumFractionDigits: 0 }))}</td></tr>`;
  }).join("");
  return `<div class="table-wrap"><table id="welfare-table-${esc(slot)}" class="welfare-table" data-scenario="${esc(result.scenario)}">
    <thead><tr><th>Country</th><th>Welfare %</th><th>Real wage %</th><th>ToT %</th><th>VoT %</th><th>Prices %</th><th>Tariff revenue (${esc(result.unit)})</th></tr></thead>
    <tbody>${body}</tbody></table></div>`;
}

function renderResults() {
  const slots = ["a", "b"].filter((s) => lastResults[s]);
  const panels = $("panels");
  panels.innerHTML = "";
  $("placeholder").hidden = slots.length > 0;
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

  // Welfare and real wage bars
  const bars = panel("Welfare and real wage", "Percent change by country.");
  const barCols = columns(bars, n);
  panels.appendChild(bars);
  for (const s of slots) {
    const r = lastResults[s], rows = byCode(r), codes = shownCountries(r);
    Plotly.react(chart(barCols, "chart-welfare-" + s), [
      { type: "bar", name: "Welfare", x: codes, y: codes.map((c) => rows[c].welfare_pct) },
      { type: "bar", name: "Real wage", x: codes, y: codes.map((c) => rows[c].real_wage_pct) },
    ], { barmode: "group", title: { text: n > 1 ? s.toUpperCase() : "", font: { size: 13 } }, margin: { t: 30, r: 10, l: 50, b: 60 }, yaxis: { title: "%" }, legend: { orientation: "h" } }, PLOT);
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
    Plotly.react(chart(totCols, "chart-tot-" + s), [
      { type: "bar", name: "Terms of trade", x: codes, y: codes.map((c) => rows[c].terms_of_trade_pct) },
      { type: "bar", name: "Volume of trade", x: codes, y: codes.map((c) => rows[c].volume_of_trade_pct) },
    ], { barmode: "relative", margin: { t: 10, r: 10, l: 50, b: 60 }, yaxis: { title: "%" }, legend: { orientation: "h" } }, PLOT);
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
      { type: "bar", name, x: codes, y: codes.map((c) => rows[c][key]) })),
    { barmode: "relative", margin: { t: 10, r: 10, l: 50, b: 60 }, yaxis: { title: "points" }, legend: { orientation: "h" } }, PLOT);
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
  for (const s of slots) {
    const b = lastResults[s].steps[lastResults[s].steps.length - 1].bilateral;
    // Colours saturate at the 90th percentile of |change| so that one huge cell does not wash out the rest.
    const sizes = b.imports_pct.flat().filter((v) => v !== null).map(Math.abs).sort((x, y) => x - y);
    const cap = Math.max(sizes[Math.floor(0.9 * (sizes.length - 1))] || 1, 0.01);
    Plotly.react(chart(heatCols, "chart-heat-" + s), [{ type: "heatmap", z: b.imports_pct, x: b.countries, y: b.countries, colorscale: "RdBu", reversescale: true, zmin: -cap, zmax: cap, colorbar: { title: { text: "%" } }, hovertemplate: "%{y} from %{x}: %{z:.2f}%<extra></extra>" }],
      { margin: { t: 10, r: 10, l: 50, b: 50 }, xaxis: { title: "exporter" }, yaxis: { title: "importer", autorange: "reversed" } }, PLOT);
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
  for (const s of slots) {
    const r = lastResults[s];
    const values = r.steps[r.steps.length - 1].output_real_pct[state.country] || [];
    const names = Object.keys(r.sector_names);
    Plotly.react(chart(sectCols, "chart-sectors-" + s), [{ type: "bar", x: names, y: values, text: names.map((c) => r.sector_names[c]), textposition: "none", hovertemplate: "%{x} %{text}: %{y:.2f}%<extra></extra>" }],
      { margin: { t: 10, r: 10, l: 50, b: 60 }, yaxis: { title: "%" } }, PLOT);
  }

  // Timeline and who won
  for (const s of slots) {
    const r = lastResults[s];
    if (r.steps.length < 2) continue;
    const tl = panel(`Timeline${n > 1 ? " (" + s.toUpperCase() + ")" : ""}`, "Welfare at each dated step, percent change from the baseline.");
    panels.appendChild(tl);
    const countries = (r.focus || []).concat(shownCountries(r).filter((c) => !(r.focus || []).includes(c)).slice(0, 3));
    const x = r.steps.map((st) => st.date || st.label);
    Plotly.react(chart(tl, "chart-timeline-" + s), countries.map((c) => ({
      type: "scatter", mode: "lines+markers", name: c, x, y: r.steps.map((st) => (st.countries.find((q) => q.country === c) || {}).welfare_pct),
      text: r.steps.map((st) => st.label), hovertemplate: "%{x}: %{text}<br>" + c + " %{y:.3f}%<extra></extra>",
    })), { margin: { t: 10, r: 10, l: 50, b: 50 }, yaxis: { title: "welfare %" }, legend: { orientation: "h" } }, PLOT);
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
