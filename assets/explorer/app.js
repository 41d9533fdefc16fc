// The grantlog explorer: pages over the server's JSON API, routed by the URL's hash
// (#/search?q=sam, #/user/sam, #/workload/T/W, #/decision/FACT), so that every page has
// a URL and back and forward work. Text is always inserted as text, never as HTML.
"use strict";

const PAGE = 50; // rows per page of a table
const main = document.getElementById("main");

function h(tag, attrs, ...kids) {
  const el = tag === "svg" || attrs?.svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "svg" || v === undefined || v === null) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
const s = (tag, attrs, ...kids) => h(tag, { ...attrs, svg: true }, ...kids);

async function api(method, path, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try { json = await r.json(); } catch (_) { /* not JSON */ }
  return { status: r.status, json };
}
const errorText = (r) => r.json?.error?.message || `the server answered ${r.status}`;

// A constant in a query: bare when the language reads it bare, quoted otherwise.
const lit = (v) => (/^[a-z][A-Za-z0-9_-]*$/.test(v) ? v : JSON.stringify(v));

async function query(text) {
  const r = await api("POST", "/v1/query", { query: text });
  if (r.status !== 200) throw new Error(errorText(r));
  // The server answers at most 10,000 rows: a table says when there are more.
  r.json.rows.total = r.json.total;
  return r.json.rows;
}

const href = {
  user: (u) => "#/user/" + encodeURIComponent(u),
  tenant: (t) => "#/tenant/" + encodeURIComponent(t),
  workload: (t, w) => `#/workload/${encodeURIComponent(t)}/${encodeURIComponent(w)}`,
  resource: (t, r) => `#/resource/${encodeURIComponent(t)}/${encodeURIComponent(r)}`,
  decision: (f) => "#/decision/" + encodeURIComponent(f),
  search: (q, page) => `#/search?q=${encodeURIComponent(q)}&page=${page || 0}`,
};
const factLink = (f) => h("a", { href: href.decision(f), class: "fact" }, f);
function hitLink(it) {
  const to = it.kind === "user" ? href.user(it.name) : it.kind === "tenant" ? href.tenant(it.name)
    : it.kind === "workload" ? href.workload(it.tenant, it.name) : href.resource(it.tenant, it.name);
  return h("a", { href: to }, it.name);
}

// A table of any length, shown a page at a time so that 10,000 rows stay responsive.
function table(columns, rows, cell) {
  const wrap = h("div", { class: "paged" });
  let page = 0;
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  function draw() {
    const body = rows.slice(page * PAGE, page * PAGE + PAGE).map((r) => h("tr", null, columns.map((c, i) => h("td", null, cell(r, c, i)))));
    const prev = h("button", { type: "button", onclick: () => { page--; draw(); } }, "← Previous");
    const next = h("button", { type: "button", onclick: () => { page++; draw(); } }, "Next →");
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
    wrap.replaceChildren(...[
      h("table", null, h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col" }, c)))), h("tbody", null, body)),
      rows.length > PAGE ? h("div", { class: "pager" }, prev, `rows ${page * PAGE + 1}–${Math.min(rows.length, (page + 1) * PAGE)} of ${rows.length}`, next) : null,
      rows.length === 0 ? h("p", { class: "muted" }, "none") : null,
      rows.total > rows.length ? h("p", { class: "muted" }, `the first ${rows.length} of ${rows.total} are listed`) : null,
    ].filter(Boolean));
  }
  draw();
  return wrap;
}

function show(title, ...content) {
  document.title = title + " · grantlog explorer";
  main.replaceChildren(h("h1", null, title), ...content);
  main.focus();
}

// ---- search, with completion --------------------------------------------------------

const q = document.getElementById("q");
const suggest = document.getElementById("suggest");
let active = -1;
let lastAsked = 0;

async function complete() {
  const asked = ++lastAsked;
  const text = q.value.trim();
  if (!text) { closeSuggest(); return; }
  const r = await api("GET", `/v1/explore/search?q=${encodeURIComponent(text)}&limit=8`);
  if (asked !== lastAsked || r.status !== 200) return;
  active = -1;
  suggest.replaceChildren(...r.json.items.map((it, i) => h("li", {
    role: "option", id: "opt-" + i, "data-href": hitLink(it).getAttribute("href"),
    onmousedown: (e) => { e.preventDefault(); go(hitLink(it).getAttribute("href")); },
  }, h("span", { class: "kind" }, it.kind), it.name, it.tenant ? h("span", { class: "muted" }, " in " + it.tenant) : null)));
  suggest.hidden = r.json.items.length === 0;
  q.setAttribute("aria-expanded", String(!suggest.hidden));
}
function closeSuggest() { suggest.hidden = true; active = -1; q.setAttribute("aria-expanded", "false"); q.removeAttribute("aria-activedescendant"); }
function go(to) { closeSuggest(); location.hash = to; }

let timer;
q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(complete, 120); });
q.addEventListener("keydown", (e) => {
  const opts = [...suggest.children];
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    if (!opts.length) return;
    e.preventDefault();
    active = (active + (e.key === "ArrowDown" ? 1 : opts.length - 1)) % opts.length;
    opts.forEach((o, i) => o.setAttribute("aria-selected", String(i === active)));
    q.setAttribute("aria-activedescendant", opts[active].id);
  } else if (e.key === "Escape") closeSuggest();
});
q.addEventListener("blur", () => setTimeout(closeSuggest, 150));
document.getElementById("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const opt = suggest.children[active];
  go(opt && !suggest.hidden ? opt.dataset.href : href.search(q.value.trim(), 0));
});
document.addEventListener("keydown", (e) => {
  if (e.key === "/" && !["INPUT", "TEXTAREA"].includes(document.activeElement.tagName)) { e.preventDefault(); q.focus(); }
});

