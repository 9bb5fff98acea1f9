// ssokit dashboard: plain JavaScript, no library, no build step.
//
// Every piece of data (events, claims, names) reaches the page through
// textContent or an attribute set with setAttribute: never innerHTML, so a
// hostile claim or client_id renders as text and cannot become markup. The
// Content-Security-Policy forbids inline script as a second line.
'use strict';

(function () {
  const ROW = 22;              // event list row height (px), as in app.css
  const MAX_EVENTS = 50000;    // memory bound: the oldest tenth is dropped beyond it
  const MAX_SESSIONS_SHOWN = 300;
  const SHOW_CHARS = 300;      // text longer than this is cut in lists and the diagram
  const CLAIM_CHARS = 4000;    // and in the token dialog
  const STREAM = 'events?replay=1&tokens=full';

  // --- the model -------------------------------------------------------
  const model = {
    events: [],                // every event, oldest first
    seen: new Set(),           // dedup keys: a reconnect replays retained events
    sessions: new Map(),       // sid ("" = events outside any session) → session
    state: null,               // GET dashboard/state
    selected: null,            // selected sid
    active: -1,                // keyboard-active index in the (filtered) event list
    view: null,                // filtered indices, or null for all
    filter: '',
    lostAt: null,              // when the stream dropped (Date), for the gap marker
    pending: [],               // parsed events waiting for the next flush
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const SVG = 'http://www.w3.org/2000/svg';
  const sv = (tag, attrs, text) => {
    const e = document.createElementNS(SVG, tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // safe makes untrusted text visible as text: control and format characters
  // (escape sequences, a right-to-left override that would reorder the line)
  // are shown escaped, and very long values are cut with a count.
  function safe(s, max) {
    s = s == null ? '' : String(s);
    s = s.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (c) => '\\u' + c.codePointAt(0).toString(16).padStart(4, '0'));
    max = max || SHOW_CHARS;
    if (s.length > max) s = s.slice(0, max) + '… (' + (s.length - max) + ' more characters)';
    return s;
  }

  // appColor picks the colour `ssokit up` gives an app in its logs: FNV-1a of
  // the app's name over the same palette (pkg/proxy AppColor), as CSS.
  const PALETTE = ['#0e7c86', '#a23ca6', '#8a6a00', '#2e7d32', '#2b5fd9', '#138fa0', '#c0307f', '#9c7500', '#3c8d3c', '#3f6fd0'];
  const PALETTE_NAMES = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'bright cyan', 'bright magenta', 'bright yellow', 'bright green', 'bright blue'];
  function paletteIndex(name) {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(name)) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; }
    return h % PALETTE.length;
  }
  function clientInfo(id) {
    const st = model.state;
    const c = st && st.clients.find((x) => x.client_id === id);
    const app = (c && c.app) || id;
    const known = !!c || !st || st.zero_config;
    return { id, app, known, color: PALETTE[paletteIndex(app)], colorName: PALETTE_NAMES[paletteIndex(app)] };
  }
  function clientLabel(id) {
    const ci = clientInfo(id);
    let s = ci.app !== id ? ci.app + ' (' + id + ')' : id;
    if (!ci.known) s += ' — not registered';
    return safe(s, 60);
  }

  const pad = (n, w) => String(n).padStart(w || 2, '0');
  const clock = (t) => { const d = new Date(t); return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3); };
  const dateTime = (s) => { if (!s) return ''; const d = new Date(s); return isNaN(d) ? safe(s) : d.toLocaleString(); };

  // --- events ----------------------------------------------------------
  function keyOf(e) {
    const tail = e.token ? e.token.slice(-24) : (e.detail || '').slice(0, 80);
    return [e.time, e.kind, e.client_id, e.sid, e.user, e.token_type, tail].join('|');
  }

  function ingest(raw) {
    let e;
    try { e = JSON.parse(raw); } catch (err) { e = { kind: 'unparsable', detail: 'event is not JSON: ' + String(err) }; }
    if (!e || typeof e !== 'object') e = { kind: 'unparsable', detail: 'event is not an object' };
    for (const f of ['time', 'kind', 'client_id', 'user', 'sid', 'endpoint', 'detail', 'token', 'token_type']) {
      if (e[f] != null && typeof e[f] !== 'string') e[f] = JSON.stringify(e[f]);
      if (e[f] == null) e[f] = '';
    }
    const k = keyOf(e);
    if (model.seen.has(k)) return;
    model.seen.add(k);
    e.t = Date.parse(e.time) || Date.now();
    stats.lastAt = performance.now();
    if (!stats.firstAt) stats.firstAt = stats.lastAt;
    model.pending.push(e);
    scheduleFlush();
  }

  // Events are drawn in batches: at once after a quiet spell (a sign-in
  // shows immediately), every 50 ms during a burst (a replay of thousands).
  let flushTimer = 0, flushedAt = 0;
  function scheduleFlush() {
    if (!flushTimer) flushTimer = setTimeout(flush, performance.now() - flushedAt > 100 ? 0 : 50);
  }

  const STATE_KINDS = new Set(['login', 'code', 'silent', 'logout', 'backchannel', 'sessions_ended', 'keys_rotated', 'fault', 'token', 'disconnect']);
  const stats = { flushes: 0, flushMs: 0, firstAt: 0, lastAt: 0 };
  function flush() {
    flushTimer = 0;
    flushedAt = performance.now();
    stats.flushes++;
    const batch = model.pending;
    model.pending = [];
    let refresh = false;
    let firstSid = null;
    let diagram = false;
    for (const e of batch) {
      e.i = model.events.length;
      model.events.push(e);
      addToSession(e);
      if (STATE_KINDS.has(e.kind)) refresh = true;
      if (e.sid && (e.kind === 'login' || e.kind === 'silent' || e.kind === 'code')) firstSid = firstSid || e.sid;
      if ((e.sid || '') === model.selected || e.kind === 'sessions_ended' || e.kind === 'keys_rotated' || e.kind === '_gap') diagram = true;
    }
    if (model.events.length > MAX_EVENTS) { trim(); diagram = true; }
    if (model.selected === null && firstSid) { model.selected = firstSid; diagram = true; }
    if (model.filter) model.view = computeView();
    renderEvents();
    scheduleSessions();
    if (diagram) renderDiagram();
    if (refresh) scheduleState();
    stats.flushMs += performance.now() - flushedAt;
  }

  // the session table is redrawn at most every 250 ms: a burst of events
  // (a replay of thousands) must not rebuild it for every batch
  let sessionsTimer = 0, sessionsAt = 0;
  function scheduleSessions() {
    if (sessionsTimer) return;
    const wait = Math.max(0, sessionsAt + 250 - performance.now());
    sessionsTimer = setTimeout(() => { sessionsTimer = 0; sessionsAt = performance.now(); renderSessions(); }, wait);
  }

  function addToSession(e) {
    const sid = e.sid || '';
    if (e.kind === 'sessions_ended' || e.kind === 'keys_rotated' || e.kind === '_gap') {
      // provider-wide: shown in every session open at the time
      for (const s of model.sessions.values()) if (s.sid && !s.ended) { s.evs.push(e); if (e.kind === 'sessions_ended') s.ended = true; }
      return;
    }
    if (!sid && !['silent', 'login_failed', 'error', 'fault', 'token'].includes(e.kind)) return;
    let s = model.sessions.get(sid);
    if (!s) { s = { sid, user: '', clients: new Set(), evs: [], first: e.t, last: e.t, ended: false }; model.sessions.set(sid, s); }
    s.evs.push(e);
    s.last = e.t;
    if (e.user && !s.user) s.user = e.user;
    if (e.client_id && (e.kind === 'code' || e.kind === 'silent' && !e.detail.startsWith('failed') || e.kind === 'token' || e.kind === 'login')) s.clients.add(e.client_id);
    if (e.kind === 'logout') s.ended = true;
    if (e.kind === 'disconnect' && e.client_id) s.clients.delete(e.client_id); // FedCM: the app's approval withdrawn
  }

  function trim() {
    const keep = model.events.slice(Math.floor(MAX_EVENTS / 10));
    model.events = [];
    model.sessions = new Map();
    model.seen = new Set();
    for (const e of keep) { e.i = model.events.length; model.events.push(e); model.seen.add(keyOf(e)); addToSession(e); }
  }

  function computeView() {
    const f = model.filter.toLowerCase();
    const out = [];
    for (const e of model.events) {
      if ((e.kind + ' ' + e.client_id + ' ' + e.user + ' ' + e.sid + ' ' + e.detail + ' ' + e.token_type).toLowerCase().includes(f)) out.push(e.i);
    }
    return out;
  }

  // --- the stream --------------------------------------------------------
  let source = null;
  let retry = 0;
  function connect() {
    setConn('connecting', 'connecting…');
    source = new EventSource(STREAM);
    source.onopen = () => {
      retry = 0;
      if (model.lostAt) {
        ingest(JSON.stringify({ kind: '_gap', time: model.lostAt.toISOString(), detail: 'event stream dropped at ' + clock(model.lostAt) + ' and came back at ' + clock(Date.now()) + ': events in between may be missing (a restarted provider forgets its sessions)' }));
        model.lostAt = null;
      }
      setConn('live', 'live');
      scheduleState();
    };
    source.onmessage = (m) => ingest(m.data);
    // the provider names each SSE event by its kind: listen to all of them
    for (const k of ['login', 'login_failed', 'silent', 'code', 'token', 'refresh', 'reuse', 'logout', 'backchannel', 'frontchannel', 'fault', 'keys_rotated', 'sessions_ended', 'disconnect', 'unparsable']) {
      source.addEventListener(k, (m) => ingest(m.data));
    }
    source.onerror = (ev) => {
      // an event of kind "error" (an OAuth error the provider answered)
      // arrives as a MessageEvent named "error": data, not a lost stream
      if (ev instanceof MessageEvent && ev.data !== undefined) { ingest(ev.data); return; }
      if (!model.lostAt) model.lostAt = new Date();
      if (source.readyState === EventSource.CLOSED) {
        // the browser gave up (an answer that was not an event stream): retry ourselves
        const wait = Math.min(5000, 500 * 2 ** retry++);
        setConn('down', 'disconnected since ' + clock(model.lostAt) + ': retrying in ' + Math.round(wait / 1000) + 's');
        setTimeout(connect, wait);
      } else {
        setConn('reconnecting', 'reconnecting… (stream lost at ' + clock(model.lostAt) + ')');
      }
    };
  }
  function setConn(cls, text) {
    const c = $('conn');
    c.className = 'conn conn-' + cls;
    c.textContent = text;
    c.dataset.state = cls;
  }

  // --- provider state ------------------------------------------------------
  let stateTimer = 0;
  function scheduleState() {
    if (!stateTimer) stateTimer = setTimeout(() => { stateTimer = 0; loadState(); }, 150);
  }
  async function loadState() {
    try {
      const r = await fetch('dashboard/state', { cache: 'no-store' });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      model.state = await r.json();
    } catch (err) {
      return; // the stream's status already says the provider is unreachable
    }
    const st = model.state;
    $('issuer').textContent = safe(st.issuer);
    $('kid').textContent = safe(st.alg + ' ' + st.kid);
    $('kid').dataset.kid = st.kid;
    renderSessions();
    renderClients();
    renderUsers();
    renderFaults();
    renderDiagram();
  }

  // --- sessions ----------------------------------------------------------------
  function sessionRows() {
    const live = new Map();
    if (model.state) for (const s of model.state.sessions) live.set(s.sid, s);
    const rows = [];
    for (const s of live.values()) {
      const seen = model.sessions.get(s.sid);
      rows.push({ sid: s.sid, user: s.user, clients: s.clients, auth: s.auth_time, expires: s.expires, state: 'live', t: seen ? seen.last : Date.parse(s.auth_time) });
    }
    for (const s of model.sessions.values()) {
      if (live.has(s.sid)) continue;
      rows.push({ sid: s.sid, user: s.user, clients: [...s.clients].sort(), auth: s.first && s.sid ? new Date(s.first).toISOString() : '', expires: '', state: s.sid === '' ? 'no session' : (s.ended ? 'ended' : 'not live (seen in events)'), t: s.last });
    }
    rows.sort((a, b) => b.t - a.t);
    return rows;
  }

  function renderSessions() {
    const rows = sessionRows();
    $('session-count').textContent = '(' + rows.filter((r) => r.state === 'live').length + ' live, ' + rows.length + ' seen)';
    const tb = $('sessions').tBodies[0];
    const frag = document.createDocumentFragment();
    for (const r of rows.slice(0, MAX_SESSIONS_SHOWN)) {
      const tr = el('tr', { tabindex: '0', 'data-sid': r.sid, 'aria-selected': String(r.sid === model.selected) });
      tr.appendChild(el('td', null, r.sid === '' ? '—' : safe(r.user, 60)));
      tr.appendChild(el('td', { class: 'sid' }, r.sid === '' ? '(events outside any session)' : safe(r.sid, 40)));
      const apps = el('td');
      for (const c of r.clients) { const ci = clientInfo(c); const s = el('span', { class: 'app' }, clientLabel(c)); s.style.setProperty('--app', ci.color); apps.appendChild(s); }
      tr.appendChild(apps);
      tr.appendChild(el('td', null, dateTime(r.auth)));
      tr.appendChild(el('td', null, dateTime(r.expires)));
      tr.appendChild(el('td', { class: 'state' }, r.state));
      const act = el('td');
      if (r.state === 'live') {
        const b = el('button', { type: 'button', class: 'end-session danger', 'data-sid': r.sid, 'aria-label': 'End session ' + safe(r.sid, 40) + ' of ' + safe(r.user, 40) }, 'End session');
        act.appendChild(b);
      }
      tr.appendChild(act);
      frag.appendChild(tr);
    }
    if (rows.length > MAX_SESSIONS_SHOWN) frag.appendChild(el('tr', null)).appendChild(el('td', { colspan: '7' }, (rows.length - MAX_SESSIONS_SHOWN) + ' older sessions not listed; filter the events to find them'));
    if (!rows.length) frag.appendChild(el('tr')).appendChild(el('td', { colspan: '7' }, 'No sessions yet.'));
    const focusedSid = document.activeElement && document.activeElement.closest && document.activeElement.closest('#sessions tr') ? document.activeElement.closest('#sessions tr').dataset.sid : null;
    tb.replaceChildren(frag);
    if (focusedSid !== null) { const again = [...tb.rows].find((x) => x.dataset.sid === focusedSid); if (again) again.focus(); }
  }

  function selectSession(sid) {
    model.selected = sid;
    for (const tr of $('sessions').tBodies[0].rows) if (tr.dataset.sid !== undefined) tr.setAttribute('aria-selected', String(tr.dataset.sid === sid));
    renderDiagram();
  }

  // --- the sequence diagram -------------------------------------------------
  // steps turns a session's events into arrows between lanes. A lane is
  // "browser", "provider" or "c:<client_id>".
  function steps(s) {
    const out = [];
    let prevTok = null;
    for (const e of s.evs) {
      const c = e.client_id ? 'c:' + e.client_id : 'browser';
      const who = e.client_id ? clientLabel(e.client_id) : 'the browser';
      const failed = e.detail.startsWith('failed');
      switch (e.kind) {
        case 'login':
          out.push({ e, from: 'browser', to: 'provider', text: 'sign in as ' + e.user + ' (' + e.detail + ')' + (e.client_id ? ' for ' + who : ''), lanes: [c] });
          break;
        case 'login_failed':
          out.push({ e, from: 'browser', to: 'provider', text: '✗ sign-in failed: ' + e.detail, cls: 'fail', lanes: [c] });
          break;
        case 'code':
          if (e.endpoint === 'fedcm_assertion') out.push({ e, from: c, to: 'provider', text: 'FedCM: the browser asks for an ID assertion (navigator.credentials.get)' });
          out.push({ e, from: 'provider', to: c, text: '✓ authorization ' + e.detail });
          break;
        case 'silent':
          out.push({ e, from: c, to: 'provider', text: 'silent sign-in: /authorize prompt=none (hidden iframe)' });
          out.push({ e, from: 'provider', to: c, text: failed ? '✗ silent sign-in ' + e.detail : '✓ silent sign-in ' + e.detail, cls: failed ? 'fail' : '' });
          break;
        case 'token': {
          const same = prevTok && prevTok.client_id === e.client_id && prevTok.detail === e.detail && Math.abs(prevTok.t - e.t) < 2000;
          if (e.endpoint === 'fedcm_assertion') out.push({ e, from: c, to: 'provider', text: 'FedCM: the browser asks for an ID assertion, ' + e.detail });
          else if (!same) out.push({ e, from: c, to: 'provider', text: 'POST /oauth/token (' + (e.detail === 'authorization_code' ? 'code exchange' : e.detail) + ')' });
          out.push({ e, from: 'provider', to: c, text: (e.token_type || 'token') + ' issued ▸ open', cls: 'token' });
          prevTok = e;
          continue;
        }
        case 'refresh':
          out.push({ e, from: c, to: 'provider', text: '↻ ' + e.detail });
          break;
        case 'reuse':
          out.push({ e, from: c, to: 'provider', text: '⚠ reuse detected: ' + e.detail, cls: 'warn' });
          break;
        case 'logout':
          out.push({ e, from: e.client_id ? c : 'browser', to: 'provider', text: 'logout: ' + e.detail + (e.client_id ? ' (from ' + who + ')' : '') });
          break;
        case 'disconnect':
          out.push({ e, from: c, to: 'provider', text: 'FedCM disconnect: ' + who + ' no longer approved (the session goes on)' });
          break;
        case 'frontchannel':
          out.push({ e, from: 'provider', to: c, text: 'front-channel logout: ' + e.detail, cls: 'dashed' });
          break;
        case 'backchannel': {
          const bad = /failed|expected/.test(e.detail);
          out.push({ e, from: 'provider', to: c, text: (bad ? '✗ ' : '✓ ') + 'back-channel logout POST: ' + e.detail, cls: bad ? 'fail' : '' });
          break;
        }
        case 'error':
          out.push({ e, from: c, to: 'provider', text: '✗ error at ' + (e.endpoint || 'provider') + ': ' + e.detail, cls: 'fail' });
          break;
        case '_gap':
          out.push({ e, note: '⚡ ' + e.detail, cls: 'gap' });
          break;
        default:
          out.push({ e, note: e.kind + (e.client_id ? ' · ' + who : '') + (e.detail ? ': ' + e.detail : ''), cls: 'note', lanes: e.client_id ? [c] : [] });
      }
      prevTok = null;
    }
    return out;
  }

  function renderDiagram() {
    const wrap = $('diagram-wrap');
    const s = model.selected === null ? null : model.sessions.get(model.selected);
    if (!s) {
      $('diagram-title').textContent = '';
      if (!$('diagram-empty')) wrap.replaceChildren(el('p', { id: 'diagram-empty' }, 'No session selected yet: sign in at an app, or pick a session above.'));
      return;
    }
    const st = steps(s);
    const lanes = ['browser'];
    for (const x of st) for (const l of [x.from, x.to, ...(x.lanes || [])]) if (l && l.startsWith('c:') && !lanes.includes(l)) lanes.push(l);
    lanes.push('provider');
    const GAP = 220, LEFT = 100, TOP = 56, H = 30;
    const xOf = (l) => LEFT + lanes.indexOf(l) * GAP;
    const width = LEFT + (lanes.length - 1) * GAP + 110;
    const height = TOP + st.length * H + 16;
    const title = s.sid === '' ? 'events outside any session' : 'session ' + safe(s.sid, 40) + ' of ' + safe(s.user || '?', 40);
    $('diagram-title').textContent = '— ' + title + ' (' + st.length + ' steps)';
    const svg = sv('svg', { class: 'seq', width, height, viewBox: '0 0 ' + width + ' ' + height, role: 'list', 'aria-label': 'Sequence diagram of ' + title + ', lanes: ' + lanes.map(laneName).join(', ') });
    for (const l of lanes) {
      const x = xOf(l);
      const g = sv('g', { 'aria-hidden': 'true' });
      const color = l.startsWith('c:') ? clientInfo(l.slice(2)).color : '#57606a';
      g.appendChild(sv('rect', { x: x - 80, y: 6, width: 160, height: 5, fill: color }));
      g.appendChild(sv('text', { x, y: 28, 'text-anchor': 'middle', class: 'lane-head' }, cut(laneName(l), 28)));
      if (l.startsWith('c:')) g.appendChild(sv('text', { x, y: 42, 'text-anchor': 'middle', class: 'time' }, laneKind(l)));
      g.appendChild(sv('line', { x1: x, y1: 48, x2: x, y2: height, class: 'lane-line' }));
      svg.appendChild(g);
    }
    st.forEach((x, i) => {
      const y = TOP + i * H;
      const g = sv('g', { class: 'row ' + (x.cls || ''), tabindex: '0', role: 'listitem', 'data-kind': x.e.kind });
      const desc = clock(x.e.t) + ' ' + (x.note ? x.note : laneName(x.from) + ' → ' + laneName(x.to) + ': ' + x.text);
      g.setAttribute('aria-label', safe(desc, 600));
      g.appendChild(sv('title', null, safe(desc, 2000)));
      g.appendChild(sv('rect', { class: 'bg', x: 0, y, width, height: H }));
      g.appendChild(sv('text', { x: 6, y: y + 19, class: 'time' }, clock(x.e.t)));
      if (x.note) {
        const x1 = x.lanes && x.lanes.length ? xOf(x.lanes[0]) : LEFT, x2 = xOf('provider');
        g.appendChild(sv('rect', { x: Math.min(x1, x2) - 70, y: y + 4, width: Math.abs(x2 - x1) + 140, height: H - 8, rx: 4 }));
        g.appendChild(sv('text', { x: (x1 + x2) / 2, y: y + 19, 'text-anchor': 'middle', class: 'label' }, cut(safe(x.note), Math.floor((Math.abs(x2 - x1) + 130) / 6.5))));
      } else {
        const x1 = xOf(x.from), x2 = xOf(x.to), dir = x2 > x1 ? 1 : -1;
        const color = x.from.startsWith('c:') ? clientInfo(x.from.slice(2)).color : x.to.startsWith('c:') ? clientInfo(x.to.slice(2)).color : '#57606a';
        const ly = y + H - 7;
        const line = sv('line', { x1, y1: ly, x2: x2 - dir * 7, y2: ly, stroke: color, 'stroke-width': 2 });
        if (x.cls === 'dashed') line.setAttribute('stroke-dasharray', '3 3');
        g.appendChild(line);
        g.appendChild(sv('path', { d: 'M' + x2 + ' ' + ly + ' l' + (-dir * 9) + ' -5 v10 z', fill: color, stroke: color }));
        // a label may run past its arrow (each step has its own row), not past the picture
        const text = cut(safe(x.text), Math.max(Math.floor(Math.abs(x2 - x1) / 6.2), 70));
        const half = text.length * 3.2;
        const mid = Math.min(Math.max((x1 + x2) / 2, LEFT - 20 + half), width - 5 - half);
        g.appendChild(sv('text', { x: mid, y: ly - 6, 'text-anchor': 'middle', class: 'label' }, text));
      }
      if (x.cls === 'token') {
        g.dataset.event = String(x.e.i);
        g.addEventListener('click', () => openToken(x.e));
        g.addEventListener('keydown', (k) => { if (k.key === 'Enter' || k.key === ' ') { k.preventDefault(); openToken(x.e); } });
      }
      svg.appendChild(g);
    });
    const keep = document.activeElement && document.activeElement.closest && document.activeElement.closest('svg.seq') ? [...document.activeElement.parentNode.children].indexOf(document.activeElement) : -1;
    wrap.replaceChildren(svg);
    if (keep >= 0 && svg.children[keep]) svg.children[keep].focus();
  }
  function laneName(l) { return l === 'browser' ? 'browser' : l === 'provider' ? 'provider' : clientLabel(l.slice(2)); }
  function laneKind(l) { const ci = clientInfo(l.slice(2)); return 'app · ' + ci.colorName; }
  function cut(s, n) { n = Math.max(n, 12); return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  // --- the event list (virtualized) ---------------------------------------------
  const pool = [];
  function viewLen() { return model.view ? model.view.length : model.events.length; }
  function viewAt(k) { return model.events[model.view ? model.view[k] : k]; }

  function renderEvents() {
    const box = $('events');
    const n = viewLen();
    $('event-count').textContent = '(' + n + (model.view ? ' of ' + model.events.length : '') + ')';
    $('events-spacer').style.height = n * ROW + 'px';
    if ($('follow').checked && model.active < 0) box.scrollTop = n * ROW;
    paintRows();
  }

  function paintRows() {
    const box = $('events');
    const n = viewLen();
    const first = Math.max(0, Math.floor(box.scrollTop / ROW) - 2);
    const count = Math.min(n - first, Math.ceil(box.clientHeight / ROW) + 5);
    while (pool.length < count) {
      const d = el('div', { class: 'ev', role: 'option', 'aria-selected': 'false' });
      d.appendChild(el('span', { class: 'k' }));
      d.appendChild(el('span', { class: 't' }));
      d.addEventListener('click', () => { const k = Number(d.dataset.k); setActive(k); activate(k); });
      box.appendChild(d);
      pool.push(d);
    }
    for (let j = 0; j < pool.length; j++) {
      const d = pool[j];
      if (j >= count) { d.hidden = true; d.removeAttribute('id'); continue; }
      const k = first + j;
      const e = viewAt(k);
      d.hidden = false;
      d.dataset.k = String(k);
      d.id = 'ev-' + k;
      d.style.top = k * ROW + 'px';
      d.className = 'ev' + (k === model.active ? ' active' : '') + (/fail|error/.test(e.kind) || e.detail.startsWith('failed') ? ' bad' : '') + (e.kind === 'reuse' || e.kind === '_gap' ? ' warn' : '');
      d.setAttribute('aria-selected', String(k === model.active));
      d.style.setProperty('--app', e.client_id ? clientInfo(e.client_id).color : 'transparent');
      d.firstChild.textContent = kindLabel(e);
      d.lastChild.textContent = clock(e.t) + '  ' + safe([e.client_id && clientLabel(e.client_id), e.user && 'user ' + e.user, e.sid && 'sid ' + e.sid, e.token_type, e.detail].filter(Boolean).join(' · '), 240);
    }
    const box2 = $('events');
    if (model.active >= 0 && $('ev-' + model.active)) box2.setAttribute('aria-activedescendant', 'ev-' + model.active);
    else box2.removeAttribute('aria-activedescendant');
  }
  function kindLabel(e) {
    if (e.kind === 'silent') return e.detail.startsWith('failed') ? '✗ silent' : '✓ silent';
    if (e.kind === '_gap') return '⚡ stream gap';
    return safe(e.kind, 20);
  }

  function setActive(k) {
    const n = viewLen();
    if (!n) return;
    k = Math.max(0, Math.min(n - 1, k));
    model.active = k;
    const box = $('events');
    if (k * ROW < box.scrollTop) box.scrollTop = k * ROW;
    else if ((k + 1) * ROW > box.scrollTop + box.clientHeight) box.scrollTop = (k + 1) * ROW - box.clientHeight;
    paintRows();
  }
  function activate(k) {
    const e = viewAt(k);
    if (!e) return;
    if (e.token) openToken(e);
    else if (model.sessions.has(e.sid || '')) selectSession(e.sid || '');
  }

  // --- the token dialog ---------------------------------------------------------
  async function openToken(e) {
    const dlg = $('token-dialog');
    $('token-h').textContent = safe((e.token_type || 'token') + ' for ' + (e.client_id ? clientLabel(e.client_id) : '?') + ' · ' + clock(e.t), 200);
    $('token-raw').textContent = safe(e.token, 20000);
    setVerdict('', 'decoding…');
    $('token-checks').replaceChildren();
    $('token-header').tBodies[0].replaceChildren();
    $('token-claims').tBodies[0].replaceChildren();
    if (!dlg.open) dlg.showModal();
    let d;
    try {
      const r = await fetch('dashboard/decode', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: e.token }) });
      d = await r.json();
      if (!r.ok) throw new Error(d.error_description || ('HTTP ' + r.status));
    } catch (err) {
      setVerdict('bad', 'could not decode: ' + safe(err.message));
      return;
    }
    fillMembers($('token-header'), d.header || []);
    fillMembers($('token-claims'), d.claims || []);
    if (d.error && !d.header) {
      setVerdict('warn', e.token_type === 'refresh_token' ? 'opaque refresh token: not a JWT, only the provider can read it (' + safe(d.error) + ')' : '✗ ' + safe(d.error));
      return;
    }
    if (d.redacted) { setVerdict('warn', '? signature not verified: the stream redacted this token (decoded, unverified)'); return; }
    const v = d.verify;
    if (!v) { setVerdict('bad', '✗ ' + safe(d.error)); return; }
    setVerdict(v.valid ? 'ok' : 'bad', v.valid ? '✓ valid: signed by this provider (' + safe(v.alg + ' kid ' + (v.kid || '?')) + '), issuer and times check out' : '✗ invalid: ' + safe(v.reason));
    const ul = $('token-checks');
    for (const c of v.checks || []) ul.appendChild(el('li', { class: c.ok ? 'ok' : 'bad' }, (c.ok ? '✓ ' : '✗ ') + safe(c.name + ': ' + c.detail, 600)));
  }
  function setVerdict(cls, text) { const p = $('token-verdict'); p.className = 'verdict ' + cls; p.textContent = text; }
  function fillMembers(table, ms) {
    const frag = document.createDocumentFragment();
    for (const m of ms) {
      const tr = el('tr');
      tr.appendChild(el('th', { scope: 'row' }, safe(m.name, 200)));
      const td = el('td', null, safe(m.value, CLAIM_CHARS));
      if (m.when) td.appendChild(el('span', { class: 'when' }, m.when));
      tr.appendChild(td);
      tr.appendChild(el('td', null, m.explain || ''));
      frag.appendChild(tr);
    }
    table.tBodies[0].replaceChildren(frag);
  }

  // --- clients, users, faults ---------------------------------------------------
  function renderClients() {
    const st = model.state;
    const frag = document.createDocumentFragment();
    if (st.zero_config) frag.appendChild(el('tr')).appendChild(el('td', { colspan: '5' }, 'zero-config: any client_id is accepted as a public client with loopback redirect URIs'));
    for (const c of st.clients) {
      const tr = el('tr');
      const id = el('td');
      const s = el('span', { class: 'app' }, safe(c.client_id, 80));
      s.style.setProperty('--app', clientInfo(c.client_id).color);
      id.appendChild(s);
      tr.appendChild(id);
      tr.appendChild(el('td', null, safe(c.app || '—') + ' (' + clientInfo(c.client_id).colorName + ')'));
      tr.appendChild(el('td', null, c.public ? 'public (PKCE)' : 'confidential'));
      tr.appendChild(el('td', null, safe((c.redirect_uris || []).join(' '), 600)));
      tr.appendChild(el('td', null, safe([c.frontchannel_logout_uri && 'front: ' + c.frontchannel_logout_uri, c.backchannel_logout_uri && 'back: ' + c.backchannel_logout_uri].filter(Boolean).join(' · ') || '—', 600)));
      frag.appendChild(tr);
    }
    $('clients').tBodies[0].replaceChildren(frag);
  }
  function renderUsers() {
    const frag = document.createDocumentFragment();
    for (const u of model.state.users) {
      const tr = el('tr');
      tr.appendChild(el('td', null, safe(u.username, 80)));
      tr.appendChild(el('td', null, u.password ? 'set' : 'any password'));
      tr.appendChild(el('td', null, safe(u.claims.join(', '), 600)));
      frag.appendChild(tr);
    }
    $('users').tBodies[0].replaceChildren(frag);
  }
  let faultOptionsDone = false;
  function renderFaults() {
    const st = model.state;
    if (!faultOptionsDone) {
      faultOptionsDone = true;
      for (const e of st.fault_endpoints) $('fault-endpoint').appendChild(el('option', { value: e }, e === '*' ? '* (any)' : e));
      $('fault-endpoint').value = 'authorize';
      for (const e of st.fault_errors) $('fault-error').appendChild(el('option', { value: e }, e));
    }
    const ul = $('faults');
    const frag = document.createDocumentFragment();
    for (const f of st.faults) {
      const parts = ['#' + f.id, 'endpoint ' + f.endpoint, f.client_id ? 'client ' + f.client_id : 'any client', f.error ? 'error ' + f.error : '', f.latency ? 'latency ' + f.latency / 1e6 + 'ms' : '', f.remaining ? f.remaining + ' left' : (f.count ? 'used up' : 'until cleared'), 'fired ' + f.fired + '×', f.from_config ? 'from ssokit.yaml' : ''];
      frag.appendChild(el('li', null, safe(parts.filter(Boolean).join(' · '), 400)));
    }
    if (!st.faults.length) frag.appendChild(el('li', null, 'No faults installed.'));
    ul.replaceChildren(frag);
  }

  // --- actions: the admin API's forgery-proof calls (a JSON content type) ----------
  async function admin(method, path, body, done) {
    const notice = $('notice');
    try {
      const r = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-Ssokit-Admin': '1' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      let d = {};
      try { d = text ? JSON.parse(text) : {}; } catch (err) { d = {}; }
      if (!r.ok) throw new Error(d.error_description || d.error || ('HTTP ' + r.status));
      notice.textContent = safe(done(d), 400);
    } catch (err) {
      notice.textContent = safe('✗ ' + err.message, 400);
    }
    loadState();
  }

  function wire() {
    $('rotate-keys').addEventListener('click', () => admin('POST', 'rotate-keys', {}, (d) => '✓ keys rotated: active kid ' + d.kid));
    $('end-all').addEventListener('click', () => admin('POST', 'end-sessions', {}, (d) => '✓ signed out everywhere: ' + d.ended + ' session(s) ended'));
    $('fault-add').addEventListener('click', () => {
      const f = { endpoint: $('fault-endpoint').value, error: $('fault-error').value };
      if ($('fault-client').value.trim()) f.client_id = $('fault-client').value.trim();
      const n = parseInt($('fault-count').value, 10);
      if (n > 0) f.count = n;
      admin('POST', 'faults', f, (d) => '✓ fault #' + d.id + ' installed: ' + d.endpoint + ' answers ' + d.error);
    });
    $('fault-clear').addEventListener('click', () => admin('DELETE', 'faults', undefined, () => '✓ faults cleared'));
    const tb = $('sessions').tBodies[0];
    tb.addEventListener('click', (ev) => {
      const b = ev.target.closest('button.end-session');
      if (b) { admin('POST', 'dashboard/end-session', { sid: b.dataset.sid }, () => '✓ session ' + b.dataset.sid + ' ended'); return; }
      const tr = ev.target.closest('tr[data-sid]');
      if (tr) selectSession(tr.dataset.sid);
    });
    tb.addEventListener('keydown', (ev) => {
      const tr = ev.target.closest('tr[data-sid]');
      if (!tr || ev.target !== tr) return;
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); selectSession(tr.dataset.sid); }
      else if (ev.key === 'ArrowDown' && tr.nextElementSibling) { ev.preventDefault(); tr.nextElementSibling.focus(); }
      else if (ev.key === 'ArrowUp' && tr.previousElementSibling) { ev.preventDefault(); tr.previousElementSibling.focus(); }
    });
    const box = $('events');
    box.addEventListener('scroll', () => paintRows(), { passive: true });
    box.addEventListener('keydown', (ev) => {
      const page = Math.max(1, Math.floor(box.clientHeight / ROW) - 1);
      const k = model.active < 0 ? viewLen() - 1 : model.active;
      const moves = { ArrowDown: k + 1, ArrowUp: k - 1, PageDown: k + page, PageUp: k - page, Home: 0, End: viewLen() - 1 };
      if (ev.key in moves) { ev.preventDefault(); setActive(moves[ev.key]); }
      else if (ev.key === 'Enter' && model.active >= 0) { ev.preventDefault(); activate(model.active); }
      else if (ev.key === 'Escape') { model.active = -1; paintRows(); }
    });
    $('filter').addEventListener('input', () => {
      model.filter = $('filter').value.trim();
      model.view = model.filter ? computeView() : null;
      model.active = -1;
      renderEvents();
    });
    $('follow').addEventListener('change', () => { if ($('follow').checked) { model.active = -1; renderEvents(); } });
    $('token-close').addEventListener('click', () => $('token-dialog').close());
    setInterval(loadState, 10000);
  }

  // for tests and the curious: the counts the page holds, read-only
  window.ssokitDashboard = Object.freeze({
    eventCount: () => model.events.length,
    sessionCount: () => model.sessions.size,
    selected: () => model.selected,
    // time spent drawing, and when the first and last events arrived (ms)
    stats: () => Object.assign({}, stats),
  });

  wire();
  loadState();
  connect();
})();
