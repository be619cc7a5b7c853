// The dashboard's stylesheet, served as /assets/dashboard.css (a module, not a file: nothing to copy
// into dist/ or the image). No inline styles anywhere: the CSP allows styles from this file only.
export const STYLES = /* css */ `
:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #5c6577; --line: #dfe3ea;
  --accent: #2f5bd3; --accent-text: #fff; --ok: #1f7a4d; --ok-bg: #e3f4ea; --warn: #8a5a00; --warn-bg: #fdf1d6;
  --bad: #b3261e; --bad-bg: #fbe4e2; --focus: #ffbf47;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--text); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px;
}
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--panel); padding: .4rem .8rem; z-index: 10; }
.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; background: #1d2330; color: #fff; flex-wrap: wrap; }
.top a { color: #fff; text-decoration: none; }
.brand { font-weight: 700; letter-spacing: .02em; font-size: 1.1rem; }
.top nav { display: flex; gap: 1rem; flex: 1; }
.top nav a { padding: .2rem .1rem; border-bottom: 2px solid transparent; }
.top nav a[aria-current="page"] { border-bottom-color: #fff; }
.who { display: flex; align-items: center; gap: .75rem; font-size: .9rem; color: #c9cfdb; }
.who button { background: transparent; color: #fff; border: 1px solid #5c6577; }
main { max-width: 1200px; margin: 0 auto; padding: 1.25rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .6rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; word-break: break-all; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.bad { color: var(--bad); background: var(--bad-bg); }
.badge.muted { color: var(--muted); background: #eceff3; }
.flash { max-width: 1200px; margin: 1rem auto 0; padding: .6rem 1rem; border-radius: 6px; }
.flash.ok { color: var(--ok); background: var(--ok-bg); }
.flash.error { color: var(--bad); background: var(--bad-bg); }
.warning { margin-top: .4rem; padding: .4rem .6rem; border-radius: 6px; color: var(--warn); background: var(--warn-bg); }
.error-text { color: var(--bad); }
button, .button {
  font: inherit; font-size: .9rem; padding: .3rem .8rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-text); cursor: pointer;
}
button.secondary { background: var(--panel); color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
form.inline { display: inline; margin: 0; }
.actions { display: flex; gap: .4rem; flex-wrap: wrap; }
progress { width: 8rem; height: .8rem; vertical-align: middle; }
.chart svg { width: 100%; height: auto; max-height: 220px; display: block; }
.chart .ok { fill: #3a9d6b; }
.chart .failed { fill: #d0453b; }
.chart .axis { stroke: var(--line); stroke-width: 1; }
.chart text { fill: var(--muted); font-size: 11px; }
.legend { display: flex; gap: 1.25rem; margin-top: .4rem; font-size: .85rem; color: var(--muted); }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -1px; margin-right: .3rem; }
.swatch.ok { background: #3a9d6b; }
.swatch.failed { background: #d0453b; }
.updated { font-size: .8rem; color: var(--muted); margin: .25rem 0 0; }
.login { max-width: 26rem; margin: 12vh auto; background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1.75rem; }
.login h1 { margin-top: 0; }
.login label { display: block; font-weight: 600; margin-bottom: .3rem; }
.login input[type="password"] { width: 100%; font: inherit; padding: .5rem .6rem; border: 1px solid #9aa3b5; border-radius: 6px; }
.login .hint { font-size: .85rem; color: var(--muted); margin: .4rem 0 1rem; }
.login button { width: 100%; padding: .55rem; font-size: 1rem; }
.login .error-text { margin: 0 0 1rem; }
/* Subscription and delivery pages */
h1 .mono { font-size: 1.3rem; font-weight: 700; }
.crumbs { font-size: .85rem; color: var(--muted); margin: 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.25rem; margin: 0; }
.facts dt { color: var(--muted); font-size: .85rem; }
.facts dd { margin: 0; }
.label { font-size: .95rem; margin: .2rem 0 .5rem; }
h4.label { font-size: .85rem; color: var(--muted); }
ul.plain { list-style: none; padding: 0; margin: 0 0 .4rem; }
.form .field, .form fieldset { margin-bottom: .9rem; }
.field label, fieldset legend { display: block; font-weight: 600; margin-bottom: .25rem; }
fieldset { border: 0; padding: 0; margin: 0; }
label.check { display: inline-flex; gap: .3rem; align-items: center; font-weight: 400; margin-right: 1rem; }
.form input[type="url"], .form input[type="text"], .form textarea { width: 100%; max-width: 40rem; font: inherit; padding: .4rem .5rem; border: 1px solid #9aa3b5; border-radius: 6px; }
.field.invalid input, .field.invalid textarea, .field.invalid select { border-color: var(--bad); }
.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; }
.filters .field { margin: 0; }
.filters input, .filters select { font: inherit; padding: .3rem .4rem; border: 1px solid #9aa3b5; border-radius: 6px; }
.filters .buttons { padding-bottom: .1rem; }
.toolbar { margin: .75rem 0; }
.confirm { border-color: var(--warn); background: var(--warn-bg); }
.secret code { font-size: 1rem; background: #eceff3; padding: .2rem .4rem; border-radius: 4px; }
pre.code { margin: 0; white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .82rem; background: #f2f4f7; padding: .6rem; border-radius: 6px; max-height: 28rem; overflow: auto; }
pre.code.panel { background: var(--panel); }
ol.attempts { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; }
details summary { cursor: pointer; margin: .6rem 0 .3rem; font-weight: 600; }
footer { max-width: 1200px; margin: 0 auto; padding: 0 1.5rem 2rem; font-size: .8rem; color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; margin-bottom: 1rem; }
.filters .field { display: flex; flex-direction: column; gap: .2rem; }
.filters label { font-size: .8rem; font-weight: 600; color: var(--muted); }
.filters input, .filters select { font: inherit; font-size: .9rem; padding: .3rem .45rem; border: 1px solid #9aa3b5; border-radius: 6px; background: #fff; }
.filters .buttons { flex-direction: row; gap: .5rem; }
a.button { display: inline-block; text-decoration: none; }
a.button.secondary { background: var(--panel); color: var(--accent); }
.problems { flex-basis: 100%; margin: 0; padding: .5rem 1rem; color: var(--bad); background: var(--bad-bg); border-radius: 6px; list-style: none; }
.delivery-states { display: inline-flex; gap: .25rem; flex-wrap: wrap; }
td.summary { max-width: 28rem; word-break: break-word; }
td.lead-cell { word-break: break-word; max-width: 16rem; }
.pager { display: flex; gap: 1.25rem; margin-top: .75rem; }
.crumbs { margin: 0; color: var(--muted); }
.facts { display: flex; flex-wrap: wrap; gap: .5rem 2rem; margin: 0 0 1rem; }
.facts dt { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.facts dd { margin: 0; word-break: break-word; }
.timeline { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: .75rem; }
.timeline .entry { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; }
.diff { margin-top: .5rem; }
.diff th[scope="row"] { text-transform: none; letter-spacing: 0; color: var(--text); font-weight: 600; width: 12rem; }
.diff td.before { color: var(--bad); background: var(--bad-bg); word-break: break-word; }
.diff td.after { color: var(--ok); background: var(--ok-bg); word-break: break-word; }
.interaction pre { background: #f1f3f7; padding: .5rem .75rem; border-radius: 6px; max-height: 16rem; overflow: auto; white-space: pre-wrap; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