async function searchPage(params) {
  const text = params.get("q") || "";
  const page = Number(params.get("page") || 0);
  q.value = text;
  const size = 20;
  const r = await api("GET", `/v1/explore/search?q=${encodeURIComponent(text)}&offset=${page * size}&limit=${size}`);
  if (r.status !== 200) return show("Search", h("p", { class: "alert", role: "alert" }, errorText(r)));
  const { items, total } = r.json;
  const pager = h("div", { class: "pager" },
    page > 0 ? h("a", { href: href.search(text, page - 1) }, "← Previous") : null,
    total ? `${page * size + 1}–${page * size + items.length} of ${total}` : "no match",
    r.json.next_offset !== null ? h("a", { href: href.search(text, page + 1) }, "Next →") : null);
  show(`Search “${text}”`, h("ul", { class: "results" }, items.map((it) => h("li", null, h("span", { class: "kind" }, it.kind), hitLink(it),
    it.tenant ? h("span", { class: "muted" }, ` in ${it.tenant}`) : null, it.detail ? h("span", { class: "muted" }, ` · ${it.detail}`) : null))), pager);
}

// ---- a user ------------------------------------------------------------------------

async function userPage(user) {
  const u = lit(user);
  // The audit can take seconds on a large instance: the page is shown without it, and
  // its section is filled in when it comes.
  const auditing = api("GET", "/v1/audit/" + encodeURIComponent(user));
  const [roles, received, given, runs, submits] = await Promise.all([
    query(`holds_role(${u}, T, R)`),
    query(`grant(T, R, ${u}, P, G)`),
    query(`grant(T, R, E, P, ${u})`),
    query(`runs_as(T, W, ${u})`),
    query(`resource(T, K, W, O, ${u}), workload_kind(K)`),
  ]);
  const workloads = new Map();
  for (const r of runs) workloads.set(r.T + "/" + r.W, { ...r, how: "runs as " + user });
  for (const r of submits) { const k = r.T + "/" + r.W; workloads.set(k, { ...r, how: workloads.has(k) ? "submits and runs as" : "submits" }); }
  const kind = h("p", { class: "muted" }, "");
  const audited = h("div", { class: "audit", "aria-busy": "true" }, h("p", { class: "muted" }, "reading what they may do…"));
  const shown = location.hash;
  show(`User ${user}`,
    kind,
    h("h2", null, "Roles per tenant"),
    table(["tenant", "role"], roles, (r, c) => c === "tenant" ? h("a", { href: href.tenant(r.T) }, r.T) : factLink(`holds_role(${user}, ${r.T}, ${r.R})`)),
    h("h2", null, "Workloads"),
    table(["workload", "tenant", "how", "runs?"], [...workloads.values()], (r, c) => c === "workload" ? h("a", { href: href.workload(r.T, r.W) }, r.W)
      : c === "tenant" ? r.T : c === "how" ? r.how : factLink(`can_run(${r.T}, ${r.W})`)),
    h("h2", null, "Grants received"),
    table(["permission", "resource", "tenant", "by"], received, (r, c) => c === "permission" ? r.P : c === "resource" ? h("a", { href: href.resource(r.T, r.R) }, r.R) : c === "tenant" ? r.T : h("a", { href: href.user(r.G) }, r.G)),
    h("h2", null, "Grants given"),
    table(["permission", "resource", "tenant", "to"], given, (r, c) => c === "permission" ? r.P : c === "resource" ? h("a", { href: href.resource(r.T, r.R) }, r.R) : c === "tenant" ? r.T : h("a", { href: href.user(r.E) }, r.E)),
    h("h2", null, "What they may do (audit, by scope)"),
    audited);
  const audit = await auditing;
  if (location.hash !== shown) return; // the reader has moved on
  audited.removeAttribute("aria-busy");
  if (audit.status !== 200) return audited.replaceChildren(h("p", { class: "alert", role: "alert" }, errorText(audit)));
  kind.textContent = `${audit.json.kind}${audit.json.holds_nothing ? " · holds nothing" : ""}`;
  // One paged table in scope order (a user may hold thousands of resource scopes: one
  // section each would not stay responsive).
  const scopeName = (sc) => sc.scope === "instance" ? "instance" : sc.scope === "tenant" ? `tenant ${sc.tenant}` : `${sc.resource} in ${sc.tenant}`;
  const rows = audit.json.scopes.flatMap((sc) => sc.decisions.map((d) => ({ scope: scopeName(sc), ...d })));
  audited.replaceChildren(table(["scope", "decision", "because"], rows, (d, c) => c === "scope" ? d.scope : c === "decision" ? factLink(d.fact)
    : d.grounds.map((g) => g.rule ? g.rule.name : g.basis + (g.source ? ` (${g.source})` : "")).join("; ")));
}

