// The page of package live: it polls the handler's JSON (api/tasks,
// api/stats, api/stalls, api/parked; api/tasks/ID on a task's page) and renders it.
// Every value from the program is set as text, never as HTML.
'use strict';

const columns = [
  { key: 'id', label: 'id', kind: 'num' },
  { key: 'name', label: 'name', kind: 'wide' },
  { key: 'parent', label: 'parent', kind: 'id' },
  { key: 'state', label: 'state' },
  { key: 'op', label: 'op' },
  { key: 'target', label: 'target', kind: 'wide' },
  { key: 'blocked_ns', label: 'blocked for', kind: 'dur' },
  { key: 'busy_ns', label: 'busy', kind: 'dur' },
  { key: 'idle_ns', label: 'idle', kind: 'dur' },
  { key: 'calls', label: 'calls', kind: 'num' },
  { key: 'bytes', label: 'bytes', kind: 'bytes' },
  { key: 'errors', label: 'errors', kind: 'num' },
  { key: 'age_ns', label: 'age', kind: 'dur' },
  { key: 'spawned', label: 'spawned at', kind: 'wide' },
];
const numeric = new Set(['num', 'dur', 'bytes']);

const state = {
  sort: 'blocked_ns', desc: true, q: '', tq: '',
  interval: 1000, paused: false, timer: null,
  histo: null, // {from: 'kind' | 'target', name}
  ticks: 0, statsDue: true, // the stats are fetched every fifth refresh
  detail: null, // task id shown, or null for the list
  stackWanted: true,
  lastStats: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// fmtDur renders nanoseconds as Go's time.Duration does, to three digits.
function fmtDur(ns) {
  if (!ns) return '0';
  const units = [[3600e9, 'h'], [60e9, 'm'], [1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
  if (ns >= 60e9) {
    const h = Math.floor(ns / 3600e9), m = Math.floor((ns % 3600e9) / 60e9), s = Math.floor((ns % 60e9) / 1e9);
    return h > 0 ? `${h}h${m}m` : `${m}m${s}s`;
  }
  for (const [u, name] of units) {
    if (ns >= u) {
      const v = ns / u;
      let s = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
      if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
      return s + name;
    }
  }
  return ns + 'ns';
}

function fmtBytes(n) {
  if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + 'G';
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + 'M';
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + 'k';
  return String(n);
}

function fmtTime(s) {
  if (!s) return '';
  const d = new Date(s);
  return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

function cell(col, t) {
  const v = t[col.key];
  const td = el('td', { 'data-col': col.key });
  switch (col.kind) {
    case 'num': td.className = 'num'; td.textContent = String(v); break;
    case 'dur': td.className = 'num'; td.textContent = col.key === 'blocked_ns' && t.state !== 'blocked' ? '' : fmtDur(v); break;
    case 'bytes': td.className = 'num'; td.textContent = fmtBytes(v); break;
    case 'id': td.className = 'num'; td.textContent = v ? String(v) : ''; break;
    case 'wide': td.className = 'wide'; td.textContent = v; td.title = v; break;
    default:
      td.textContent = v;
      if (col.key === 'state') td.classList.add('state-' + v);
  }
  return td;
}

async function getJSON(url, init) {
  const resp = await fetch(url, init);
  const body = await resp.json().catch(() => ({ error: resp.statusText }));
  if (!resp.ok) throw new Error(body.error || resp.statusText);
  return body;
}

// The list.

function renderHead() {
  const tr = $('task-head');
  tr.replaceChildren();
  for (const col of columns) {
    const sorted = state.sort === col.key;
    const th = el('th', {
      'data-sort': col.key,
      class: sorted ? 'sorted' : null,
      'aria-sort': sorted ? (state.desc ? 'descending' : 'ascending') : 'none',
      title: 'sort by ' + col.label,
      onclick: () => {
        if (state.sort === col.key) state.desc = !state.desc;
        else { state.sort = col.key; state.desc = numeric.has(col.kind); }
        renderHead();
        kick();
      },
    });
    th.textContent = col.label + (sorted ? (state.desc ? ' ▼' : ' ▲') : '');
    tr.append(th);
  }
}

async function loadTasks() {
  const p = new URLSearchParams({ sort: state.sort, desc: String(state.desc), q: state.q, limit: '500' });
  let list;
  try {
    list = await getJSON('api/tasks?' + p);
    $('filter-error').textContent = '';
  } catch (e) {
    $('filter-error').textContent = e.message;
    throw e;
  }
  $('sched').textContent = `${list.scheduler} (${list.mode})`;
  const sum = $('summary');
  sum.replaceChildren(el('span', {}, el('b', { text: String(list.total) }), ' tasks'));
  for (const s of ['blocked', 'running', 'runnable', 'holding']) {
    if (list.states[s]) sum.append(el('span', { class: 'state-' + s }, el('b', { text: String(list.states[s]) }), ' ' + s));
  }
  const rows = list.tasks.map((t) => {
    const tr = el('tr', { 'data-id': String(t.id), onclick: () => { location.hash = '#task/' + t.id; } });
    for (const col of columns) tr.append(cell(col, t));
    return tr;
  });
  const body = $('task-rows');
  body.replaceChildren(...rows);
  // What the rows answer, for whoever reads the page (its tests too).
  body.dataset.sort = list.sort + (list.desc ? ' desc' : ' asc');
  body.dataset.filter = list.filter;
  $('matched').textContent = list.filter ? `${list.matched} of ${list.total} match` : `${list.total} tasks`;
  $('more').textContent = list.matched > list.tasks.length
    ? `showing the first ${list.tasks.length} of ${list.matched}; sort or filter to see others` : '';
}

function statsRow(c, from) {
  const selected = state.histo && state.histo.from === from && state.histo.name === c.name;
  return el('tr', {
    'data-name': c.name, class: selected ? 'selected' : null,
    onclick: () => { state.histo = { from, name: c.name }; renderStats(); },
  },
  el('td', { class: 'wide', text: c.name, title: c.name }),
  el('td', { class: 'num', text: String(c.calls) }),
  el('td', { class: 'num', text: String(c.errors) }),
  el('td', { class: 'num', text: fmtBytes(c.bytes) }),
  el('td', { class: 'num', text: fmtDur(c.p50_ns) }),
  el('td', { class: 'num', text: fmtDur(c.p99_ns) }),
  el('td', { class: 'num', text: fmtDur(c.max_ns) }));
}

async function loadStats() {
  const p = new URLSearchParams({ q: state.tq, limit: '100' });
  state.lastStats = await getJSON('api/stats?' + p);
  renderStats();
}

function renderStats() {
  const st = state.lastStats;
  if (!st) return;
  $('stats-off').hidden = st.enabled;
  if (!state.histo && st.kinds.length) state.histo = { from: 'kind', name: st.kinds[0].name };
  $('kinds').tBodies[0].replaceChildren(...st.kinds.map((c) => statsRow(c, 'kind')));
  $('targets').tBodies[0].replaceChildren(...st.targets.map((c) => statsRow(c, 'target')));
  $('targets-count').textContent = `${st.targets.length} shown of ${st.targets_total} targets`;
  const list = state.histo && (state.histo.from === 'kind' ? st.kinds : st.targets);
  const c = list && list.find((x) => x.name === state.histo.name);
  $('histo-name').textContent = c ? `${state.histo.from} ${c.name}` : '—';
  drawHistogram(c ? c.histogram : []);
}

// fillBuckets adds the empty buckets the reply leaves out between the
// first and the last, so that the x axis doubles at every step.
function fillBuckets(buckets) {
  if (!buckets.length) return [];
  const out = [];
  let le = buckets[0].le_ns;
  for (const b of buckets) {
    for (; le * 1.5 < b.le_ns && out.length < 64; le *= 2) out.push({ le_ns: Math.round(le), count: 0 });
    out.push(b);
    le = b.le_ns * 2;
  }
  return out;
}

function drawHistogram(sparse) {
  const svg = $('histogram');
  const ns = 'http://www.w3.org/2000/svg';
  svg.replaceChildren();
  const buckets = fillBuckets(sparse);
  const w = svg.clientWidth || 500, h = 180, pad = 28;
  if (!buckets.length) return;
  const max = Math.max(...buckets.map((b) => b.count));
  const bw = Math.min(48, (w - 2 * pad) / buckets.length);
  buckets.forEach((b, i) => {
    const bh = Math.max(1, (h - 2 * pad) * b.count / max);
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', String(pad + i * bw + 1));
    r.setAttribute('y', String(h - pad - bh));
    r.setAttribute('width', String(Math.max(1, bw - 2)));
    r.setAttribute('height', String(bh));
    const title = document.createElementNS(ns, 'title');
    title.textContent = `≤ ${fmtDur(b.le_ns)}: ${b.count} calls`;
    r.append(title);
    svg.append(r);
    const every = Math.ceil(buckets.length / 8);
    if (i % every === 0) {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', String(pad + i * bw));
      t.setAttribute('y', String(h - 10));
      t.textContent = fmtDur(b.le_ns);
      svg.append(t);
    }
  });
  const top = document.createElementNS(ns, 'text');
  top.setAttribute('x', '4');
  top.setAttribute('y', '14');
  top.textContent = `${max} call${max === 1 ? '' : 's'}`;
  svg.append(top);
}

async function loadStalls() {
  const sl = await getJSON('api/stalls');
  const box = $('stalls');
  if (!sl.stalls.length) {
    box.replaceChildren(el('p', {
      class: 'muted',
      text: `No report since ${fmtTime(sl.recording_since)}. A Cooperative scheduler's watchdog reports a task that holds the turn too long without a blocking call.`,
    }));
    return;
  }
  box.replaceChildren(...sl.stalls.map((s) => el('details', {},
    el('summary', { text: `${fmtTime(s.start)}  task ${s.task} ${s.name} held the turn for ${fmtDur(s.held_ns)}` }),
    el('pre', { text: s.stack }))));
  if (sl.seen > sl.stalls.length) box.append(el('p', { class: 'muted', text: `${sl.seen} reports; the last ${sl.stalls.length} kept` }));
}

// The tasks that wait outside any coop call (api/parked): what coop
// cannot see, cut short or kill until their next coop call.
async function loadParked() {
  const pl = await getJSON('api/parked');
  const box = $('parked');
  if (!pl.parked.length) {
    box.replaceChildren(el('p', {
      class: 'muted',
      text: `No task has waited outside a coop call for ${fmtDur(pl.quiet_ns)} or more (a raw channel operation or select, a sync.Mutex, a raw time.Sleep, a system call): a kill reaches every task at its next blocking call.`,
    }));
    return;
  }
  box.replaceChildren(...pl.parked.map((p) => el('details', { 'data-task': String(p.id) },
    el('summary', {}, el('a', { href: '#task/' + p.id, text: `task ${p.id}` }), ` '${p.name}' in ${p.wait} at ${p.at || p.func}, outside coop for ${fmtDur(p.quiet_ns)}`),
    el('pre', { text: p.stack }))));
}

// A task's page.

async function loadDetail() {
  const id = state.detail;
  const withStack = state.stackWanted;
  const d = await getJSON(`api/tasks/${id}` + (withStack ? '' : '?stack=false'));
  if (state.detail !== id) return;
  state.stackWanted = false;
  const t = d.task;
  $('detail-title').textContent = `task ${t.id} ${t.name}`;
  const st = $('detail-state');
  st.className = 'detail-state state-' + t.state;
  if (!d.alive) st.textContent = 'ended' + (d.err ? ': ' + d.err : ' without error');
  else if (t.state === 'blocked') st.textContent = `blocked in ${t.op}${t.target ? ' ' + t.target : ''} for ${fmtDur(t.blocked_ns)}`;
  else st.textContent = t.state;
  $('kill-box').hidden = !(d.kill && d.alive);
  const fields = [
    ['parent', t.parent ? t.parent : 'none'],
    ['spawned at', t.spawned || 'not known'],
    ['age', fmtDur(t.age_ns)], ['busy', fmtDur(t.busy_ns)], ['idle', fmtDur(t.idle_ns)],
    ['calls', t.calls], ['bytes', fmtBytes(t.bytes)], ['errors', t.errors],
  ];
  $('detail-fields').tBodies[0].replaceChildren(...fields.map(([k, v]) => {
    const value = k === 'parent' && t.parent ? el('a', { href: '#task/' + t.parent, text: String(v) }) : String(v);
    return el('tr', {}, el('td', { text: k }), el('td', {}, value));
  }));
  $('events-note').textContent = d.recording_since
    ? `(${d.events.length} of ${d.events_seen} since ${fmtTime(d.recording_since)})` : '';
  $('detail-events').tBodies[0].replaceChildren(...d.events.slice().reverse().map((e) => el('tr', { 'data-op': e.op },
    el('td', { text: fmtTime(e.start) }), el('td', { 'data-col': 'op', text: e.op }),
    el('td', { class: 'wide', text: e.target, title: e.target }), el('td', { class: 'num', text: fmtDur(e.duration_ns) }),
    el('td', { class: 'num', text: String(e.bytes) }), el('td', { class: 'error', text: e.err }))));
  $('detail-children').replaceChildren(d.children.length
    ? el('ul', {}, ...d.children.map((c) => el('li', {}, el('a', { href: '#task/' + c.id, text: `task ${c.id} ${c.name}` }), ` ${c.state} ${c.op}`)))
    : el('p', { class: 'muted', text: 'none' }));
  if (withStack) $('detail-stack').textContent = d.stack || (d.alive ? 'not known yet' : 'the task has ended');
}

async function kill() {
  const id = state.detail;
  $('kill-ask').hidden = true;
  try {
    const r = await getJSON(`api/tasks/${id}/kill`, { method: 'POST', headers: { 'X-Coop-Kill': String(id) } });
    $('kill-result').textContent = r.killed ? 'killed' : 'it had already ended';
  } catch (e) {
    $('kill-result').textContent = e.message;
  }
  kick();
}

// Routing and the refresh loop.

function route() {
  const m = /^#task\/(\d+)$/.exec(location.hash);
  state.detail = m ? m[1] : null;
  state.statsDue = true;
  $('list-view').hidden = !!m;
  $('detail-view').hidden = !m;
  if (m) {
    state.stackWanted = true;
    $('kill-result').textContent = '';
    $('kill-ask').hidden = true;
    for (const id of ['detail-title', 'detail-state', 'detail-stack']) $(id).textContent = '';
  }
  kick();
}

// One refresh at a time, so that replies render in the order asked.
let refreshing = false, again = false;

async function refresh() {
  state.timer = null;
  if (refreshing) { again = true; return; }
  refreshing = true;
  if (!state.paused && !document.hidden) {
    try {
      if (state.detail) await loadDetail();
      else {
        // The stats move slowly and cost the most to gather (every
        // target's histogram), and so may the tasks outside coop (a dump
        // of every goroutine's stack): every fifth refresh, or when asked.
        const stats = state.statsDue || state.ticks % 5 === 0;
        state.statsDue = false;
        state.ticks++;
        await Promise.all([loadTasks(), stats ? loadStats() : null, stats ? loadParked() : null, loadStalls()]);
      }
      $('status').textContent = 'updated ' + new Date().toLocaleTimeString([], { hour12: false });
      $('status').classList.remove('bad');
    } catch (e) {
      $('status').textContent = e.message;
      $('status').classList.add('bad');
    }
  }
  refreshing = false;
  if (state.timer) return;
  state.timer = setTimeout(refresh, again ? 0 : state.interval);
  again = false;
}

// kick refreshes now instead of at the next tick.
function kick() {
  if (state.timer) clearTimeout(state.timer);
  state.timer = setTimeout(refresh, 0);
}

function debounce(fn, ms) {
  let t = null;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

function init() {
  renderHead();
  $('filter').addEventListener('input', debounce((e) => { state.q = e.target.value; kick(); }, 200));
  $('filter').addEventListener('keydown', (e) => { if (e.key === 'Enter') { state.q = e.target.value; kick(); } });
  $('target-filter').addEventListener('input', debounce((e) => { state.tq = e.target.value; state.statsDue = true; kick(); }, 200));
  $('interval').addEventListener('change', (e) => { state.interval = Number(e.target.value); kick(); });
  $('pause').addEventListener('click', () => {
    state.paused = !state.paused;
    $('pause').textContent = state.paused ? 'resume' : 'pause';
    kick();
  });
  $('back').addEventListener('click', (e) => { e.preventDefault(); location.hash = ''; });
  $('kill').addEventListener('click', () => { $('kill-ask').hidden = false; });
  $('kill-cancel').addEventListener('click', () => { $('kill-ask').hidden = true; });
  $('kill-confirm').addEventListener('click', kill);
  $('stack-refresh').addEventListener('click', () => { state.stackWanted = true; kick(); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) kick(); });
  window.addEventListener('hashchange', route);
  route();
}

init();
