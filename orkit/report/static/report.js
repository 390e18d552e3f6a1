/* orkit report: builds the page from the JSON embedded in it.
 *
 * Every text in the data is untrusted (model outputs, dataset fields), so it only ever
 * reaches the page through textContent and createElement (never parsed as markup), with no
 * inline handlers and no URLs taken from the data. Nothing is fetched; the page computes no statistics, it
 * shows the payload's. */
(function () {
  "use strict";

  // Vega's embed options, in one place. `ast` plus the expression interpreter keep Vega
  // from compiling expressions with Function(), which the page's CSP (no 'unsafe-eval')
  // refuses.
  const EMBED_OPTIONS = {
    actions: false,
    ast: true,
    renderer: "svg",
    // the specs carry no `$schema` (a URL), so say what they are (orkit.report._vega)
    mode: "vega-lite",
    expr: window.vega ? window.vega.expressionInterpreter : undefined,
  };
  const PAGE_SIZES = [25, 50, 100, 200];
  const SNIPPET_CHARS = 160;
  const DASH = "–";

  /* ---------- DOM and formatting helpers ---------- */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  const isNum = (v) => typeof v === "number" && Number.isFinite(v);
  const at = (arr, i) => (arr && arr[i] !== undefined ? arr[i] : null);

  function unknown(why) {
    return el("span", { class: "unknown", title: why, text: DASH });
  }
  function fmtInt(v) {
    return isNum(v) ? Math.round(v).toLocaleString("en-US") : DASH;
  }
  function fmtUsd(v) {
    if (!isNum(v)) return DASH;
    if (v === 0) return "$0";
    const a = Math.abs(v);
    if (a >= 1) return "$" + v.toFixed(2);
    if (a >= 0.01) return "$" + v.toFixed(4);
    return "$" + v.toPrecision(3);
  }
  function fmtS(v) {
    if (!isNum(v)) return DASH;
    return v < 1 ? Math.round(v * 1000) + " ms" : v.toFixed(2) + " s";
  }
  function fmtDuration(v) {
    if (!isNum(v)) return DASH;
    if (v < 120) return v.toFixed(1) + " s";
    return (v / 60).toFixed(1) + " min";
  }
  // Pass/fail scores read as percentages and their differences in percentage points, as
  // `orkit compare` prints them; other scores as plain numbers.
  function fmtScore(v, binary) {
    if (!isNum(v)) return DASH;
    return binary ? (100 * v).toFixed(1) + "%" : v.toFixed(3);
  }
  function fmtSigned(v, binary) {
    if (!isNum(v)) return DASH;
    const sign = v > 0 ? "+" : "";
    return binary ? sign + (100 * v).toFixed(1) + " pp" : sign + v.toFixed(3);
  }
  function fmtP(v) {
    if (!isNum(v)) return DASH;
    return v < 0.001 ? "<0.001" : v.toFixed(3);
  }
  function pct(v) {
    return isNum(v) ? (100 * v).toFixed(1) + "%" : DASH;
  }
  /** A number cell: the formatted value, or a dash saying why it is unknown. */
  function valueOr(v, fmt, why) {
    return isNum(v) ? document.createTextNode(fmt(v)) : unknown(why);
  }
  function snippet(text, n) {
    const flat = String(text).replace(/\s+/g, " ").trim();
    return flat.length > n ? flat.slice(0, n - 1) + "…" : flat;
  }
  function messageText(content) {
    if (content === null || content === undefined) return "";
    if (typeof content === "string") return content;
    if (Array.isArray(content)) {
      return content
        .map((part) => (part && typeof part.text === "string" ? part.text : "[" + (part && part.type) + "]"))
        .join("\n");
    }
    return JSON.stringify(content, null, 2);
  }

  /* ---------- loading ---------- */

  // The packed data block is gzip in base85: RFC 1924's alphabet with "<", ">" and "&"
  // written as ",", "." and ":" so the block can hold no markup (orkit/report/_page.py).
  const BASE85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%:()*+-;,=.?@^_`{|}~";

  function base85Bytes(text) {
    const value = new Int16Array(128).fill(-1);
    for (let i = 0; i < BASE85.length; i++) value[BASE85.charCodeAt(i)] = i;
    const tail = text.length % 5;
    const groups = (text.length - tail) / 5;
    const out = new Uint8Array(groups * 4 + (tail ? tail - 1 : 0));
    let o = 0;
    const put = (n, count) => {
      for (let b = 3; b >= 4 - count; b--) out[o++] = (n >>> (8 * b)) & 255;
    };
    const group = (at, len) => {
      let n = 0;
      for (let j = 0; j < 5; j++) {
        const v = j < len ? value[text.charCodeAt(at + j)] : 84; // padded with the last digit
        if (v < 0) throw new Error("the report's data block is damaged");
        n = n * 85 + v;
      }
      return n;
    };
    for (let g = 0; g < groups; g++) put(group(g * 5, 5), 4);
    if (tail) put(group(groups * 5, tail), tail - 1);
    return out;
  }

  async function loadData() {
    const packed = document.getElementById("orkit-data-gz");
    if (packed) {
      const bytes = base85Bytes(packed.textContent.trim());
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return JSON.parse(await new Response(stream).text());
    }
    return JSON.parse(document.getElementById("orkit-data").textContent);
  }

  /* ---------- header: runs, notes, spec ---------- */

  function dl(pairs) {
    const list = el("dl", { class: "facts" });
    for (const [term, value] of pairs) {
      if (value === null || value === undefined) continue;
      list.append(el("dt", { text: term }), el("dd", {}, value));
    }
    return list;
  }

  function spendLine(estimate, actual, key, fmt) {
    const est = estimate ? estimate[key] : null;
    const act = actual ? actual[key] : null;
    if (!isNum(est) && !isNum(act)) return null;
    const parts = [isNum(act) ? fmt(act) : "unknown"];
    if (isNum(est)) parts.push(" (estimated " + fmt(est) + ")");
    return parts.join("");
  }

  function renderRun(run) {
    const ds = run.dataset;
    const actual = run.actual || {};
    const card = el("article", { class: "card run" });
    card.append(el("h3", { text: run.name || run.run_id }));
    card.append(
      dl([
        ["Run", run.run_id],
        ["Status", run.status],
        ["Started", run.created_at],
        ["Finished", run.finished_at],
        [
          "Dataset",
          ds
            ? el(
                "span",
                {},
                (ds.name || "?") + " · " + fmtInt(ds.rows) + " rows · ",
                el("code", { title: "fingerprint " + (ds.fingerprint || "unknown"), text: (ds.fingerprint || "?").slice(0, 12) }),
              )
            : null,
        ],
        ["Endpoint", run.endpoint],
        ["Catalog", run.catalog ? run.catalog.source + (run.catalog.date ? " of " + run.catalog.date : "") : null],
        [run.judges ? "Spend (answers + judges)" : "Spend", spendLine(run.estimate, actual, "cost_usd", fmtUsd)],
        ["Duration", spendLine(run.estimate, actual, "duration_s", fmtDuration)],
        [
          "Tasks",
          isNum(actual.tasks)
            ? fmtInt(actual.tasks) + " (" + fmtInt(actual.ok) + " ok, " + fmtInt(actual.errors) + " errors, " + fmtInt(actual.cached) + " cached)"
            : null,
        ],
        ["Budget", run.estimate && run.estimate.verdict ? run.estimate.verdict : null],
        ["Judges", run.judges ? run.judges.cost : null],
        ["Not scored", run.not_scored || null],
        ["Billed attempts", run.billed_attempts || null],
        ["BYOK", run.byok || null],
        ["Prompt cache", run.prompt_cache || null],
      ]),
    );
    if (run.judges && run.judges.lines && run.judges.lines.length) {
      const table = el("table", { class: "small" });
      table.append(el("thead", {}, el("tr", {}, ["Scorer", "Judge", "Rows", "Requests", "Cached", "Cost"].map((h) => el("th", { scope: "col", text: h })))));
      const body = el("tbody");
      for (const line of run.judges.lines) {
        body.append(el("tr", {}, [line.scorer, line.model, fmtInt(line.rows), fmtInt(line.requests), fmtInt(line.cached), line.cost].map((v) => el("td", { text: v === null || v === undefined ? DASH : v }))));
      }
      table.append(body);
      card.append(el("details", {}, el("summary", { text: "Judges' spend" }), table));
    }
    if (run.warnings && run.warnings.length) {
      card.append(el("ul", { class: "warnings" }, run.warnings.map((w) => el("li", { text: w }))));
    }
    if (run.spec_toml) {
      card.append(el("details", { class: "spec" }, el("summary", { text: "Spec" }), el("pre", { text: run.spec_toml })));
    }
    return card;
  }

  function renderHeader(data) {
    const counts = data.contestants.length + " " + data.noun + (data.contestants.length === 1 ? "" : "s");
    document.getElementById("subtitle").textContent =
      "Generated " + (data.generated_at || "?") + " by orkit " + (data.orkit_version || "?") + " · " + counts + " · " + data.scorers.length + " scorer" + (data.scorers.length === 1 ? "" : "s");
    const section = document.getElementById("runs");
    const notes = (data.notes || []).slice();
    if (notes.length) section.append(el("div", { class: "notes", role: "note" }, notes.map((n) => el("p", { text: n }))));
    section.append(el("div", { class: "cards" }, data.runs.map(renderRun)));
  }

  /* ---------- sortable tables ---------- */

  /** A table whose columns sort on a click (or Enter/Space) on their header button.
   * columns: [{label, title, value(row) -> sortable, cell(row) -> Node|string, num}] */
  function sortableTable(columns, rows, caption) {
    const table = el("table", { class: "grid sortable" });
    if (caption) table.append(el("caption", { text: caption }));
    const headRow = el("tr");
    const body = el("tbody");
    const state = { col: -1, dir: 1 };
    const ths = columns.map((col, k) => {
      const button = el("button", { type: "button", class: "sort", title: col.title || null, text: col.label });
      button.addEventListener("click", () => {
        // numbers where more is better start high; a tier, time or cost (`low`) starts low
        state.dir = state.col === k ? -state.dir : col.num && !col.low ? -1 : 1;
        state.col = k;
        draw();
      });
      return el("th", { scope: "col", class: col.num ? "num" : null, "aria-sort": "none" }, button);
    });
    headRow.append(...ths);
    table.append(el("thead", {}, headRow), body);
    function draw() {
      let ordered = rows.map((row, k) => [row, k]);
      if (state.col >= 0) {
        const value = columns[state.col].value;
        ordered.sort((x, y) => compareValues(value(x[0]), value(y[0]), state.dir) || x[1] - y[1]);
      }
      ths.forEach((th, k) => th.setAttribute("aria-sort", k !== state.col ? "none" : state.dir > 0 ? "ascending" : "descending"));
      body.replaceChildren(
        ...ordered.map(([row]) =>
          el("tr", {}, columns.map((col, k) => el(k === 1 ? "th" : "td", { class: col.num ? "num" : null, scope: k === 1 ? "row" : null }, col.cell(row)))),
        ),
      );
    }
    draw();
    return table;
  }

  /** Ascending (dir 1) or descending (-1); unknowns (null) always last. */
  function compareValues(a, b, dir) {
    const na = a === null || a === undefined || (typeof a === "number" && !Number.isFinite(a));
    const nb = b === null || b === undefined || (typeof b === "number" && !Number.isFinite(b));
    if (na || nb) return na === nb ? 0 : na ? 1 : -1;
    if (typeof a === "string") return dir * a.localeCompare(b);
    return dir * (a - b);
  }

  /* ---------- leaderboard ---------- */

  function intervalBar(score, lo, hi) {
    const bar = el("span", { class: "ci", "aria-hidden": "true" });
    if (!isNum(score.lo) || !isNum(score.hi) || hi <= lo) return bar;
    const x = (v) => (100 * (v - lo)) / (hi - lo);
    const range = el("span", { class: "ci-range" });
    range.style.left = x(score.lo) + "%";
    range.style.width = Math.max(0.5, x(score.hi) - x(score.lo)) + "%";
    const mean = el("span", { class: "ci-mean" });
    mean.style.left = x(score.mean) + "%";
    bar.append(range, mean);
    return bar;
  }

  function isCachedOnly(c) {
    return c.ok > 0 && c.cached >= c.ok;
  }

  function latencyCell(c, key) {
    const v = c[key];
    if (isNum(v)) return document.createTextNode(fmtS(v));
    if (isCachedOnly(c)) return el("span", { class: "cached", title: "every answer came from the response cache: nothing was timed", text: "cached" });
    return unknown("unknown: no timed answer (no ok row outside the cache)");
  }

  /** A free model's request answered by a paid one (its fallback, past the free quota). */
  function isSpill(model, served) {
    const free = (m) => typeof m === "string" && (m.endsWith(":free") || m === "openrouter/free");
    return free(model) && typeof served === "string" && served !== model && !free(served);
  }

  function renderLeaderboard(data) {
    const section = document.getElementById("leaderboard");
    const scorers = data.scorers;
    const noun = data.noun === "contestant" ? "Contestant" : "Model";
    const columns = [
      { label: "#", title: "Order in the sweep", num: true, value: (c) => c._k, cell: (c) => String(c._k + 1) },
      {
        label: noun,
        value: (c) => c.label,
        cell: (c) => el("span", { title: [c.model, c.prompt_id ? "prompt " + c.prompt_id : null, c.params].filter(Boolean).join(" · "), text: c.label }),
      },
    ];
    if (data.runs.length > 1) {
      const runName = (c) => (data.runs[c.run] ? data.runs[c.run].name || data.runs[c.run].run_id : null);
      columns.push({ label: "run", title: "The run this " + data.noun + " comes from", value: runName, cell: (c) => runName(c) || DASH });
    }
    scorers.forEach((s, k) => {
      const known = data.contestants.map((c) => c.scores[k]).filter((sc) => sc && isNum(sc.lo) && isNum(sc.hi));
      let lo = Math.min(0, ...known.map((sc) => sc.lo));
      let hi = Math.max(1, ...known.map((sc) => sc.hi));
      if (!known.length) [lo, hi] = [0, 1];
      columns.push({
        label: s.name,
        title: "Mean " + s.name + " score with its 95% interval" + (s.judge ? " (judged by a model)" : ""),
        num: true,
        value: (c) => (c.scores[k] ? c.scores[k].mean : null),
        cell: (c) => {
          const sc = c.scores[k];
          if (!sc || !isNum(sc.mean)) return unknown("not scored: no scored rows");
          return el(
            "span",
            { class: "score", title: "95% interval " + fmtScore(sc.lo, s.binary) + " to " + fmtScore(sc.hi, s.binary) + ", n = " + fmtInt(sc.n) },
            el("span", { class: "mean", text: fmtScore(sc.mean, s.binary) }),
            intervalBar(sc, lo, hi),
            el("span", { class: "interval", text: "[" + fmtScore(sc.lo, s.binary) + ", " + fmtScore(sc.hi, s.binary) + "]" }),
          );
        },
      });
      columns.push({
        label: "tier",
        title: "Rank group on " + s.name + ": 1 is the best tier; contestants in one tier are not told apart by the data",
        num: true,
        low: true,
        value: (c) => at(c.rank_group, k),
        cell: (c) => (isNum(at(c.rank_group, k)) ? el("span", { class: "tier tier-" + Math.min(at(c.rank_group, k), 4), text: String(at(c.rank_group, k)) }) : unknown("no rank group: not scored")),
      });
    });
    const count = (key, label, title) => ({ label, title, num: true, value: (c) => c[key], cell: (c) => fmtInt(c[key]) });
    columns.push(
      count("rows", "rows", "Rows of this contestant (tasks × repeats)"),
      {
        label: "errors",
        title: "Rows that failed, and their share",
        num: true,
        value: (c) => c.errors,
        cell: (c) => el("span", { class: c.errors ? "bad" : null, title: "error rate " + pct(c.error_rate), text: fmtInt(c.errors) }),
      },
    );
    // counts that are 0 for every contestant take no column (the caption names them), so
    // the table fits a laptop's width
    const hidden = [];
    for (const [key, title] of [
      ["fallbacks", "Rows answered by a fallback model"],
      ["cached", "Rows answered from the response cache (free, not timed)"],
      ["skipped", "Rows skipped by the budget"],
      ["deferred", "Rows deferred by a quota"],
    ]) {
      if (data.contestants.some((c) => c[key])) columns.push(count(key, key, title));
      else hidden.push(key);
    }
    // p50 and p95 in one cell each (sorted by p50), the p95 in small type under the p50:
    // two columns fewer, and narrow ones, to fit a laptop
    for (const [p50, p95, label, title] of [
      ["latency_p50_s", "latency_p95_s", "latency", "Median latency of timed answers, the 95th percentile under it (sorts by the median)"],
      ["ttft_p50_s", "ttft_p95_s", "TTFT", "Median time to first token, the 95th percentile under it (sorts by the median)"],
    ]) {
      columns.push({
        label,
        title,
        num: true,
        low: true,
        value: (c) => c[p50],
        cell: (c) =>
          isNum(c[p50]) && isNum(c[p95])
            ? el("span", { class: "stacked", title: "p50 " + fmtS(c[p50]) + ", p95 " + fmtS(c[p95]) }, el("span", { text: fmtS(c[p50]) }), el("span", { class: "under", text: "p95 " + fmtS(c[p95]) }))
            : latencyCell(c, p50),
      });
    }
    columns.push(
      {
        label: "tokens in",
        title: "Prompt tokens",
        num: true,
        value: (c) => c.prompt_tokens,
        cell: (c) => valueOr(c.prompt_tokens, fmtInt, "unknown: the provider reported no token counts"),
      },
      {
        label: "tokens out",
        title: "Completion tokens (reasoning tokens in the tooltip)",
        num: true,
        value: (c) => c.completion_tokens,
        cell: (c) =>
          isNum(c.completion_tokens)
            ? el("span", { title: "reasoning tokens: " + (isNum(c.reasoning_tokens) ? fmtInt(c.reasoning_tokens) : "unknown"), text: fmtInt(c.completion_tokens) })
            : unknown("unknown: the provider reported no token counts"),
      },
      {
        label: "spend",
        low: true,
        title: "What this contestant's answers cost",
        num: true,
        value: (c) => c.cost_usd,
        cell: (c) => {
          if (!isNum(c.cost_usd)) return unknown("unknown: no row reported a cost");
          const text = fmtUsd(c.cost_usd) + (c.cost_unknown_rows ? " +?" : "") + (c.byok_rows ? " BYOK" : "");
          const notes = [];
          if (c.cost_unknown_rows) notes.push(fmtInt(c.cost_unknown_rows) + " rows of unknown cost are not included");
          if (c.byok_rows) {
            notes.push(fmtInt(c.byok_rows) + " rows through your own provider key: their spend is OpenRouter's fee; your provider billed " + (isNum(c.byok_upstream_usd) ? fmtUsd(c.byok_upstream_usd) : "an unknown amount"));
          }
          return el("span", { title: notes.length ? notes.join("; ") : null, text });
        },
      },
      {
        label: "cache",
        title: "Prompt caching: the share of prompt tokens read from the providers' caches, and what it saved against plain prompt prices, net of the writes (in the tooltip)",
        num: true,
        value: (c) => c.cache_hit_rate,
        cell: (c) => {
          if (!isNum(c.cache_hit_rate)) return unknown("no prompt caching: no row read or wrote the cache, or its counts are unknown");
          // the hit rate, what it saved net under it in small type (a minus when writes
          // cost more than reads saved): kept narrow, the table must fit a laptop; the
          // words are in the tooltip
          const known = isNum(c.cache_savings_usd);
          const saved = known ? (c.cache_savings_usd >= 0 ? "saved " + fmtUsd(c.cache_savings_usd) : "−" + fmtUsd(-c.cache_savings_usd)) : "saved ?";
          const said = known ? (c.cache_savings_usd >= 0 ? "saved " + fmtUsd(c.cache_savings_usd) + " net" : "cost " + fmtUsd(-c.cache_savings_usd) + " more than without it") : "savings unknown";
          const writes = isNum(c.cache_write_usd) ? fmtUsd(c.cache_write_usd) : "an unknown amount";
          const title = pct(c.cache_hit_rate) + " of prompt tokens read from cache; " + said + " (after " + writes + " of cache writes, in the spend)";
          return el("span", { class: "stacked", title }, el("span", { text: Math.round(100 * c.cache_hit_rate) + "%" }), el("span", { class: "under", text: saved }));
        },
      },
      {
        label: "cost / correct",
        low: true,
        title: "Spend divided by correct answers on " + (scorers[0] ? scorers[0].name : "the primary scorer"),
        num: true,
        value: (c) => c.cost_per_correct_usd,
        cell: (c) => valueOr(c.cost_per_correct_usd, fmtUsd, "unknown: cost unknown, or no correct answer"),
      },
    );
    // the cache column only where some contestant read or wrote the prompt cache
    if (!data.contestants.some((c) => isNum(c.cache_hit_rate))) {
      columns.splice(columns.findIndex((c) => c.label === "cache"), 1);
      hidden.push("cache");
    }
    // reasoning tokens get their own column where some answer reasoned (most runs: none)
    if (data.contestants.some((c) => c.reasoning_tokens)) {
      columns.splice(columns.findIndex((c) => c.label === "tokens out") + 1, 0, {
        label: "reasoning",
        title: "Reasoning tokens (counted in tokens out, billed as output)",
        num: true,
        value: (c) => c.reasoning_tokens,
        cell: (c) => valueOr(c.reasoning_tokens, fmtInt, "unknown: the provider reported none"),
      });
    } else hidden.push("reasoning");
    const rows = data.contestants.map((c, k) => Object.assign({ _k: k }, c));
    const wrap = el("div", { class: "scroll" }, sortableTable(columns, rows, null));
    const none = hidden.length ? " Left out, 0 for every " + data.noun + ": " + hidden.join(", ") + "." : "";
    section.append(el("p", { class: "muted", text: "Click a column header to sort. Intervals are 95%; tier 1 is the best rank group." + none }), wrap);
  }

  /* ---------- pairwise matrix ---------- */

  function renderPairs(data) {
    const section = document.getElementById("pairs");
    const C = data.contestants.length;
    if (C < 2 || !data.scorers.length) {
      section.append(el("p", { class: "muted", text: "Paired differences need two " + data.noun + "s or more." }));
      return;
    }
    const lookup = new Map();
    for (const p of data.pairs || []) lookup.set(p.scorer + ":" + p.a + ":" + p.b, p);
    const holder = el("div", { class: "scroll" });
    const select = el("select", { id: "pairs-scorer", "aria-label": "Scorer" }, data.scorers.map((s, k) => el("option", { value: k, text: s.name })));
    if (data.scorers.length > 1) section.append(el("label", { class: "control" }, "Scorer ", select));
    section.append(
      el("p", { class: "muted", text: "Each cell is row minus column: the mean difference, its 95% interval and the Holm-adjusted p-value. Coloured when significant: green where the row is better." }),
      holder,
    );
    function draw() {
      const s = Number(select.value || 0);
      const binary = data.scorers[s].binary;
      const table = el("table", { class: "grid matrix" });
      table.append(el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "row − column" }), data.contestants.map((c) => el("th", { scope: "col", text: c.label })))));
      const body = el("tbody");
      data.contestants.forEach((row, a) => {
        const tr = el("tr", {}, el("th", { scope: "row", text: row.label }));
        for (let b = 0; b < C; b++) {
          if (a === b) {
            tr.append(el("td", { class: "diag", text: DASH }));
            continue;
          }
          const stored = lookup.get(s + ":" + Math.min(a, b) + ":" + Math.max(a, b));
          if (!stored) {
            tr.append(el("td", {}, unknown("no paired difference: no shared scored items")));
            continue;
          }
          const flip = a > b;
          const neg = (v) => (isNum(v) ? -v : null); // unknown stays unknown, never 0
          const diff = flip ? neg(stored.diff) : stored.diff;
          const lo = flip ? neg(stored.hi) : stored.lo;
          const hi = flip ? neg(stored.lo) : stored.hi;
          const sign = stored.significant && isNum(diff) && diff !== 0 ? (diff > 0 ? "better" : "worse") : "";
          const title =
            row.label + " − " + data.contestants[b].label + " on " + data.scorers[s].name + ": " + fmtSigned(diff, binary) + " (95% " + fmtSigned(lo, binary) + " to " + fmtSigned(hi, binary) + "), n = " + fmtInt(stored.n) +
            " shared items, " + stored.test + " test, p = " + fmtP(stored.p) + ", Holm p = " + fmtP(stored.p_holm) + (stored.significant ? ", significant" : ", not significant");
          tr.append(
            el(
              "td",
              { class: "pair " + sign, title },
              el("span", { class: "mean", text: fmtSigned(diff, binary) }),
              el("span", { class: "interval", text: "[" + fmtSigned(lo, binary) + ", " + fmtSigned(hi, binary) + "]" }),
              el("span", { class: "p", text: "p " + fmtP(stored.p_holm) }),
            ),
          );
        }
        body.append(tr);
      });
      table.append(body);
      holder.replaceChildren(table);
    }
    select.addEventListener("change", draw);
    draw();
  }

  /* ---------- charts ---------- */

  function renderCharts(data) {
    const section = document.getElementById("charts");
    const charts = data.charts || [];
    if (!charts.length) {
      section.append(el("p", { class: "muted", text: "No charts in this report." }));
      return;
    }
    const grid = el("div", { class: "charts" });
    section.append(grid);
    for (const chart of charts) {
      const target = el("div", { class: "chart", id: "chart-" + String(chart.id).replace(/[^A-Za-z0-9_-]/g, "_") });
      grid.append(el("figure", { class: "card" }, el("figcaption", { text: chart.title || chart.id }), target));
      if (typeof window.vegaEmbed !== "function") {
        target.append(el("p", { class: "muted", text: "Charts are unavailable: the Vega library is missing from this file." }));
        continue;
      }
      window.vegaEmbed(target, chart.spec, EMBED_OPTIONS).catch((err) => {
        target.replaceChildren(el("p", { class: "muted", text: "This chart could not be drawn: " + (err && err.message) }));
      });
    }
  }

  /* ---------- provenance ---------- */

  function counts(map) {
    return Object.entries(map || {})
      .map(([k, v]) => k + " (" + fmtInt(v) + ")")
      .join(", ");
  }

  function renderProvenance(data) {
    const section = document.getElementById("provenance");
    const prov = data.provenance || { by_model: [], warnings: [], fallback_rows: 0 };
    if (prov.warnings && prov.warnings.length) section.append(el("ul", { class: "warnings" }, prov.warnings.map((w) => el("li", { text: w }))));
    const table = el("table", { class: "grid" });
    table.append(el("thead", {}, el("tr", {}, ["Model", "Served by (rows)", "Served models (rows)", "Mixed"].map((h) => el("th", { scope: "col", text: h })))));
    table.append(
      el(
        "tbody",
        {},
        (prov.by_model || []).map((m) =>
          el("tr", { class: m.mixed ? "mixed" : null }, el("th", { scope: "row", text: m.model }), el("td", { text: counts(m.providers) || DASH }), el("td", { text: counts(m.served_models) || DASH }), el("td", { text: m.mixed ? "yes" : "no" })),
        ),
      ),
    );
    section.append(el("div", { class: "scroll" }, table));
    section.append(el("p", { class: "muted", text: fmtInt(prov.fallback_rows || 0) + " rows were answered by a fallback model." }));
  }

  /* ---------- drill-down ---------- */

  function makeDrill(data) {
    const items = data.items;
    const C = data.contestants.length;
    const N = items.id.length;
    const cells = items.cells;
    const primary = data.scorers.length ? 0 : -1;
    let haystacks = null; // built on the first search: opening the page should not pay for it

    const state = { page: 0, size: 50, order: [] };
    const controls = {};

    function verdicts(c, i) {
      const scores = cells[c].scores || [];
      return data.scorers.map((s, k) => {
        const sc = scores[k] || {};
        return { name: s.name, score: at(sc.score, i), passed: at(sc.passed, i), detail: at(sc.detail, i) };
      });
    }
    function failed(c, i) {
      const status = at(cells[c].status, i);
      if (status === null) return false;
      if (status !== "ok") return true;
      return primary >= 0 && at((cells[c].scores[primary] || {}).passed, i) === false;
    }
    function anyError(i) {
      for (let c = 0; c < C; c++) if (at(cells[c].status, i) === "error") return true;
      return false;
    }
    function buildHaystacks() {
      const texts = new Array(N);
      const prompts = Object.values(items.messages || {});
      for (let i = 0; i < N; i++) {
        const parts = [items.id[i], at(items.expected, i) || ""];
        for (const values of Object.values(items.expected_by_scorer || {})) parts.push(at(values, i) || "");
        for (const perItem of prompts) for (const m of at(perItem, i) || []) parts.push(messageText(m.content));
        for (let c = 0; c < C; c++) parts.push(at(cells[c].text, i) || "");
        texts[i] = parts.join("\n").toLowerCase();
      }
      return texts;
    }

    function numberOrNull(input) {
      return input.value.trim() === "" ? null : Number(input.value);
    }

    function filtered() {
      const query = controls.search.value.trim().toLowerCase();
      if (query && !haystacks) haystacks = buildHaystacks();
      const onlyDisagree = controls.disagree.checked;
      const onlyErrors = controls.errors.checked;
      const failedBy = Number(controls.failed.value);
      const scorer = Number(controls.scorer.value);
      const who = Number(controls.scoreWho.value);
      const min = numberOrNull(controls.min);
      const max = numberOrNull(controls.max);
      const ranged = scorer >= 0 && (min !== null || max !== null);
      const inRange = (c, i) => {
        const v = at((cells[c].scores[scorer] || {}).score, i);
        return isNum(v) && (min === null || v >= min) && (max === null || v <= max);
      };
      const out = [];
      for (let i = 0; i < N; i++) {
        if (onlyDisagree && !items.disagree[i]) continue;
        if (onlyErrors && !anyError(i)) continue;
        if (failedBy >= 0 && !failed(failedBy, i)) continue;
        if (ranged) {
          let hit = false;
          for (let c = who < 0 ? 0 : who; c < (who < 0 ? C : who + 1) && !hit; c++) hit = inRange(c, i);
          if (!hit) continue;
        }
        if (query && !haystacks[i].includes(query)) continue;
        out.push(i);
      }
      const key = controls.sortKey.value;
      const dir = controls.sortDir.value === "desc" ? -1 : 1;
      if (key !== "position") {
        const c = Number(controls.sortWho.value);
        const values =
          key === "score" ? (cells[c].scores[Math.max(scorer, 0)] || {}).score : key === "latency" ? cells[c].latency_s : cells[c].cost_usd;
        out.sort((x, y) => compareValues(at(values, x), at(values, y), dir) || x - y);
      } else if (dir < 0) {
        out.reverse();
      }
      return out;
    }

    function verdictBadges(c, i) {
      return verdicts(c, i).map((v) => {
        if (v.passed === true) return el("span", { class: "verdict pass", title: v.name + ": passed" + (isNum(v.score) ? " (" + fmtScore(v.score) + ")" : ""), text: "✓ " + v.name });
        if (v.passed === false) return el("span", { class: "verdict fail", title: v.name + ": failed" + (isNum(v.score) ? " (" + fmtScore(v.score) + ")" : ""), text: "✗ " + v.name });
        if (isNum(v.score)) return el("span", { class: "verdict", title: v.name + " score", text: fmtScore(v.score) + " " + v.name });
        return el("span", { class: "verdict none", title: v.name + ": not scored", text: DASH + " " + v.name });
      });
    }

    function costText(c, i) {
      if (at(cells[c].cached, i)) return el("span", { class: "cached", title: "answered from the response cache: free and not timed", text: "cached (free)" });
      const latency = at(cells[c].latency_s, i);
      const cost = at(cells[c].cost_usd, i);
      return el(
        "span",
        { class: "meta" },
        isNum(latency) ? fmtS(latency) : unknown("latency unknown"),
        " · ",
        isNum(cost) ? fmtUsd(cost) : unknown("cost unknown: the provider reported none"),
      );
    }

    function statusBadge(status, errorType) {
      if (status === "error") return el("span", { class: "badge err", text: "error" + (errorType ? ": " + errorType : "") });
      if (status === "skipped_budget") return el("span", { class: "badge skip", title: "not sent: the budget ran out", text: "skipped (budget)" });
      if (status === "deferred") return el("span", { class: "badge skip", title: "not sent: a quota deferred it", text: "deferred (quota)" });
      return null;
    }

    function cell(c, i) {
      const status = at(cells[c].status, i);
      const td = el("td", { class: "cell" });
      if (status === null) {
        td.append(el("span", { class: "muted", title: "this " + data.noun + " has no row for this item", text: "no row" }));
        return td;
      }
      td.classList.add(failed(c, i) ? "is-fail" : "is-ok");
      const badge = statusBadge(status, at(cells[c].error_type, i));
      if (badge) td.append(badge);
      if (status === "ok") td.append(el("div", { class: "verdicts" }, verdictBadges(c, i)));
      const text = at(cells[c].text, i);
      if (text !== null) td.append(el("div", { class: "snippet", text: snippet(text, SNIPPET_CHARS) }));
      const extra = [];
      const served = at(cells[c].served_model, i);
      if (isSpill(data.contestants[c].model, served)) extra.push(el("span", { class: "badge", title: "past the free quota: answered and billed by paid " + served, text: "spill" }));
      else if (at(cells[c].fallback, i)) extra.push(el("span", { class: "badge", title: "served by " + (served || "another model"), text: "fallback" }));
      const repeats = at(cells[c].repeats, i);
      if (isNum(repeats) && repeats > 1) extra.push(el("span", { class: "badge", title: repeats + " rows; the cell shows repeat 0", text: "×" + repeats }));
      td.append(el("div", { class: "cell-foot" }, status === "ok" ? costText(c, i) : null, extra));
      return td;
    }

    function row(i) {
      const open = el("button", { type: "button", class: "link", "data-item": i, title: "Show this item in full", text: items.id[i] });
      const expected = at(items.expected, i);
      return el(
        "tr",
        { "data-item": i, class: items.disagree[i] ? "disagree" : null },
        el("td", { class: "num pos", text: String(at(items.index, i) ?? i) }),
        el("th", { scope: "row" }, open),
        el("td", { class: "expected" }, expected === null ? unknown("no expected answer") : snippet(expected, SNIPPET_CHARS)),
        Array.from({ length: C }, (_, c) => cell(c, i)),
      );
    }

    function drawTable() {
      const total = state.order.length;
      const pages = Math.max(1, Math.ceil(total / state.size));
      state.page = Math.min(state.page, pages - 1);
      const start = state.page * state.size;
      const slice = state.order.slice(start, start + state.size);
      controls.body.replaceChildren(...slice.map(row));
      controls.count.textContent =
        (total ? "Items " + fmtInt(start + 1) + "–" + fmtInt(start + slice.length) + " of " : "") +
        fmtInt(total) + " matching" +
        (total === N ? "" : " (of " + fmtInt(N) + " shown)") +
        (items.total !== N ? "; the run has " + fmtInt(items.total) + " items" : "");
      controls.count.dataset.matching = String(total);
      controls.pageText.textContent = "Page " + (state.page + 1) + " of " + pages;
      controls.prev.disabled = state.page === 0;
      controls.next.disabled = state.page >= pages - 1;
    }

    function refilter() {
      state.order = filtered();
      state.page = 0;
      drawTable();
    }

    function buildControls(section) {
      const option = (value, text) => el("option", { value, text });
      const contestantOptions = () => data.contestants.map((c, k) => option(k, c.label));
      controls.search = el("input", { type: "search", id: "dd-search", placeholder: "Search ids, expected answers, prompts, answers", "aria-label": "Search items" });
      controls.disagree = el("input", { type: "checkbox", id: "dd-disagree" });
      controls.errors = el("input", { type: "checkbox", id: "dd-errors" });
      controls.failed = el("select", { id: "dd-failed", "aria-label": "Failed by" }, option(-1, "anyone or no one"), contestantOptions());
      controls.scorer = el("select", { id: "dd-scorer", "aria-label": "Scorer" }, data.scorers.length ? data.scorers.map((s, k) => option(k, s.name)) : option(-1, "none"));
      controls.scoreWho = el("select", { id: "dd-score-who", "aria-label": "Whose score" }, option(-1, "any " + data.noun), contestantOptions());
      controls.min = el("input", { type: "number", id: "dd-min", step: "any", placeholder: "min 0–1", "aria-label": "Minimum score (0 to 1)", class: "short" });
      controls.max = el("input", { type: "number", id: "dd-max", step: "any", placeholder: "max 0–1", "aria-label": "Maximum score (0 to 1)", class: "short" });
      controls.sortKey = el("select", { id: "dd-sort", "aria-label": "Sort by" }, option("position", "dataset position"), option("score", "score of"), option("latency", "latency of"), option("cost", "cost of"));
      controls.sortWho = el("select", { id: "dd-sort-who", "aria-label": "Sort by whose value" }, contestantOptions());
      controls.sortDir = el("select", { id: "dd-sort-dir", "aria-label": "Sort direction" }, option("asc", "ascending"), option("desc", "descending"));
      controls.size = el("select", { id: "dd-size", "aria-label": "Items per page" }, PAGE_SIZES.map((n) => option(n, n + " per page")));
      controls.size.value = String(state.size);
      controls.prev = el("button", { type: "button", id: "dd-prev", text: "‹ Previous" });
      controls.next = el("button", { type: "button", id: "dd-next", text: "Next ›" });
      controls.pageText = el("span", { class: "muted", id: "dd-page" });
      controls.count = el("p", { id: "dd-count", class: "count", "aria-live": "polite" });

      const label = (text, input) => el("label", { class: "control" }, text, input);
      section.append(
        el(
          "div",
          { class: "controls", role: "group", "aria-label": "Filters" },
          el("div", { class: "search" }, controls.search),
          el("label", { class: "control check" }, controls.disagree, "Disagreements only"),
          el("label", { class: "control check" }, controls.errors, "Errors only"),
          label("Failed by ", controls.failed),
          el("span", { class: "control" }, label("Score ", controls.scorer), " of ", controls.scoreWho, " from ", controls.min, " to ", controls.max),
          el("span", { class: "control" }, label("Sort by ", controls.sortKey), " ", controls.sortWho, " ", controls.sortDir),
        ),
        controls.count,
      );
      let timer = 0;
      controls.search.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(refilter, 150); // typing a word should filter once, not per key
      });
      for (const input of [controls.disagree, controls.errors, controls.failed, controls.scorer, controls.scoreWho, controls.min, controls.max, controls.sortKey, controls.sortWho, controls.sortDir]) {
        input.addEventListener("change", refilter);
      }
      controls.size.addEventListener("change", () => {
        state.size = Number(controls.size.value);
        state.page = 0;
        drawTable();
      });
      controls.prev.addEventListener("click", () => {
        state.page -= 1;
        drawTable();
      });
      controls.next.addEventListener("click", () => {
        state.page += 1;
        drawTable();
      });
    }

    function render() {
      const section = document.getElementById("items");
      buildControls(section);
      const head = el(
        "tr",
        {},
        el("th", { scope: "col", class: "num", title: "Position in the dataset", text: "#" }),
        el("th", { scope: "col", text: "Item" }),
        el("th", { scope: "col", text: "Expected" }),
        data.contestants.map((c) => el("th", { scope: "col", title: [c.model, c.prompt_id ? "prompt " + c.prompt_id : null, c.params].filter(Boolean).join(" · "), text: c.label })),
      );
      controls.body = el("tbody", { id: "dd-body" });
      controls.body.addEventListener("click", (event) => {
        const tr = event.target.closest("tr[data-item]");
        if (tr) showItem(data, Number(tr.dataset.item), tr);
      });
      const table = el("table", { class: "grid drill", id: "dd-table" }, el("thead", {}, head), controls.body);
      section.append(el("div", { class: "scroll tall" }, table), el("div", { class: "pager" }, controls.prev, controls.pageText, controls.next, controls.size));
      state.order = Array.from({ length: N }, (_, i) => i);
      drawTable();
    }

    return { render, cell, verdicts };
  }

  /* ---------- the side panel: one item in full ---------- */

  let panelOpener = null;

  function closePanel() {
    const panel = document.getElementById("panel");
    panel.hidden = true;
    panel.replaceChildren();
    if (panelOpener && panelOpener.isConnected) panelOpener.querySelector("button")?.focus();
  }

  function chat(messages) {
    return el(
      "div",
      { class: "chat" },
      messages.map((m) => el("div", { class: "bubble role-" + String(m.role).replace(/[^a-z]/g, "") }, el("div", { class: "role", text: m.role }), el("div", { class: "text", text: messageText(m.content) }), m.cut ? el("div", { class: "muted", text: "(cut short; the full text is in Parquet)" }) : null, m.prefill ? el("div", { class: "muted", text: "(prefill: the answer continues it)" }) : null)),
    );
  }

  function answerCard(data, c, i) {
    const cells = data.items.cells[c];
    const contestant = data.contestants[c];
    const status = at(cells.status, i);
    const card = el("article", { class: "answer card" }, el("h4", { text: contestant.label }));
    if (status === null) {
      card.append(el("p", { class: "muted", text: "No row for this item." }));
      return card;
    }
    const cached = at(cells.cached, i);
    const tokens = ["prompt_tokens", "completion_tokens", "reasoning_tokens"].map((k) => (isNum(at(cells[k], i)) ? fmtInt(at(cells[k], i)) : "unknown"));
    card.append(
      dl([
        ["Status", status + (at(cells.error_type, i) ? " (" + at(cells.error_type, i) + ")" : "")],
        ["Served by", (at(cells.provider, i) || "unknown provider") + (at(cells.served_model, i) ? " · " + at(cells.served_model, i) : "")],
        ["Latency", cached ? "cached (free)" : fmtS(at(cells.latency_s, i)) + " (first token " + fmtS(at(cells.ttft_s, i)) + ")"],
        ["Cost", cached ? "cached (free)" : isNum(at(cells.cost_usd, i)) ? fmtUsd(at(cells.cost_usd, i)) : "unknown"],
        ["Tokens", "prompt " + tokens[0] + " · completion " + tokens[1] + " · reasoning " + tokens[2]],
        ["Fallback", at(cells.fallback, i) ? (isSpill(contestant.model, at(cells.served_model, i)) ? "yes: a spill past the free quota, billed by " + at(cells.served_model, i) : "yes") : null],
        ["Repeats", isNum(at(cells.repeats, i)) && at(cells.repeats, i) > 1 ? at(cells.repeats, i) + " rows; this is repeat 0" : null],
      ]),
    );
    const text = at(cells.text, i);
    if (cells.text === null) card.append(el("p", { class: "muted", text: "Outputs are redacted in this report." }));
    else if (text !== null) {
      card.append(el("div", { class: "output" + (status === "error" ? " error" : ""), text }));
      if (at(cells.truncated, i)) card.append(el("p", { class: "muted", text: "Cut short (see the notes at the top); the full text is in the run's Parquet files." }));
    }
    const reasoning = at(cells.reasoning, i);
    if (reasoning) card.append(el("details", {}, el("summary", { text: "Reasoning" }), el("div", { class: "output", text: reasoning })));
    const scores = data.scorers.map((s, k) => {
      const sc = cells.scores[k] || {};
      const passed = at(sc.passed, i);
      const score = at(sc.score, i);
      const mark = passed === true ? "✓" : passed === false ? "✗" : isNum(score) ? "" : DASH;
      return el(
        "li",
        { class: passed === true ? "pass" : passed === false ? "fail" : null },
        el("strong", { text: (mark ? mark + " " : "") + s.name }),
        isNum(score) ? " " + fmtScore(score) : "",
        at(sc.detail, i) ? el("div", { class: "rationale", text: at(sc.detail, i) }) : null,
      );
    });
    if (scores.length && status === "ok") card.append(el("ul", { class: "scores" }, scores));
    return card;
  }

  function showItem(data, i, opener) {
    const items = data.items;
    const panel = document.getElementById("panel");
    panelOpener = opener;
    const close = el("button", { type: "button", class: "close", "aria-label": "Close", text: "×" });
    close.addEventListener("click", closePanel);
    const parts = [el("div", { class: "panel-head" }, el("h2", { id: "panel-h", text: "Item " + items.id[i] }), close)];
    parts.push(el("p", { class: "muted", text: "Position " + (at(items.index, i) ?? i) + (items.disagree[i] ? " · the " + data.noun + "s disagree" : "") }));
    const expected = at(items.expected, i);
    parts.push(el("h3", { text: "Expected" }), expected === null ? el("p", { class: "muted", text: data.redacted === "prompts" || data.redacted === "all" ? "Redacted (with the prompts)." : "No expected answer." }) : el("div", { class: "output", text: expected }));
    for (const [name, values] of Object.entries(items.expected_by_scorer || {})) {
      // only where it differs from the first scorer's (scorers of one column agree)
      if (at(values, i) !== null && at(values, i) !== expected) parts.push(el("p", { class: "muted", text: "Expected by " + name + ":" }), el("div", { class: "output", text: at(values, i) }));
    }
    parts.push(el("h3", { text: "Messages" }));
    const prompts = Object.entries(items.messages || {});
    const used = new Set(data.contestants.map((c) => c.prompt_id));
    const shown = prompts.filter(([pid]) => used.has(pid) || prompts.length === 1);
    const anyMessages = shown.some(([, perItem]) => at(perItem, i));
    if (data.redacted === "prompts" || data.redacted === "all") parts.push(el("p", { class: "muted", text: "Prompts are redacted in this report." }));
    else if (!anyMessages) parts.push(el("p", { class: "muted", text: "No messages recorded for this item." }));
    for (const [pid, perItem] of shown) {
      const messages = at(perItem, i);
      if (!messages) continue;
      if (shown.length > 1) parts.push(el("h4", { text: "Prompt " + pid }));
      parts.push(chat(messages));
    }
    parts.push(el("h3", { text: "Answers" }));
    data.contestants.forEach((_, c) => parts.push(answerCard(data, c, i)));
    panel.replaceChildren(...parts);
    panel.hidden = false;
    panel.scrollTop = 0;
    panel.focus();
  }

  /* ---------- start ---------- */

  function fail(err) {
    const notice = el("p", { class: "notice", role: "alert", text: "This report could not be drawn: " + (err && err.message ? err.message : String(err)) });
    document.getElementById("app").prepend(notice);
    console.error(err);
  }

  async function main() {
    const data = await loadData();
    renderHeader(data);
    renderLeaderboard(data);
    renderPairs(data);
    renderProvenance(data);
    makeDrill(data).render();
    performance.mark("orkit-table-drawn");
    document.body.dataset.ready = "1";
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !document.getElementById("panel").hidden) closePanel();
    });
    // In `Run.show()`'s srcdoc frame a "#section" link resolves against the notebook's URL
    // and would load the notebook into the frame: scroll to the section instead.
    for (const link of document.querySelectorAll('a[href^="#"]')) {
      link.addEventListener("click", (event) => {
        const target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        event.preventDefault();
        target.scrollIntoView({ block: "start" });
      });
    }
    // Charts after the first table: drawing them must not delay reading the page.
    setTimeout(() => {
      try {
        renderCharts(data);
      } catch (err) {
        fail(err);
      }
    }, 0);
  }

  main().catch(fail);
})();