// ---- a tenant, a resource, a workload ------------------------------------------------

async function tenantPage(tenant) {
  const t = lit(tenant);
  const [members, resources] = await Promise.all([query(`holds_role(U, ${t}, R)`), query(`resource(${t}, K, N, O, S)`)]);
  show(`Tenant ${tenant}`,
    h("h2", null, "Members and roles"),
    table(["user", "role"], members, (r, c) => c === "user" ? h("a", { href: href.user(r.U) }, r.U) : r.R),
    h("h2", null, "Resources"),
    table(["name", "kind", "owner"], resources, (r, c) => c === "name" ? h("a", { href: href.resource(tenant, r.N) }, r.N) : c === "kind" ? r.K : h("a", { href: href.user(r.O) }, r.O)));
}

async function whoMay(tenant, name) {
  const rows = await query(`permission(U, ${lit(tenant)}, ${lit(name)}, P)`);
  return [h("h2", null, "Who may do what on it"),
    table(["user", "permission"], rows, (r, c) => c === "user" ? h("a", { href: href.user(r.U) }, r.U) : factLink(`permission(${r.U}, ${tenant}, ${name}, ${r.P})`))];
}

async function resourcePage(tenant, name) {
  const [info] = await query(`resource(${lit(tenant)}, K, ${lit(name)}, O, S)`).then((r) => [r[0]]);
  show(`Resource ${name} in ${tenant}`,
    info ? h("p", null, `${info.K} owned by `, h("a", { href: href.user(info.O) }, info.O)) : h("p", { class: "alert" }, "no such resource"),
    ...(await whoMay(tenant, name)));
}

// The dependency picture: the workload, the identity it runs as, and each permission it
// needs, held (solid, ✓ held) or missing (dashed, ✗ missing): readable without colour.
function dependencyPicture(workload, identity, needs) {
  const rowH = 56, top = 70, width = 760;
  const height = top + Math.max(1, needs.length) * rowH + 10;
  const box = (x, y, w, label, cls) => s("g", { class: "node " + (cls || "") }, s("rect", { x, y: y - 16, width: w, height: 32, rx: 6 }), s("text", { x: x + 8, y: y + 5 }, label));
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-labelledby": "pic-title", class: "deps" },
    s("title", { id: "pic-title" }, `Dependencies of ${workload}: ${needs.filter((n) => !n.held).length} missing of ${needs.length}`));
  const wy = top + ((needs.length - 1) * rowH) / 2;
  svg.append(s("g", { class: "edge plain" }, s("line", { x1: 90, y1: 36, x2: 90, y2: wy - 16 }), s("text", { x: 96, y: 50 }, "runs as")));
  svg.append(box(10, 20, 190, "identity: " + (identity || "none"), "identity"));
  needs.forEach((n, i) => {
    const y = top + i * rowH;
    const cls = n.held ? "held" : "missing";
    // A bend, then a straight run to the dependency with its label above it.
    svg.append(s("g", { class: `edge ${cls}`, "data-dependency": n.D, "data-permission": n.P },
      s("polyline", { points: `200,${wy} 290,${y} 540,${y}`, fill: "none" }),
      s("text", { x: 298, y: y - 7 }, `${n.held ? "✓ held" : "✗ MISSING"}: ${n.P}`)));
    svg.append(box(540, y, 210, n.D, cls));
  });
  svg.append(box(10, wy, 190, "workload: " + workload, "workload"));
  return svg;
}

