// The CSS and the small scripts every report page inlines (a report opens from a file or a USB stick:
// nothing is fetched from a CDN or anywhere else at view time).

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON inside a <script> element: `<` escaped so no text in the data can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export const pageCss = `
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f6f7fb; --card: #ffffff;
  --valid: #2f9e6e; --invalid: #d97706; --failed: #dc2626; --accent: #4f46e5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, Helvetica, Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { background: #111827; color: #f9fafb; padding: 20px 32px 18px; }
header.top h1 { margin: 0 0 4px; font-size: 22px; font-weight: 650; letter-spacing: .2px; }
header.top .meta { color: #cbd5e1; font-size: 13px; }
header.top .meta span + span::before { content: "·"; margin: 0 8px; color: #64748b; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  vertical-align: 3px; margin-left: 10px; background: #334155; color: #e2e8f0; }
.badge.running { background: #1d4ed8; color: #fff; }
.badge.completed { background: #166534; color: #dcfce7; }
.badge.failed, .badge.cancelled { background: #991b1b; color: #fee2e2; }
main { max-width: 1640px; margin: 0 auto; padding: 20px 32px 48px; }
nav.toc { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 0 0 16px; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin-bottom: 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .5px; }
.card .value { font-size: 26px; font-weight: 650; line-height: 1.25; }
.card .sub { color: var(--muted); font-size: 12px; }
.warn { background: #fffbeb; border: 1px solid #fcd34d; border-radius: 10px; padding: 10px 16px; margin-bottom: 16px; }
.warn ul { margin: 4px 0 0; padding-left: 20px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
figure.plot { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 8px 8px 10px; position: relative; }
figure.plot svg { width: 100%; height: auto; display: block; }
figure.plot figcaption { color: var(--muted); font-size: 12.5px; padding: 2px 10px 0; }
figure.plot figcaption .files { float: right; }
figure.plot [ecmeta_data_index] { cursor: pointer; }
figure.plot [ecmeta_data_index]:hover { opacity: .75; }
#tip { position: fixed; pointer-events: none; background: #111827; color: #f9fafb; font-size: 12px; padding: 5px 9px;
  border-radius: 6px; display: none; z-index: 10; max-width: 420px; box-shadow: 0 4px 14px rgba(0,0,0,.2); }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 12px; text-align: left; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { background: #f9fafb; font-weight: 600; color: #374151; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: none; }
tbody tr:hover td { background: #f8fafc; }
.outcome { font-weight: 600; }
.outcome.valid { color: var(--valid); }
.outcome.invalid { color: var(--invalid); }
.outcome.failed { color: var(--failed); }
details.round { background: var(--card); border: 1px solid var(--line); border-radius: 10px; margin-bottom: 10px; }
details.round > summary { cursor: pointer; padding: 10px 16px; font-weight: 600; }
details.round > summary .sub { color: var(--muted); font-weight: 400; margin-left: 8px; }
details.round .table-wrap { border: none; border-top: 1px solid var(--line); border-radius: 0 0 10px 10px; }
.filter { margin: 0 0 10px; }
.filter input { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 8px; width: 320px; }
.small { color: var(--muted); font-size: 12px; }
pre.timeline { background: #0f172a; color: #e2e8f0; padding: 18px 20px; border-radius: 10px; overflow-x: auto;
  font: 12.5px/1.5 "DejaVu Sans Mono", ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
`;

/**
 * Hover labels for the plots: each figure carries its labels as JSON, and the SVG marks every data
 * point with `ecmeta_series_index` / `ecmeta_data_index` (ECharts' server-side rendering does that).
 */
export const tooltipScript = `
(function () {
  var tip = document.getElementById('tip');
  document.querySelectorAll('figure.plot').forEach(function (figure) {
    var data = figure.querySelector('script.hover');
    var hover = data ? JSON.parse(data.textContent) : [];
    figure.addEventListener('mousemove', function (event) {
      var el = event.target.closest ? event.target.closest('[ecmeta_data_index]') : null;
      var s = el ? Number(el.getAttribute('ecmeta_series_index')) : -1;
      var d = el ? Number(el.getAttribute('ecmeta_data_index')) : -1;
      var text = s >= 0 && hover[s] ? hover[s][d] : '';
      if (!text) { tip.style.display = 'none'; return; }
      tip.textContent = text;
      tip.style.display = 'block';
      tip.style.left = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + 'px';
      tip.style.top = (event.clientY + 14) + 'px';
    });
    figure.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });
  var filter = document.getElementById('episode-filter');
  if (filter) filter.addEventListener('input', function () {
    var q = filter.value.trim().toLowerCase();
    document.querySelectorAll('tr[data-search]').forEach(function (row) {
      row.style.display = !q || row.getAttribute('data-search').indexOf(q) >= 0 ? '' : 'none';
    });
    if (q) document.querySelectorAll('details.round').forEach(function (d) { d.open = true; });
  });
})();
`;

/**
 * Live refresh when the report is served over HTTP (sinq report --serve): poll version.json and reload
 * when a newer report was written, keeping the reader's scroll position. Opened from a file, it does nothing.
 */
export function liveScript(generatedAt: number, versionUrl: string): string {
  return `
(function () {
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return;
  var key = 'sinq-report-scroll:' + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) { sessionStorage.removeItem(key); window.scrollTo(0, Number(saved)); }
  var mine = ${generatedAt};
  setInterval(function () {
    fetch(${JSON.stringify(versionUrl)}, { cache: 'no-store' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (v) {
      if (v && v.generatedAt > mine) { sessionStorage.setItem(key, String(window.scrollY)); location.reload(); }
    }).catch(function () {});
  }, 3000);
})();
`;
}