async function workloadPage(tenant, name) {
  const t = lit(tenant), w = lit(name);
  const [runsAs, needs, missing, runs] = await Promise.all([
    query(`runs_as(${t}, ${w}, I)`), query(`needs(${t}, ${w}, D, P)`), query(`missing_permission(${t}, ${w}, U, D, P)`),
    api("POST", "/v1/check", { fact: `can_run(${tenant}, ${name})` }),
  ]);
  const identity = runsAs[0]?.I;
  const lacking = new Set(missing.map((m) => m.D + "\u0000" + m.P));
  const list = needs.map((n) => ({ ...n, held: !lacking.has(n.D + "\u0000" + n.P) }));
  const fact = runs.json?.fact || `can_run(${tenant}, ${name})`;
  show(`Workload ${name} in ${tenant}`,
    h("p", null, runs.json?.holds ? h("span", { class: "held" }, "✓ runs") : h("span", { class: "missing" }, "✗ does not run"), " · ", factLink(fact),
      " · runs as ", identity ? h("a", { href: href.user(identity) }, identity) : "nobody"),
    h("h2", null, "Dependencies"),
    dependencyPicture(name, identity, list),
    table(["dependency", "permission", "status"], list, (n, c) => c === "dependency" ? h("a", { href: href.resource(tenant, n.D) }, n.D) : c === "permission" ? n.P
      : n.held ? h("span", { class: "held" }, "✓ held") : h("span", { class: "missing" }, "✗ missing")),
    ...(await whoMay(tenant, name)));
}

// ---- a decision: proof, why-not, fixes, history ---------------------------------------

const statementCache = new Map();
async function statements(ids) {
  const want = ids.filter((i) => !statementCache.has(i));
  if (want.length) {
    const r = await api("GET", "/v1/explore/statements?ids=" + want.join(","));
    for (const i of want) statementCache.set(i, r.json?.[i] || null);
  }
  return ids.map((i) => [i, statementCache.get(i)]).filter(([, t]) => t);
}

function sourceButton(src) {
  const out = h("div");
  const b = h("button", { type: "button", class: "src-link", onclick: async () => {
    const r = await api("GET", `/v1/explore/source?file=${encodeURIComponent(src.file)}&line=${src.line}`);
    out.replaceChildren(r.status === 200 ? h("pre", { class: "src" }, r.json.lines.map((l) => h("span", { class: l.line === src.line ? "here" : "" }, `${String(l.line).padStart(4)}  ${l.text}\n`))) : h("p", { class: "alert" }, errorText(r)));
  } }, `${src.file}:${src.line}`);
  return h("span", null, b, out);
}

// One node of a proof as a <details> (open to depth 3), its premises inside.
function proofNode(node, depth) {
  const d = h("details", { class: "proof-node" });
  if (depth < 3) d.open = true;
  const cites = node.rule?.doc ? [...new Set(node.rule.doc.match(/\bS\d+\b/g) || [])] : [];
  const stmts = h("ul", { class: "statements" });
  if (cites.length) statements(cites).then((list) => stmts.replaceChildren(...list.map(([i, t]) => h("li", null, h("b", null, i + " "), t))));
  d.append(
    h("summary", null, h("span", { class: "fact" }, node.fact), " ",
      node.rule ? h("span", { class: "rule" }, `by ${node.rule.name} (${node.rule.location})`)
        : h("span", { class: "rule" }, node.fact.startsWith("!") ? "absent: nothing states or derives it" : "stated")),
    node.rule?.doc ? h("p", { class: "rule" }, node.rule.doc) : null,
    cites.length ? stmts : null,
    node.source ? sourceButton(node.source) : null,
    ...(node.premises || []).map((p) => proofNode(p, depth + 1)));
  for (const n of [...d.childNodes]) if (n.nodeType === Node.TEXT_NODE && n.data === "null") n.remove();
  return d;
}

// The same proof as a graph, laid out here (no library): one column per depth, the
// conclusion on the left, its premises to its right, an arrow from each premise to what
// it proves. A fact proved twice is drawn once (the proof's `ref`). Readable without
// colour: a derived fact has a solid rounded box and its rule's name, a stated one a
// square double box and `stated file:line`, an absent one a dashed box and `absent`.
function proofGraph(root) {
  const nodes = [], edges = [], byId = new Map();
  let leaves = 0;
  const rowH = 50, colGap = 60, boxH = 36, charW = 7.4, maxChars = 44;
  const clip = (t) => (t.length > maxChars ? t.slice(0, maxChars - 1) + "…" : t);
  function walk(n, depth) {
    if (n.ref !== undefined) return { ref: n.ref };
    const kind = n.negated ? "absent" : n.comparison ? "comparison" : n.rule ? "derived" : "stated";
    const note = kind === "derived" ? "by " + n.rule.name : kind === "stated" ? "stated" + (n.source ? ` ${n.source.file.split("/").pop()}:${n.source.line}` : "")
      : kind === "absent" ? "absent: nothing derives it" : "holds";
    const node = { fact: n.fact, kind, note, depth, y: 0 };
    nodes.push(node);
    if (n.id !== undefined) byId.set(n.id, node);
    const kids = (n.premises || []).map((p) => walk(p, depth + 1));
    const placed = kids.filter((k) => !k.ref);
    for (const k of kids) edges.push({ from: k, to: node });
    node.y = placed.length ? (placed[0].y + placed[placed.length - 1].y) / 2 : leaves++ * rowH;
    return node;
  }
  walk(root, 0);
  for (const e of edges) if (e.from.ref !== undefined) e.from = byId.get(e.from.ref);
  const depths = Math.max(...nodes.map((n) => n.depth)) + 1;
  const colW = Array.from({ length: depths }, (_, d) => 16 + charW * Math.max(...nodes.filter((n) => n.depth === d).map((n) => Math.max(clip(n.fact).length, n.note.length))));
  const colX = colW.map((_, d) => colW.slice(0, d).reduce((a, b) => a + b + colGap, 10));
  const width = colX[depths - 1] + colW[depths - 1] + 10, height = Math.max(1, leaves) * rowH + 10;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": "graph-title", class: "proof-graph" },
    s("title", { id: "graph-title" }, `The proof of ${root.fact} as a graph: ${nodes.length} facts`),
    s("defs", null, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z" }))));
  for (const e of edges) {
    if (!e.from) continue;
    const x1 = colX[e.from.depth], y1 = e.from.y + 5 + boxH / 2, x2 = colX[e.to.depth] + colW[e.to.depth], y2 = e.to.y + 5 + boxH / 2;
    svg.append(s("path", { class: "graph-edge", d: `M${x1},${y1} C${x1 - colGap / 2},${y1} ${x2 + colGap / 2},${y2} ${x2},${y2}`, "marker-end": "url(#arrow)" }));
  }
  for (const n of nodes) {
    const x = colX[n.depth], y = n.y + 5, w = colW[n.depth];
    const g = s("g", { class: "graph-node " + n.kind, "data-fact": n.fact },
      s("title", null, `${n.fact} (${n.note})`),
      s("rect", { x, y, width: w, height: boxH, rx: n.kind === "derived" ? 8 : 0 }),
      n.kind === "stated" ? s("rect", { class: "inner", x: x + 3, y: y + 3, width: w - 6, height: boxH - 6 }) : null,
      s("text", { x: x + 8, y: y + 15 }, clip(n.fact)),
      s("text", { x: x + 8, y: y + 30, class: "note" }, n.note));
    svg.append(n.kind === "derived" || n.kind === "stated" ? s("a", { href: href.decision(n.fact) }, g) : g);
  }
  return h("div", { class: "graph-wrap" }, svg);
}

// A proof as the collapsible tree and, beside it, the same proof as a graph.
function proofViews(proof) {
  const tree = h("div", { class: "proof-tree" }, proofNode(proof, 0));
  const graph = h("div", { class: "proof-graph-view", hidden: "" }, proofGraph(proof));
  const pick = (which) => () => {
    tree.hidden = which !== "tree"; graph.hidden = which !== "graph";
    treeB.setAttribute("aria-pressed", String(which === "tree")); graphB.setAttribute("aria-pressed", String(which === "graph"));
  };
  const treeB = h("button", { type: "button", class: "view-tree", "aria-pressed": "true", onclick: pick("tree") }, "Tree");
  const graphB = h("button", { type: "button", class: "view-graph", "aria-pressed": "false", onclick: pick("graph") }, "Graph");
  return h("div", { class: "proof-views" }, h("div", { class: "views", role: "group", "aria-label": "Show the proof as" }, treeB, graphB), tree, graph);
}

function changeList(r) {
  const item = (d, cls, sign) => h("li", { class: cls }, sign + " ", factLink(d.fact));
  return h("ul", { class: "flips" }, r.gained.map((d) => item(d, "gained", "+ gains")), r.lost.map((d) => item(d, "lost", "− loses")));
}

function fixBox(fact, fix) {
  const text = fix.join("\n");
  const out = h("div", { class: "fix-result", "aria-live": "polite" });
  const tryIt = async () => {
    const r = await api("POST", "/v1/explore/dry-run", { assert: text });
    if (r.status !== 200) return out.replaceChildren(h("p", { class: "alert", role: "alert" }, errorText(r)));
    const flips = r.json.gained.some((d) => d.fact === fact);
    out.replaceChildren(h("p", { class: flips ? "ok" : "alert" }, flips ? `Dry run: ${fact} would become true.` : `Dry run: ${fact} would not flip.`),
      h("p", null, `${r.json.gained.length + r.json.lost.length} decisions would flip (nothing was changed):`), changeList(r.json));
  };
  const apply = async () => {
    const token = document.getElementById("token").value;
    if (!token) return out.replaceChildren(h("p", { class: "alert", role: "alert" }, "Enter the server's token (top right) to apply a change."));
    const r = await api("POST", "/v1/changes", { assert: text, author: "explorer" }, token);
    if (r.status !== 200) return out.replaceChildren(h("p", { class: "alert", role: "alert" }, `Refused: ${errorText(r)}`));
    out.replaceChildren(h("p", { class: "ok" }, `Applied: the model is at revision ${r.json.revision}.`), changeList(r.json),
      h("button", { type: "button", onclick: () => route() }, "Check again"));
  };
  return h("div", { class: "fix" }, h("pre", null, text),
    h("button", { type: "button", class: "try-fix", onclick: tryIt }, "Try this fix (dry run)"), " ",
    h("button", { type: "button", class: "apply-fix", onclick: apply }, "Apply"), out);
}

function whyNotView(fact, w) {
  const first = w.rules?.[0];
  const cause = w.base ? `${fact} is a base fact that is not stated.`
    : first ? `${fact} does not hold: rule ${first.rule.name} fails on ${first.failing?.premise || "a premise"}.`
    : `no rule derives ${fact}.`;
  return [
    h("p", { class: "alert cause" }, cause),
    h("h2", null, "Failing premises"),
    ...(w.rules || []).map((r) => h("section", { class: "attempt" },
      h("h3", null, `rule ${r.rule.name}`, h("span", { class: "rule" }, ` (${r.rule.location})`)),
      r.rule.doc ? h("p", { class: "rule" }, r.rule.doc) : null,
      h("ul", null, (r.holding || []).map((p) => h("li", { class: "held" }, "✓ ", h("span", { class: "fact" }, p))),
        r.failing ? h("li", { class: "missing failing" }, "✗ ", h("span", { class: "fact" }, r.failing.premise), ` (${r.failing.kind})`) : null),
      r.failing?.proof ? proofNode(r.failing.proof, 1) : null)),
    h("h2", null, "Verified fixes, least privilege first"),
    (w.fixes || []).length ? h("div", null, w.fixes.map((f) => fixBox(fact, f))) : h("p", { class: "muted" }, "no fix found"),
  ];
}

async function decisionPage(fact) {
  let r = await api("POST", "/v1/check", { fact, explain: "proof" });
  if (r.status !== 200) return show(fact, h("p", { class: "alert", role: "alert" }, errorText(r)));
  if (!r.json.holds) r = await api("POST", "/v1/check", { fact, explain: "whynot" });
  if (r.status !== 200) return show(fact, h("p", { class: "alert", role: "alert" }, errorText(r)));
  const name = r.json.fact;
  const hist = await api("GET", "/v1/history?fact=" + encodeURIComponent(name));
  const history = hist.status === 200 ? table(["revision", "at", "by", "became", "change"], hist.json.changes, (c, col) =>
    col === "revision" ? c.revision : col === "at" ? c.at : col === "by" ? c.author || "" : col === "became" ? (c.holds ? "true" : "false")
      : [c.change.retract ? "retract " + c.change.retract : "", c.change.assert ? "assert " + c.change.assert : ""].join(" ").trim())
    : h("p", { class: "muted" }, errorText(hist));
  show(name,
    h("p", null, r.json.holds ? h("span", { class: "held verdict" }, "✓ holds") : h("span", { class: "missing verdict" }, "✗ does not hold"), ` at revision ${r.json.revision}`),
    ...(r.json.holds ? [h("h2", null, "Proof"), proofViews(r.json.proof)] : whyNotView(name, r.json.whynot)),
    h("h2", null, "History"), history);
}

// ---- a rule change: the live facts under other rules -------------------------------------

// The impact of other rules: counts per decision relation, then the changed decisions a
// page (of the server's: only the page's decisions are proved), each with its proof.
function ruleChangeView(d, more) {
  const proofCell = (c) => {
    if (!c.proof) return "";
    // Built when opened: a page of changes builds no proof tree it does not show.
    const det = h("details", { class: "change-proof" }, h("summary", null, c.change === "gained" ? "proof under the new rules" : "proof under the current rules"));
    det.addEventListener("toggle", () => { if (det.open && det.children.length === 1) det.append(proofNode(c.proof, 2)); });
    return det;
  };
  const all = d.total.gained + d.total.lost;
  const pager = h("div", { class: "pager" },
    d.offset > 0 ? h("button", { type: "button", onclick: () => more(Math.max(0, d.offset - 50)) }, "← Previous") : null,
    all ? `changes ${d.offset + 1}–${d.offset + d.changes.length} of ${all}` : "no decision changes",
    d.next_offset !== null ? h("button", { type: "button", onclick: () => more(d.next_offset) }, "Next →") : null);
  const unmatched = [...d.only_old.map((u) => u.relation + " (current rules only)"), ...d.only_new.map((u) => u.relation + " (new rules only)")];
  const leftOut = d.changes_left_out || [];
  return [
    h("p", { class: "impact-summary" }, `Under ${d.alternative}: ${d.total.gained} decisions gained, ${d.total.lost} lost, in ${d.total.relations} relations (revision ${d.revision}).`),
    // Changes made through the server are applied again under the other rules; one that
    // does not apply there is left out, and its decisions may show as lost.
    leftOut.length ? h("div", { class: "left-out alert" },
      h("p", null, `Left out of this comparison: ${leftOut.length === 1 ? "a change" : leftOut.length + " changes"} made through the server that ${leftOut.length === 1 ? "does" : "do"} not apply under ${d.alternative} (${leftOut.length === 1 ? "its" : "their"} decisions may show as lost):`),
      h("ul", null, leftOut.map((c) => h("li", null, `change ${c.revision}: ${c.message ?? "refused"}`)))) : null,
    d.refreshing ? h("p", { class: "muted refreshing" }, `The server is at revision ${d.current_revision}: this comparison of revision ${d.revision} is shown while the newer one is computed (reload for it).`) : null,
    table(["relation", "gained", "lost"], d.relations, (r, c) => c === "relation" ? r.relation : c === "gained" ? "+" + r.gained : "−" + r.lost),
    unmatched.length ? h("p", { class: "muted" }, "Not compared: " + unmatched.join(", ")) : null,
    h("h2", null, "Changed decisions"),
    h("table", { class: "changes" }, h("thead", null, h("tr", null, ["change", "decision", "user", "tenant", "proof"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", null, d.changes.map((c) => h("tr", null,
        h("td", null, h("span", { class: c.change }, c.change === "gained" ? "+ gains" : "− loses")),
        h("td", null, factLink(c.fact)), h("td", null, c.user ?? ""), h("td", null, c.tenant ?? ""), h("td", null, proofCell(c)))))),
    pager,
  ];
}

// Whether the server has the rule change ready (it computes its alternatives in the
// background when it starts).
function computedNote(c) {
  if (!c) return null;
  const text = c.status === "ready" ? `ready (revision ${c.revision}, computed in ${c.seconds.toFixed(1)} s)`
    : c.status === "computing" ? `computing (revision ${c.revision}, ${Math.round(c.seconds)} s so far)`
      : c.status === "failed" ? "failed: " + (c.error?.message || "") : "not computed yet";
  return h("span", { class: "muted computed-status" }, "— " + text);
}

async function rulesPage(name) {
  const list = await api("GET", "/v1/explore/rules");
  if (list.status !== 200) return show("Rule changes", h("p", { class: "alert", role: "alert" }, errorText(list)));
  const result = h("div", { class: "rule-change", "aria-live": "polite" });
  let runs = 0; // the latest run: an older one still asking stops
  const run = async (body) => {
    const mine = ++runs, here = location.hash;
    result.replaceChildren(h("p", { class: "muted" }, "evaluating the facts under the other rules…"));
    let r = await api("POST", "/v1/explore/rule-change", { ...body, limit: 50 });
    // Computed once per revision in the server's background (minutes on a large
    // instance): ask again until it is ready, while this page is still shown.
    while (r.status === 202 && mine === runs && location.hash === here) {
      result.replaceChildren(h("p", { class: "muted computing" },
        `computing the facts under ${r.json.alternative} at revision ${r.json.revision}: ${Math.round(r.json.seconds)} s so far (a large instance takes minutes; this page asks again every 2 s)`));
      await new Promise((done) => setTimeout(done, 2000));
      r = await api("POST", "/v1/explore/rule-change", { ...body, limit: 50 });
    }
    if (mine !== runs || location.hash !== here) return;
    if (r.status !== 200) {
      const at = (r.json?.error?.diagnostics || []).find((d) => d.location)?.location;
      return result.replaceChildren(h("p", { class: "alert", role: "alert" }, (at ? `${at.file}:${at.line}:${at.column}: ` : "") + errorText(r)));
    }
    result.replaceChildren(...ruleChangeView(r.json, (offset) => run({ ...body, offset })).filter(Boolean));
  };
  const upload = h("textarea", { id: "rules-text", rows: 8, cols: 80, "aria-label": "Rules to compare (a whole rule file)" });
  const file = h("input", { type: "file", id: "rules-file", accept: ".dl", onchange: async () => { if (file.files[0]) upload.value = await file.files[0].text(); } });
  show("Rule changes",
    h("p", null, "The live facts under other rules: which decisions would be gained and lost, each with its proof. Nothing is changed."),
    h("p", { class: "muted" }, "Serving: " + list.json.rules.join(", ")),
    h("h2", null, "The server's alternatives"),
    list.json.alternatives.length ? h("ul", { class: "alternatives" }, list.json.alternatives.map((a, i) => h("li", null,
      h("a", { href: "#/rules/" + encodeURIComponent(a), class: a === name ? "current" : "" }, a), " ", computedNote(list.json.computed?.[i]))))
      : h("p", { class: "muted" }, "none (grantlog serve --alt-rules FILE adds one)"),
    h("details", { class: "upload", open: name ? undefined : "" }, h("summary", null, "Or upload a rule file"),
      h("label", { for: "rules-file" }, "A .dl file: "), file, h("br"), upload, h("br"),
      h("button", { type: "button", class: "compare-upload", onclick: () => run({ rules: upload.value }) }, "Compare with these rules")),
    result);
  if (name) await run({ alternative: name });
}

// ---- the live feed ---------------------------------------------------------------------

function feed() {
  const list = document.getElementById("feed");
  const status = document.getElementById("feed-status");
  const es = new EventSource("/v1/watch");
  es.onopen = () => { status.textContent = "watching every decision change"; };
  es.onerror = () => { status.textContent = "reconnecting…"; };
  es.addEventListener("change", (e) => {
    const c = JSON.parse(e.data);
    list.prepend(h("li", { class: "feed-item" }, h("b", null, `revision ${c.revision}`), ` by ${c.author || "?"} (${c.source})`, changeList(c)));
    while (list.children.length > 50) list.lastChild.remove();
  });
  es.addEventListener("lagged", () => { status.textContent = "fell behind: reload for the latest"; });
}

// ---- routing -----------------------------------------------------------------------------

async function route() {
  const [path, search] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === "search") await searchPage(new URLSearchParams(search));
    else if (parts[0] === "user" && parts[1]) await userPage(parts[1]);
    else if (parts[0] === "tenant" && parts[1]) await tenantPage(parts[1]);
    else if (parts[0] === "workload" && parts[2]) await workloadPage(parts[1], parts[2]);
    else if (parts[0] === "resource" && parts[2]) await resourcePage(parts[1], parts[2]);
    else if (parts[0] === "decision" && parts[1]) await decisionPage(parts.slice(1).join("/"));
    else if (parts[0] === "rules") await rulesPage(parts[1]);
    else show("grantlog explorer", h("p", null, "Search a user, tenant, workload or resource above (press / to focus the search), or open a decision such as ",
      factLink("can_run(engineering, sales-360)"), "."));
  } catch (e) {
    show("Error", h("p", { class: "alert", role: "alert" }, String(e.message || e)));
  }
}

window.addEventListener("hashchange", route);
feed();
route();
