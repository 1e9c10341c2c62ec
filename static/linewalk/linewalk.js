/* Linewalk live page: keeps one websocket per page through htmx's ws extension (which applies the
 * server's out-of-band HTML swaps), and adds what the protocol needs on the client side:
 * the last sequence number seen (sent as ?since= on every (re)connect), posts kept until the server
 * acknowledges them and resent after a reconnect, and the controls that send messages.
 * See docs/protocol.md. */
(function () {
  'use strict';

  // A page that came as the answer to a form (a participant's page, right after joining) shows its
  // own address, so a reload or a shared link asks for the page again instead of sending the form again.
  var canonical = document.querySelector('link[rel="canonical"]');
  if (canonical && canonical.href !== window.location.href.split('#')[0] && window.history.replaceState) {
    window.history.replaceState(window.history.state, '', canonical.href);
  }

  var root = document.getElementById('lw-socket');
  if (!root || !window.htmx) { return; }

  // Only the top-level elements of a frame are swaps; nothing nested inside them is.
  htmx.config.allowNestedOobSwaps = false;
  // A lost socket comes back after a random wait of up to 1, 2, 4, 8, then 10 s (the ws extension's own
  // "full-jitter" grows to 64 s: a screen would stay behind for a minute after a short outage).
  htmx.config.wsReconnectDelay = function (retries) {
    return Math.min(10000, 1000 * Math.pow(2, retries)) * Math.random();
  };

  var code = root.dataset.inquiry;
  var role = root.dataset.role;
  // null: the page came without the board (a participant's), so the socket asks for a snapshot.
  var pageSeq = document.getElementById('lw-seq').dataset.seq;
  var lastSeq = pageSeq ? parseInt(pageSeq, 10) || 0 : null;
  var socket = null;
  var connected = false;
  // A facilitator removed this participant: the server said so and closed the socket for good.
  var removed = false;
  var PENDING_KEY = 'linewalk:pending:' + code;
  var HEADER = /^<div id="lw-seq"[^>]*data-seq="(\d+)"([^>]*)>/;
  var DISMISSED_KEY = 'linewalk:dismissed:' + code;
  // Server clock minus this device's clock, so every screen's countdown ends at the same moment.
  var clockOffset = 0;
  var initialSeq = document.getElementById('lw-seq');
  if (initialSeq && initialSeq.dataset.nowUs) {
    clockOffset = Math.floor(Number(initialSeq.dataset.nowUs) / 1000) - Date.now();
  }

  // --- storage -----------------------------------------------------------------------------------
  function load(key, fallback) {
    try { return JSON.parse(window.localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  var pending = load(PENDING_KEY, []);
  // The participant's own cards, by card id: from the page, then from each acknowledgement (not kept in
  // storage: another person joining on this browser later must not inherit them).
  var own = new Set();
  var ownScript = document.getElementById('own-cards');
  if (ownScript) { JSON.parse(ownScript.textContent).forEach(function (pk) { own.add(String(pk)); }); }

  function newClientId() {
    // crypto.randomUUID needs a secure context; getRandomValues works on plain http on a LAN too.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // --- the socket ------------------------------------------------------------------------------------
  var current = null;  // the WebSocket htmx's extension reads from (see "frames that arrive together")
  htmx.createWebSocket = function (url) {
    applyWaiting(); // so ?since= says everything that came (a new socket after heartbeat.js gave up)
    var u = new URL(url, window.location.href);
    if (lastSeq !== null) { u.searchParams.set('since', String(lastSeq)); }
    var ws = new WebSocket(u.toString());
    current = ws;
    // For heartbeat.js, which may have to give up on a socket that went silent.
    root.dispatchEvent(new CustomEvent('lw:socket', { detail: ws }));
    return ws;
  };

  // --- frames that arrive together are applied together ------------------------------------------------
  // Every frame costs the page its swaps, each module's work after it and, when the page draws between
  // two frames, style, layout and paint of the whole board: on a board of 3,000-6,000 cards some 60 ms,
  // and a room posting 15 a second sends about as many frames. Applied one by one, a page that fell
  // behind stayed behind (its socket's backlog grew until the server's ping waited behind it for over
  // 30 s and the server dropped the socket; docs/benchmarks.md, "A big board under a stream of posts").
  // So the room's events wait for the page's next animation frame, and all that came meanwhile are
  // applied as one frame: the busier the page, the more each drawing takes in. Anything that is not an
  // event (an ack, an error, presence, a snapshot, a private or table frame) first applies what waits,
  // then itself, so the order stays the server's.
  var EVENT = /^<div id="lw-seq"[^>]*data-seq="(\d+)"[^>]*><\/div>/;
  var waiting = [];      // [{seq, header, body}] in order
  var waitingFor = null; // the scheduled application (animation frame and, for a hidden page, a timer)
  var applying = false;  // the merged frame is going through htmx's extension now

  document.addEventListener('htmx:wsBeforeMessage', function (e) {
    if (applying || e.target !== root) { return; }
    var message = e.detail.message;
    var match = typeof message === 'string' && lastSeq !== null ? EVENT.exec(message) : null;
    if (!match || match[0].indexOf('data-snapshot') >= 0) {
      applyWaiting();
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    var seq = parseInt(match[1], 10);
    if (seq <= (waiting.length ? waiting[waiting.length - 1].seq : lastSeq)) { return; } // already here
    waiting.push({ seq: seq, header: match[0], body: message.slice(match[0].length) });
    if (!waitingFor) {
      var frame = window.requestAnimationFrame(applyWaiting);
      var timer = window.setTimeout(applyWaiting, 200); // no animation frames while the page is hidden
      waitingFor = function () { window.cancelAnimationFrame(frame); window.clearTimeout(timer); };
    }
  }, true);
  // A socket that closes has said all it will: what it sent is applied before anyone reconnects.
  document.addEventListener('htmx:wsClose', function (e) { if (e.target === root) { applyWaiting(); } }, true);

  function applyWaiting() {
    if (waitingFor) { waitingFor(); waitingFor = null; }
    var frames = waiting.filter(function (f) { return f.seq > lastSeq; });
    waiting = [];
    if (!frames.length || !current) { return; }
    // One frame: the last one's header (its number and the server's clock), then every change in order.
    var merged = frames[frames.length - 1].header + frames.map(function (f) { return f.body; }).join('');
    applying = true;
    try {
      current.dispatchEvent(new MessageEvent('message', { data: merged }));
    } finally {
      applying = false;
    }
  }

  // Offline, only posts wait to be sent (below, and sender.js); anything else is not sent, and the status
  // line says so in the header's words (#lw-connection), until the connection is back (status.js).
  var NOT_SENT = { reaction: 'your reaction', dot: 'your dot', step: 'that' };
  function send(message) {
    if (!connected || !socket) {
      if (window.LinewalkStatus) { window.LinewalkStatus.notSent(NOT_SENT[message.type]); }
      return false;
    }
    if (window.LinewalkStatus) { window.LinewalkStatus.acted(); }
    socket.send(JSON.stringify(message));
    return true;
  }

  function setConnection(state, text) {
    var el = document.getElementById('lw-connection');
    if (el) { el.dataset.state = state; el.textContent = text; }
    document.body.dataset.connection = state;
  }

  // The status line (status.js says how long each line stays); ``about`` names what it is about.
  function status(text, kind, about) {
    if (window.LinewalkStatus) { window.LinewalkStatus.say(text, kind, about); }
  }

  // A page that came without the board (lastSeq null) says "Live" once its first frame has drawn it.
  var boardShown = lastSeq !== null;
  root.addEventListener('htmx:wsOpen', function (e) {
    socket = e.detail.socketWrapper;
    connected = true;
    if (boardShown) { setConnection('open', 'Live'); }
    resendPending();
  });

  // Why the phone's box is shut, by the round's phase (the round banner's data-phase), for someone glancing
  // at a phone beside a video call.
  var CLOSED_NOTES = {
    vote: 'Voting now: posting is paused until the facilitator opens it again.',
    closed: 'This round is closed: nothing more can be posted in it.',
    '': 'Posting is paused until the facilitator opens it again.'
  };

  // heartbeat.js: the socket is open but nothing comes back (a dropped network does not close it for a
  // long time), and then something does again.
  var OFFLINE = 'Offline - will send when back';
  root.addEventListener('lw:offline', function () {
    connected = false;
    setConnection('offline', OFFLINE);
  });
  root.addEventListener('lw:online', function () {
    if (!socket) { return; }
    connected = true;
    setConnection('open', 'Live');
    resendPending();
  });

  function resendPending() {
    if (!connected || !socket) { return; }
    pending.forEach(function (item) {
      socket.send(JSON.stringify({ type: 'card', op: 'add', client_id: item.client_id, text: item.text }));
    });
  }

  // A post refused for coming too fast stays in the queue; try the queue again a little later (a resend
  // of a post already stored costs nothing on the server). See docs/rate-limits.md.
  var RETRY_AFTER_LIMIT_MS = 10000;
  var retryTimer = null;
  function retryAfterLimit(message) {
    if (retryTimer || !pending.length || message.indexOf('data-code="rate_limited"') < 0) { return; }
    retryTimer = window.setTimeout(function () { retryTimer = null; resendPending(); }, RETRY_AFTER_LIMIT_MS);
  }

  // The server could not store a post yet (`unavailable`: its database did not answer). The socket stays
  // open, so nothing else would resend it: send every pending post again after 1, 2, 4, then every 8 s
  // (with a little randomness, so a room does not retry in step) until they are acknowledged. A resend is
  // harmless: the server stores each client id once. Not longer than 8 s: a process whose database is
  // away answers at once, so a longer wait would grow through a short outage and keep the posts back
  // for up to half a minute after the database is back.
  var retryDelay = 0, RESEND_MAX_MS = 8000;
  function retryLater() {
    if (retryTimer || !pending.length) { return; }
    retryDelay = Math.min(RESEND_MAX_MS, retryDelay ? retryDelay * 2 : 1000);
    retryTimer = window.setTimeout(function () { retryTimer = null; resendPending(); }, retryDelay * (0.5 + Math.random() / 2));
  }

  var tryAgainDelay = 0;
  root.addEventListener('htmx:wsClose', function (e) {
    connected = false;
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
    var code = e.detail.event && e.detail.event.code;
    var reason = document.querySelector('#lw-status [data-code]');
    if (code === 4403 && reason && reason.dataset.code === 'removed') {
      removedFromInquiry();
    } else if (code === 4403) {
      setConnection('closed', 'Not connected: join the inquiry again to take part.');
    } else if (code === 4013) {
      // The server could not reach its database to open this socket: it said so and closed with "try
      // again", an application code the ws extension does not reconnect on by itself. Come back after
      // 1, 2, 4 … 30 s, with some randomness so that a room does not come back in step.
      setConnection('reconnecting', 'The server is catching its breath: reconnecting… Your posts are kept and will be sent.');
      tryAgainDelay = Math.min(30000, tryAgainDelay ? tryAgainDelay * 2 : 1000);
      window.setTimeout(e.detail.socketWrapper.reconnect, tryAgainDelay * (0.5 + Math.random() / 2));
    } else if (role === 'participant') {
      setConnection('offline', OFFLINE);
    } else {
      setConnection('reconnecting', 'Connection lost: reconnecting… Your posts are kept and will be sent.');
    }
  });

  // The server's own words ("A facilitator has removed you from this inquiry.") stay in the status line
  // as the one message: no "join again" (joining again is refused), nothing left to post, edit or delete.
  function removedFromInquiry() {
    removed = true;
    if (window.LinewalkDrafts) { window.LinewalkDrafts.forget(); }
    setConnection('closed', '');
    var line = document.getElementById('lw-connection');
    if (line) { line.hidden = true; }
    refresh();
    if (window.LinewalkOwnPosts) { window.LinewalkOwnPosts.draw(); }
  }

  root.addEventListener('htmx:wsBeforeMessage', function (e) {
    var match = HEADER.exec(e.detail.message);
    if (match) { tryAgainDelay = 0; } // the socket opened all the way: the database answered
    if (match && match[2].indexOf('data-snapshot') < 0 && parseInt(match[1], 10) <= lastSeq) {
      e.preventDefault(); // already applied (a replay overlapping a live event)
      return;
    }
    rememberFocus();
    rememberOpenDetails();
    rememberPanelState();
  });

  root.addEventListener('htmx:wsAfterMessage', function (e) {
    var message = e.detail.message || '';
    var seqEl = document.getElementById('lw-seq');
    if (seqEl && HEADER.test(message)) {
      var seq = parseInt(seqEl.dataset.seq, 10) || 0;
      lastSeq = seqEl.dataset.snapshot || lastSeq === null ? seq : Math.max(lastSeq, seq);
      delete seqEl.dataset.snapshot;
      if (seqEl.dataset.now) { clockOffset = parseInt(seqEl.dataset.now, 10) - Date.now(); }
      if (!boardShown && connected) { boardShown = true; setConnection('open', 'Live'); }
    }
    var ack = document.getElementById('lw-ack');
    if (ack && ack.dataset.ack) { acknowledge(ack.dataset.ack, ack.dataset.card, ack.dataset.status); delete ack.dataset.ack; }
    var refusal = document.querySelector('#lw-status [data-client]');
    if (refusal) { refused(refusal.dataset.client, refusal.dataset.code); refusal.removeAttribute('data-client'); }
    retryAfterLimit(message);
    if (message.indexOf('data-code="unavailable"') >= 0) { retryLater(); }
    restoreOpenDetails();
    restorePanelState();
    noteMine(message);
    refresh();
    restoreFocus();
    if (message.indexOf('id="suggestions"') >= 0) { suggestionsArrived(); }
  });

  // The timer's minutes as the facilitator typed or started them: a re-drawn timer (it started, +1 min,
  // a phase) would put its box back to 3, and Restart would then give 3 minutes, not the ones chosen.
  // So do what else the side panel holds of the facilitator's making when a frame re-draws the whole live
  // region (a reveal, a round added, the close: #live): an announcement half typed (the box empties
  // itself when sent), "Close the round when time is up" ticked, and how far the panel was scrolled.
  var timerMinutes = null;
  var panelKept = null;
  function rememberPanelState() {
    var input = document.getElementById('timer-minutes');
    timerMinutes = input ? input.value : null;
    var announce = document.getElementById('announce-text');
    var closes = document.querySelector('form.timer-form [name=closes_round]');
    var panel = document.getElementById('ws-panel');
    panelKept = {
      announce: announce ? announce.value : '',
      closes: !!(closes && closes.checked),
      panel: panel, scroll: panel ? panel.scrollTop : 0
    };
  }
  function restorePanelState() {
    var input = document.getElementById('timer-minutes');
    if (input && timerMinutes && input.value !== timerMinutes) { input.value = timerMinutes; }
    var kept = panelKept;
    panelKept = null;
    if (!kept) { return; }
    var announce = document.getElementById('announce-text');
    if (announce && kept.announce && !announce.value) { announce.value = kept.announce; }
    var closes = document.querySelector('form.timer-form [name=closes_round]');
    if (closes && kept.closes && !closes.checked && !closes.disabled) { closes.checked = true; }
    var panel = document.getElementById('ws-panel');
    if (panel && panel !== kept.panel && kept.scroll && !panel.scrollTop) { panel.scrollTop = kept.scroll; }
  }

  // --- keeping focus where the person was when a swap replaces or removes it ----------------------------
  // A swap that re-draws the focused control (its card moved, its theme renamed) would drop focus to
  // <body>; put it back on the control with the same id. If that control is gone (its card or theme was
  // deleted or merged), go to the same kind of control on a neighbouring card or theme, else to the
  // page's main input, so a keyboard or screen-reader user is never left at the top of the page.
  var focusCandidates = [];

  // Controls that give way to another when pressed: Hide becomes Restore and the reverse.
  // Close the vote becomes Reopen the vote and the reverse. Next round, pressed on the last but one,
  // becomes Close the inquiry….
  var PARTNERS = [[/^card-(\d+)-hide$/, 'card-$1-restore'], [/^card-(\d+)-restore$/, 'card-$1-hide'],
    [/^vote-close$/, 'vote-reopen'], [/^vote-reopen$/, 'vote-close'], [/^round-next$/, 'inquiry-close-end']];

  function focusableIn(el) {
    if (!el) { return null; }
    var control = el.querySelector('button[id]:not([disabled])');
    return control ? control.id : null;
  }

  function firstControl(el) {
    return el && el.querySelector('button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), summary');
  }

  // A control without an id (the timer's submit button, a checkbox in a form) is found again by its
  // nearest ancestor with an id and its place among the same kind of controls inside it.
  function pathTo(el) {
    var anchor = el.parentElement && el.parentElement.closest('[id]');
    if (!anchor) { return null; }
    var selector = el.tagName.toLowerCase() + (el.name ? '[name="' + el.name + '"]' : '') + (el.type ? '[type="' + el.type + '"]' : '');
    var index = Array.prototype.indexOf.call(anchor.querySelectorAll(selector), el);
    return function () {
      var again = document.getElementById(anchor.id);
      return again ? again.querySelectorAll(selector)[index] : null;
    };
  }

  function byId(id) { return function () { return id ? document.getElementById(id) : null; }; }

  function rememberFocus() {
    var active = document.activeElement;
    focusCandidates = [];
    if (!active || active === document.body) { return; }
    if (active.id) {
      focusCandidates.push(byId(active.id));
      PARTNERS.forEach(function (pair) {
        if (pair[0].test(active.id)) { focusCandidates.push(byId(active.id.replace(pair[0], pair[1]))); }
      });
      // A card's control that goes while the card stays ("Remove participant" once they are removed):
      // the control before it on that card.
      if (active.closest('.card-tools')) {
        var before = active.previousElementSibling;
        while (before && !(before.id && before.tagName === 'BUTTON')) { before = before.previousElementSibling; }
        if (before) { focusCandidates.push(byId(before.id)); }
      }
    } else {
      focusCandidates.push(pathTo(active));
    }
    var item = root.contains(active) && active.closest('.card, .theme');
    if (item) {
      focusCandidates.push(byId(focusableIn(item.nextElementSibling)), byId(focusableIn(item.previousElementSibling)));
      if (item.classList.contains('card')) { focusCandidates.push(byId(focusableIn(item.closest('.theme')))); }
    }
    // Else the first control left in the nearest part of the page that is still there (Stop gone: the
    // timer's minutes; Clear gone: the announcement's text box).
    for (var el = active.parentElement; el && el !== document.body; el = el.parentElement) {
      if (el.id) { focusCandidates.push((function (id) { return function () { return firstControl(document.getElementById(id)); }; })(el.id)); }
    }
  }

  function fallbackControl() {
    return document.getElementById('theme-add-name') || document.getElementById('compose-text') || document.getElementById('main');
  }

  function visible(el) { return !!(el && el.getClientRects().length); }

  function restoreFocus() {
    var candidates = focusCandidates.filter(Boolean);
    focusCandidates = [];
    if (!candidates.length || (document.activeElement && document.activeElement !== document.body)) { return; }
    for (var i = 0; i < candidates.length; i++) {
      var el = candidates[i]();
      if (el && window.LinewalkGrid) { window.LinewalkGrid.reveal(el); }  // a card's own buttons (grid-keys.js)
      if (el && !el.disabled && visible(el)) { el.focus(); }
      if (el && document.activeElement === el) { return; }
    }
    var fallback = fallbackControl();
    if (fallback && !fallback.disabled) { fallback.focus(); }
  }

  // A swap re-draws <details> closed; keep open the ones the person had open (the agenda, settings).
  // Which are open is followed as they open and close ('toggle'), not looked for in the whole page before
  // every frame (a query over every element of a 1,000-card board).
  // The 'toggle' event comes in a task of its own after the details opened: a frame handled between the
  // click and that task would close what the person has just opened. So a click on a summary notes its
  // details at once too, and what is open is read from the details themselves when a frame comes.
  var openDetails = [];
  var openIds = new Set();
  document.querySelectorAll('details[id][open]').forEach(function (d) { openIds.add(d.id); });
  document.addEventListener('toggle', function (e) {
    var d = e.target;
    if (d.tagName !== 'DETAILS' || !d.id || !d.isConnected) { return; }
    if (d.open) { openIds.add(d.id); } else { openIds.delete(d.id); }
  }, true);
  document.addEventListener('click', function (e) {
    var summary = e.target.closest && e.target.closest('summary');
    var d = summary && summary.parentElement;
    if (d && d.tagName === 'DETAILS' && d.id) { openIds.add(d.id); }
  }, true);
  function rememberOpenDetails() {
    openDetails = Array.from(openIds).filter(function (id) { var d = document.getElementById(id); return d && d.open; });
  }
  function restoreOpenDetails() {
    openDetails.forEach(function (id) { var d = document.getElementById(id); if (d) { d.open = true; } });
    openDetails = [];
  }

  // --- posting (participants) -------------------------------------------------------------------------
  // What the composer says once the server has a post, by what the room sees of it (the ack's status).
  var STORED = {
    visible: 'Posted.',
    silent: 'Posted: only you and the facilitators see it until the reveal.',
    pending: 'Sent for approval: a facilitator approves each post before the room sees it.',
    held: 'Held back for review: it may contain personal details (see Your posts). The room sees it only if a facilitator approves it.'
  };
  var POSTED_FOR_MS = 4000;
  var postedTimer = null;

  // A passing confirmation: gone after a moment, or as soon as the person types again.
  function sayPosted(text) {
    status(text, 'info');
    var line = document.querySelector('#lw-status p');
    if (postedTimer) { window.clearTimeout(postedTimer); }
    postedTimer = window.setTimeout(function () { clearPosted(line); }, POSTED_FOR_MS);
  }
  function clearPosted(line) {
    postedTimer = null;
    var el = document.getElementById('lw-status');
    if (el && (!line || el.contains(line))) { el.innerHTML = ''; }
  }

  function acknowledge(cid, card, state) {
    var mine = pending.some(function (item) { return item.client_id === cid; });
    if (card) { own.add(String(card)); }
    pending = pending.filter(function (item) { return item.client_id !== cid; });
    save(PENDING_KEY, pending);
    renderPending();
    if (retryDelay) {
      // Sent again while the server could not save them: the last one's ack says so for all, and
      // unsaved.js says it beside anything not saved meanwhile (neither line takes the other's place).
      if (pending.length) { return; }
      retryDelay = 0;
      if (window.LinewalkUnsaved) {
        window.LinewalkUnsaved.saved('everything you posted is on the board');
      } else {
        status('Saved: everything you posted is on the board.', 'info');
      }
    } else if (mine && (state === 'held' || state === 'pending')) {
      if (postedTimer) { window.clearTimeout(postedTimer); postedTimer = null; }
      status(STORED[state], state === 'held' ? 'warn' : 'info');
    } else if (mine && role === 'participant') {
      sayPosted(STORED[state] || STORED.visible);
    }
  }

  // The server answered a post with a refusal that names it. One it will never store (empty, too long, the
  // round closed, the room paused...) leaves the queue, or it would be sent again on every reconnect and
  // refused again; its text goes back in the box, so nothing written is lost. The error stays on show.
  // What may pass later (the database was down, too fast) stays queued and is sent again.
  var TRY_AGAIN = { unavailable: true, rate_limited: true, server_error: true };
  function refused(cid, code) {
    if (TRY_AGAIN[code]) { return; }
    var item = pending.find(function (p) { return p.client_id === cid; });
    if (!item) { return; }
    pending = pending.filter(function (p) { return p !== item; });
    save(PENDING_KEY, pending);
    renderPending();
    var box = document.getElementById('compose-text');
    if (box && !isBlank(item.text)) {
      box.value = box.value && box.value !== item.text ? item.text + '\n' + box.value : item.text;
      updateCount(box);
    }
  }

  // What the server strips and counts as nothing (board/text.py): white space, format characters
  // (zero-width space, joiners, direction marks), controls, letters drawn as blanks; combining marks
  // with nothing to combine with.
  var INVISIBLE = '\\s\\p{Cf}\\p{Cc}\\p{Zs}\\p{Zl}\\p{Zp}\\u115f\\u1160\\u3164\\uffa0\\u2800\\u034f';
  var EDGES = new RegExp('^[' + INVISIBLE + ']+|[' + INVISIBLE + ']+$', 'gu');
  var BLANK = new RegExp('^[' + INVISIBLE + '\\p{Mn}\\p{Me}]*$', 'u');
  function stripInvisible(text) { return text.replace(EDGES, ''); }
  function isBlank(text) { return BLANK.test(text); }

  function renderPending() {
    var list = document.getElementById('pending');
    if (!list) { return; }
    list.innerHTML = '';
    pending.forEach(function (item) {
      var li = document.createElement('li');
      li.textContent = 'Sending: ' + item.text;
      list.appendChild(li);
    });
  }

  function post(form) {
    var box = form.querySelector('textarea');
    var text = stripInvisible(box.value);
    if (isBlank(text)) { status('Your contribution is empty: write something first.', 'error'); box.focus(); return; }
    var length = Array.from(text).length; // as the server counts: characters, not UTF-16 units
    if (length > 280) { status('That is ' + length + ' characters; the limit is 280.', 'error'); return; }
    var item = { client_id: newClientId(), text: text };
    pending.push(item);
    save(PENDING_KEY, pending);
    renderPending();
    box.value = '';
    updateCount(box);
    if (window.LinewalkStatus) { window.LinewalkStatus.acted(); }
    if (connected && socket) {
      socket.send(JSON.stringify({ type: 'card', op: 'add', client_id: item.client_id, text: item.text }));
      status('Sending…', 'info');
    } else {
      status('Offline: your post is kept and will be sent when the connection is back.', 'info', 'connection');
    }
    box.focus();
  }

  var lastAnnounced = null;
  function updateCount(box) {
    var out = document.getElementById('compose-count');
    if (!out) { return; }
    var limit = parseInt(out.dataset.limit, 10);
    var left = limit - box.value.length;
    out.textContent = left >= 0 ? left + ' characters left' : (-left) + ' characters over the limit';
    out.classList.toggle('warn', left < 20);
    // Announce only at a few thresholds, not at every key press.
    var band = left < 0 ? 'over' : left <= 20 ? '20' : left <= 50 ? '50' : 'ok';
    out.setAttribute('aria-live', band !== lastAnnounced && band !== 'ok' ? 'polite' : 'off');
    lastAnnounced = band;
  }

  // --- what the page shows -------------------------------------------------------------------------------
  var lastMarks = null;
  function refresh() {
    // The presenter view shows the sector lens open (it is screen-shared; nobody clicks it there).
    var lensPanel = document.getElementById('lens');
    if (lensPanel && document.body.classList.contains('page-presenter')) { lensPanel.open = true; }
    var banner = document.getElementById('round-banner');
    followTheRoomInSuggest(banner);
    var closed = banner ? (banner.dataset.closedRounds || '').split(' ').filter(Boolean) : [];
    // After the event the whole page is read-only: phone.css takes away what can no longer be done.
    var ended = !!(banner && banner.dataset.inquiryClosed === '1');
    if (document.body.classList.contains('inquiry-closed') !== ended) { document.body.classList.toggle('inquiry-closed', ended); }
    // After a frame that drew a few cards (a move, a new post), only those need looking at, unless what
    // marks every card changed (the closed rounds, the person's own cards): static/linewalk/swap.js.
    var marks = closed.join(' ') + '|' + Array.from(own).join(' ') + (removed ? '|removed' : '') + (ended ? '|ended' : '');
    var touched = window.LinewalkFrame && marks === lastMarks ? window.LinewalkFrame.cards() : null;
    lastMarks = marks;
    if (window.LinewalkCards) {
      window.LinewalkCards.expand(touched || root, { react: function (li) { return role === 'participant' && !ended && !own.has(li.id.slice(5)); } });
    }
    // The phone's board (phone_board.js) before focus is put back: its column toggles are re-drawn.
    if (window.LinewalkPhoneBoard) { window.LinewalkPhoneBoard.apply(); }
    var cards = touched || Array.prototype.slice.call(document.querySelectorAll('#live .card'));
    cards.forEach(function (card) {
      var mine = own.has(card.dataset.card);
      if (card.classList.contains('mine') !== mine) { card.classList.toggle('mine', mine); }
      var open = mine && !removed && closed.indexOf(card.dataset.round) < 0;
      if (card.classList.contains('open-round') !== open) { card.classList.toggle('open-round', open); }
      // Nobody resonates with their own card (the server refuses it too): a card acknowledged as one's
      // own after it was drawn loses the button; so does every card once the inquiry has closed.
      var react = (mine || ended) && card.querySelector(':scope > .react');
      if (react) { react.remove(); }
    });
    var form = document.getElementById('compose-form');
    if (form && banner) {
      var isOpen = banner.dataset.open === '1';
      form.querySelector('textarea').disabled = !isOpen || removed;
      form.querySelector('button[type=submit]').disabled = !isOpen || removed;
      var wait = document.getElementById('compose-wait');
      if (wait && !wait.hidden) { wait.hidden = true; }
      var state = document.getElementById('room-state');
      var paused = !!(state && state.dataset.paused === '1');
      form.classList.toggle('closed', !isOpen && !removed && !paused); // its note says why, in the room's words
      var note = form.querySelector('.closed-note');
      var why = CLOSED_NOTES[banner.dataset.phase] || CLOSED_NOTES[''];
      if (note && note.textContent !== why) { note.textContent = why; }
      // A paused room says so once, in the room's own notice (#room-state): the box steps aside silently.
      form.classList.toggle('paused', paused && !removed);
    }
    applyFilter(touched);
    applyMine();
    applyAnnouncement();
    if (role === 'presenter') {
      // The shared screen shows counts, not buttons nobody there can press.
      document.querySelectorAll('#live .react, #live [data-action=dismiss-announcement]').forEach(function (b) { b.tabIndex = -1; });
    }
    tick();
  }

  // --- which round the board shows ----------------------------------------------------------------------
  // Cards stay in the DOM (swaps address them by id); those of other rounds get a class that hides them
  // (a class, not a <style> rule: the Content-Security-Policy allows no inline styles).
  // ``cards``: only these changed (the round shown did not), else every card on the board.
  var filteredRound = null;
  function applyFilter(cards) {
    var state = document.getElementById('room-state');
    var select = document.getElementById('view-round');
    var round = select ? select.value : (state && state.dataset.follow === '1' ? state.dataset.viewRound : '');
    round = parseInt(round, 10) || '';
    if (!cards || round !== filteredRound) { cards = document.querySelectorAll('#board .card[data-round]'); }
    filteredRound = round;
    Array.prototype.forEach.call(cards, function (card) {
      if (!card.dataset.round || !card.closest('#board')) { return; }
      var other = !!round && card.dataset.round !== String(round);
      if (card.classList.contains('other-round') !== other) { card.classList.toggle('other-round', other); }
    });
    if (document.body.dataset.viewRound !== String(round)) { document.body.dataset.viewRound = round; }
  }

  // --- the participant's own dots and reactions (a private part of each frame) ---------------------------
  function parseJSON(text, fallback) {
    try { return JSON.parse(text) || fallback; } catch (e) { return fallback; }
  }

  function setDisabled(button, disabled) {
    if (button.disabled === disabled) { return; }
    if (disabled && document.activeElement === button) {
      // Never leave focus on a control that is about to switch off: go to its neighbour in the group.
      var other = Array.prototype.filter.call(button.parentElement.querySelectorAll('button'), function (b) {
        return b !== button && !b.disabled;
      })[0];
      button.disabled = true;
      if (other) { other.focus(); }
      return;
    }
    button.disabled = disabled;
  }

  // #lw-mine comes with the page, a snapshot, a replay and after each of the participant's own dots or
  // reactions; opening or closing a vote does not resend it. So remember which vote it was drawn for, and
  // for any other vote count from nothing: no dots yet, the whole budget left while it is open.
  var mineVote = null;
  function noteMine(message) {
    if (message === null || message.indexOf('id="lw-mine"') >= 0) {
      var bar = document.getElementById('vote-bar');
      mineVote = bar ? bar.dataset.vote || '' : '';
    }
  }

  function applyMine() {
    var el = document.getElementById('lw-mine');
    if (!el) { return; }
    var bar = document.getElementById('vote-bar');
    var fresh = !bar || mineVote === null || mineVote === (bar.dataset.vote || '');
    var dots = fresh ? parseJSON(el.dataset.dots, {}) : {};
    var reactions = parseJSON(el.dataset.reactions, []).map(String);
    var left = fresh ? parseInt(el.dataset.left, 10) || 0
      : (bar.dataset.voteOpen === '1' ? parseInt(bar.dataset.budget, 10) || 0 : 0);
    document.querySelectorAll('#live .my-dots[data-item]').forEach(function (span) {
      var n = dots[span.dataset.item] || 0;
      span.textContent = 'Your dots: ' + n;
      span.closest('.dot-controls').classList.toggle('has-dots', n > 0);
      var add = span.parentElement.querySelector('[data-action=dot-add]');
      var remove = span.parentElement.querySelector('[data-action=dot-remove]');
      // Removing comes first so that the add button can hand focus over to it.
      if (remove && n > 0) { setDisabled(remove, false); }
      if (add) { setDisabled(add, left <= 0); }
      if (remove && n === 0) { setDisabled(remove, true); }
    });
    document.querySelectorAll('#live .card .react').forEach(function (button) {
      var on = reactions.indexOf(String(cardIdOf(button))) >= 0;
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    var dotsLeft = document.getElementById('dots-left');
    if (dotsLeft) {
      var text = left > 0 ? 'You have ' + left + ' dot' + (left === 1 ? '' : 's') + ' left.' : 'You have used all your dots.';
      if (dotsLeft.textContent !== text) { dotsLeft.textContent = text; }
      dotsLeft.dataset.left = String(left);
    }
  }

  // --- announcements: a participant may dismiss one; a new text shows again ----------------------------
  function applyAnnouncement() {
    var el = document.getElementById('announcement');
    if (!el || role === 'facilitator' || !document.getElementById('announcement-text')) { return; }
    if (load(DISMISSED_KEY, null) === el.dataset.textId) { el.hidden = true; }
  }

  // --- the countdown ---------------------------------------------------------------------------------------
  // "Time is up" once it ran out is the server's (board.html, partial timer: inquiry.time_up), on every
  // screen and on one that connects later, until the room moves on; the clock before it is drawn here.
  var timerState = { endsAt: null, said: '' };

  function clockText(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), sec = seconds % 60;
    return (h ? h + ':' + (m < 10 ? '0' : '') : '') + m + ':' + (sec < 10 ? '0' : '') + sec;
  }

  // The clock itself is silent for screen readers (aria-live off); this region speaks twice per timer.
  function sayTimer(text) {
    var out = document.getElementById('timer-announce');
    if (out && out.textContent !== text) { out.textContent = text; }
  }

  function tick() {
    var timer = document.getElementById('timer');
    var clock = timer && timer.querySelector('.timer-clock');
    var endsAt = timer ? parseInt(timer.dataset.endsAt, 10) : NaN;
    var now = Date.now() + clockOffset;
    if (!clock || !endsAt) {
      // It ran out (a stop comes earlier than that): say so once, if the clock had not already.
      if (timerState.endsAt && now >= timerState.endsAt - 2000 && timerState.said !== 'up') { sayTimer('Time is up.'); }
      timerState.endsAt = null;
      timerState.said = '';
      if (timer) { timer.classList.remove('is-running', 'is-ending', 'is-up'); }
      return;
    }
    var left = Math.max(0, Math.ceil((endsAt - now) / 1000));
    var text = left > 0 ? clockText(left) : 'Time is up';
    if (clock.textContent !== text) { clock.textContent = text; }
    timer.classList.add('is-running');
    timer.classList.toggle('is-ending', left > 0 && left <= 60);
    timer.classList.toggle('is-up', left === 0);
    if (timerState.endsAt !== endsAt) {
      // A new or changed timer: say nothing about a threshold already behind it.
      timerState.endsAt = endsAt;
      timerState.said = left === 0 ? 'up' : left <= 60 ? 'minute' : '';
      sayTimer('');
      return;
    }
    if (left === 0 && timerState.said !== 'up') {
      timerState.said = 'up';
      sayTimer('Time is up.');
    } else if (left > 0 && left <= 60 && timerState.said === '') {
      timerState.said = 'minute';
      sayTimer('One minute left.');
    }
  }
  window.setInterval(tick, 250);

  function themeColumns() {
    return Array.prototype.slice.call(document.querySelectorAll('#themes > .theme'));
  }

  function themeName(section) {
    var h = section.querySelector('.theme-name');
    return h ? h.textContent.trim() : '';
  }

  function openDialog(id, opener) {
    var dialog = document.getElementById(id);
    dialog.dataset.opener = (opener && opener.id) || '';
    dialog.showModal();
    return dialog;
  }

  function closeDialog(dialog) {
    dialog.close();
    focusOpener(dialog);
  }

  function focusOpener(dialog) {
    // The opener may have been re-drawn (same id) or removed while the dialog was open.
    var opener = document.getElementById(dialog.dataset.opener || '');
    if (opener && window.LinewalkGrid) { window.LinewalkGrid.reveal(opener); }  // a card's Move (grid-keys.js)
    if (opener) { opener.focus(); }
    if (!opener || document.activeElement !== opener) {
      var fallback = fallbackControl();
      if (fallback) { fallback.focus(); }
    }
  }

  // Escape closes a dialog natively, returning focus to the element focused before it opened; when that
  // element has since been re-drawn or removed, focus would fall to <body>.
  document.querySelectorAll('dialog').forEach(function (dialog) {
    dialog.addEventListener('close', function () {
      if (!document.activeElement || document.activeElement === document.body) { focusOpener(dialog); }
    });
  });

  function cardOf(el) { return el.closest('.card, .own-post'); }
  function themeOf(el) { return el.closest('.theme'); }
  function idOf(theme) { return theme && theme.dataset.theme ? parseInt(theme.dataset.theme, 10) : null; }

  function moveCardBy(cardEl, delta) {
    var list = cardEl.parentElement;
    var theme = idOf(themeOf(cardEl));
    if (theme === null) { status('Cards not yet in a theme keep the order they came in.', 'info'); return; }
    var index = Array.prototype.indexOf.call(list.children, cardEl) + delta;
    if (index < 0 || index >= list.children.length) { return; }
    send({ type: 'card', op: 'move', card: parseInt(cardEl.dataset.card, 10), theme: theme, position: index });
  }

  function moveThemeBy(section, delta) {
    var columns = themeColumns();
    var index = columns.indexOf(section) + delta;
    if (index < 0 || index >= columns.length) { return; }
    send({ type: 'theme', op: 'move', theme: idOf(section), position: index });
  }

  var clicks = {
    'edit-card': function (el) {
      var card = cardOf(el);
      var dialog = openDialog('edit-dialog', el);
      dialog.querySelector('[name=card]').value = card.dataset.card;
      dialog.querySelector('textarea').value = card.querySelector('.card-text').textContent;
    },
    'delete-card': function (el) {
      var card = cardOf(el);
      if (window.confirm('Delete your contribution?')) {
        send({ type: 'card', op: 'delete', card: parseInt(card.dataset.card, 10) });
      }
    },
    'move-card': function (el) {
      var card = cardOf(el);
      var current = idOf(themeOf(card));
      var dialog = openDialog('move-dialog', el);
      dialog.querySelector('[name=card]').value = card.dataset.card;
      document.getElementById('move-card-text').textContent = card.querySelector('.card-text').textContent;
      var targets = document.getElementById('move-targets');
      targets.innerHTML = '';
      var options = [{ id: '', name: 'Not yet in a theme' }].concat(themeColumns().map(function (s) {
        return { id: s.dataset.theme, name: themeName(s) };
      }));
      options.forEach(function (option, i) {
        var label = document.createElement('label');
        label.className = 'choice';
        var input = document.createElement('input');
        input.type = 'radio'; input.name = 'theme'; input.value = option.id; input.id = 'move-target-' + i;
        input.checked = String(current || '') === String(option.id);
        label.appendChild(input);
        label.appendChild(document.createTextNode(' ' + option.name));
        targets.appendChild(label);
      });
      var checked = targets.querySelector('input:checked') || targets.querySelector('input');
      if (checked) { checked.focus(); }
    },
    'card-up': function (el) { var d = el.closest('dialog'); var c = document.getElementById('card-' + d.querySelector('[name=card]').value); closeDialog(d); if (c) { moveCardBy(c, -1); } },
    'card-down': function (el) { var d = el.closest('dialog'); var c = document.getElementById('card-' + d.querySelector('[name=card]').value); closeDialog(d); if (c) { moveCardBy(c, 1); } },
    'edit-theme': function (el) {
      var section = themeOf(el);
      var dialog = openDialog('theme-dialog', el);
      dialog.querySelector('[name=theme]').value = section.dataset.theme;
      dialog.querySelector('[name=name]').value = themeName(section);
      dialog.querySelectorAll('[name=colour]').forEach(function (r) { r.checked = r.value === section.dataset.colour; });
    },
    'theme-earlier': function (el) { moveThemeBy(themeOf(el), -1); },
    'theme-later': function (el) { moveThemeBy(themeOf(el), 1); },
    'merge-theme': function (el) {
      var section = themeOf(el);
      var others = themeColumns().filter(function (s) { return s !== section; });
      if (!others.length) { status('There is no other theme to merge into.', 'info'); return; }
      var dialog = openDialog('merge-dialog', el);
      dialog.querySelector('[name=theme]').value = section.dataset.theme;
      var select = dialog.querySelector('[name=into]');
      select.innerHTML = '';
      others.forEach(function (s) {
        var o = document.createElement('option'); o.value = s.dataset.theme; o.textContent = themeName(s); select.appendChild(o);
      });
      document.getElementById('merge-dialog-title').textContent = 'Merge “' + themeName(section) + '”';
    },
    'delete-theme': function (el) {
      var section = themeOf(el);
      if (window.confirm('Delete the theme “' + themeName(section) + '”? Its cards go back to “Not yet in a theme”.')) {
        send({ type: 'theme', op: 'delete', theme: idOf(section) });
      }
    },
    'round-activate': function (el) { send({ type: 'round', op: 'activate', round: roundOf(el) }); },
    'round-phase': function (el) {
      var round = currentRound();
      if (!round) { status('Open a round first.', 'error'); return; }
      // The Vote phase opens the round's vote: its settings are asked for first (vote-dialog.js), unless the
      // round is voting already (the server changes nothing then).
      var banner = document.getElementById('round-banner');
      if (el.dataset.phase === 'vote' && banner.dataset.phase !== 'vote' && window.LinewalkVoteDialog) {
        window.LinewalkVoteDialog.open(el);
        return;
      }
      send({ type: 'round', op: 'phase', round: round, phase: el.dataset.phase });
    },
    'round-edit': function (el) {
      var item = el.closest('li[data-round]');
      openRoundDialog(el, 'Edit round', item.dataset.round, item.dataset.question, item.dataset.guidance);
    },
    'round-add': function (el) { openRoundDialog(el, 'Add a round', '', '', ''); },
    'round-earlier': function (el) { moveRoundBy(el, -1); },
    'round-later': function (el) { moveRoundBy(el, 1); },
    'round-delete': function (el) {
      // The server refuses a round that holds cards, proposals or votes, and says so (never loses them).
      var item = el.closest('li[data-round]');
      if (window.confirm('Delete the round “' + item.dataset.question + '”? Only a round with nothing in it can be deleted.')) {
        send({ type: 'round', op: 'delete', round: roundOf(el) });
      }
    },
    'close-dialog': function (el) { closeDialog(el.closest('dialog')); },

    // Moderation: the card a control belongs to, on the board or in the review queue.
    'card-hide': function (el) { send({ type: 'card', op: 'hide', card: cardIdOf(el) }); },
    'card-restore': function (el) { send({ type: 'card', op: 'restore', card: cardIdOf(el) }); },
    'card-approve': function (el) { send({ type: 'card', op: 'approve', card: cardIdOf(el) }); },
    'card-reject': function (el) {
      if (window.confirm('Reject this contribution for good? It is deleted and its text erased from the board, the exports and the audit log. This cannot be undone.')) {
        send({ type: 'card', op: 'reject', card: cardIdOf(el) });
      }
    },
    'card-spotlight': function (el) { send({ type: 'spotlight', op: 'set', card: cardIdOf(el), theme: null }); },
    'theme-spotlight': function (el) { send({ type: 'spotlight', op: 'set', card: null, theme: idOf(themeOf(el)) }); },
    'spotlight-clear': function () { send({ type: 'spotlight', op: 'clear' }); },
    'remove-author': function (el) {
      var card = el.closest('.card[data-author]');
      var author = card && parseInt(card.dataset.author, 10);
      if (!author) { status('This card has no author to remove.', 'error'); return; }
      var who = card.querySelector('.author');
      var sector = card.dataset.sector ? ' (' + card.dataset.sector + ')' : '';
      if (window.confirm('Remove ' + (who ? who.textContent.trim() : 'the participant who wrote this' + sector) + ' from the inquiry? Their screen disconnects and they cannot post again.')) {
        send({ type: 'participant', op: 'remove', participant: author });
      }
    },

    // The room.
    'timer-add': function (el) { send({ type: 'timer', op: 'add', seconds: parseInt(el.dataset.seconds, 10) }); },
    'timer-stop': function () { send({ type: 'timer', op: 'stop' }); },
    'announce-clear': function () { send({ type: 'announce', op: 'clear' }); },
    'inquiry-reopen': function () { send({ type: 'inquiry', op: 'reopen' }); },
    'inquiry-close': function (el) {
      var bar = document.getElementById('vote-bar');
      document.getElementById('close-inquiry-vote').hidden = !(bar && bar.dataset.resultsHidden === '1');
      openDialog('close-inquiry-dialog', el).querySelector('[data-action=close-dialog]').focus();
    },
    // Closing with the vote's results shown: the reveal first, then the close (a socket's messages are
    // handled in the order sent).
    'inquiry-reveal-close': function (el) {
      if (send({ type: 'vote', op: 'reveal' })) { send({ type: 'inquiry', op: 'close' }); }
      closeDialog(el.closest('dialog'));
    },
    'dismiss-announcement': function (el) {
      var box = el.closest('#announcement');
      save(DISMISSED_KEY, box.dataset.textId);
      box.hidden = true;
      var fallback = fallbackControl();
      if (fallback && !fallback.disabled) { fallback.focus(); }
    },
    'room-pause': function () {
      var state = document.getElementById('room-state');
      send({ type: 'room', op: 'pause', paused: !(state && state.dataset.paused === '1') });
    },
    'room-join': function (el) { send({ type: 'room', op: 'join', corner: el.dataset.corner === '1' }); },

    // Voting and reactions (participants).
    'vote-close': function () { send({ type: 'vote', op: 'close' }); },
    'vote-reopen': function () { send({ type: 'vote', op: 'reopen' }); },
    'vote-present': function (el) { send({ type: 'vote', op: 'present', show: el.dataset.show }); },
    'vote-reveal': function () { send({ type: 'vote', op: 'reveal' }); },
    'dot-add': function (el) { send(dotMessage('add', el)); },
    'dot-remove': function (el) { send(dotMessage('remove', el)); },
    'react': function (el) { send({ type: 'reaction', op: 'toggle', card: cardIdOf(el) }); },

    // Suggested themes (facilitators).
    'suggest-ask': function () {
      var select = document.getElementById('suggest-round');
      askForSuggestions({ type: 'suggest', op: 'preview', round: select && select.value ? parseInt(select.value, 10) : null });
    },
    'suggest-again': function (el) {
      askForSuggestions({ type: 'suggest', op: 'preview', round: el.dataset.round ? parseInt(el.dataset.round, 10) : null,
        granularity: parseInt(el.dataset.granularity, 10) || 0 });
    },
    'suggest-cancel': function () { send({ type: 'suggest', op: 'cancel' }); }
  };

  var changes = {
    'room-view': function () {
      var select = document.getElementById('view-round');
      var follow = document.getElementById('view-follow');
      applyFilter(); // the facilitator's own board follows at once
      send({ type: 'room', op: 'view', round: select && select.value ? parseInt(select.value, 10) : null,
        follow: !!(follow && follow.checked) });
    },
    'room-settings': function () {
      send({ type: 'room', op: 'settings', premoderation: document.getElementById('setting-premoderation').checked,
        safeguarding: document.getElementById('setting-safeguarding').checked });
    }
  };

  function cardIdOf(el) { return parseInt(el.closest('.card[data-card]').dataset.card, 10); }
  function roundOf(el) { return parseInt(el.closest('[data-round]').dataset.round, 10); }
  function currentRound() {
    var banner = document.getElementById('round-banner');
    return banner && banner.dataset.round ? parseInt(banner.dataset.round, 10) : null;
  }

  function moveRoundBy(el, delta) {
    var item = el.closest('li[data-round]');
    var items = Array.prototype.slice.call(item.parentElement.querySelectorAll(':scope > li[data-round]'));
    var index = items.indexOf(item) + delta;
    if (index < 0 || index >= items.length) { return; }
    send({ type: 'round', op: 'move', round: parseInt(item.dataset.round, 10), position: index });
  }

  function openRoundDialog(opener, title, round, question, guidance) {
    var dialog = openDialog('round-dialog', opener);
    document.getElementById('round-dialog-title').textContent = title;
    dialog.querySelector('[name=round]').value = round || '';
    dialog.querySelector('[name=question]').value = question || '';
    dialog.querySelector('[name=guidance]').value = guidance || '';
    dialog.querySelector('[type=submit]').textContent = round ? 'Save' : 'Add the round';
  }

  function dotMessage(op, el) {
    var cardVotes = el.closest('.card-votes[data-card]');
    var themeVotes = el.closest('.theme-votes[data-theme]');
    return { type: 'dot', op: op, card: cardVotes ? parseInt(cardVotes.dataset.card, 10) : null,
      theme: !cardVotes && themeVotes ? parseInt(themeVotes.dataset.theme, 10) : null };
  }

  function checked(form, name) {
    var box = form.querySelector('[name="' + name + '"]');
    return !!(box && box.checked);
  }

  // --- suggested themes ------------------------------------------------------------------------------------
  var waitingForSuggestions = false;

  // The round Suggest asks about (#suggest-round, drawn with the page) follows the agenda (a round added,
  // moved) and the room: moved to another round, it asks about the new round's cards, as on a fresh page.
  var suggestFollows = null;
  function followTheRoomInSuggest(banner) {
    var select = document.getElementById('suggest-round');
    if (!select || !banner || !banner.dataset.round) { return; }
    var rounds = Array.prototype.map.call(document.querySelectorAll('#round-controls li[data-round]'), function (li) { return li.dataset.round; });
    var shown = Array.prototype.slice.call(select.options, 1).map(function (o) { return o.value; });
    if (rounds.length && rounds.join(' ') !== shown.join(' ')) {
      var chosen = select.value;
      while (select.options.length > 1) { select.remove(1); }
      rounds.forEach(function (pk, i) { select.add(new Option('round ' + (i + 1), pk)); });
      select.value = chosen;
      if (select.value !== chosen) { select.value = banner.dataset.round; }
    }
    if (suggestFollows && suggestFollows !== banner.dataset.round) { select.value = banner.dataset.round; }
    suggestFollows = banner.dataset.round;
  }

  function askForSuggestions(message) {
    if (send(message)) {
      waitingForSuggestions = true;
      status('Working out themes…', 'info', 'suggest');
    }
  }

  function suggestionsArrived() {
    var section = document.getElementById('suggestions');
    if (!section) { return; }
    if (!section.hidden) {
      if (waitingForSuggestions) { status('Suggested themes are ready: nothing changes until you accept.', 'info', 'suggest'); }
      section.focus();
    } else {
      // Accepted or closed: what the status said about them is done.
      if (window.LinewalkStatus) { window.LinewalkStatus.clear('suggest'); }
    }
    if (section.hidden && (!document.activeElement || document.activeElement === document.body || !document.body.contains(document.activeElement))) {
      var ask = document.getElementById('suggest-ask');
      if (ask) { ask.focus(); }
    }
    waitingForSuggestions = false;
  }

  function acceptSuggestions(form) {
    var themes = [];
    form.querySelectorAll('fieldset[data-suggested]').forEach(function (fieldset) {
      if (!checked(fieldset, 'take')) { return; }
      var cards = Array.prototype.map.call(fieldset.querySelectorAll('[name=card]:checked'), function (box) { return parseInt(box.value, 10); });
      if (!cards.length) { return; }
      themes.push({ name: fieldset.querySelector('[name=name]').value.trim(), cards: cards });
    });
    var placements = Array.prototype.map.call(form.querySelectorAll('[name=place]:checked'), function (box) {
      var parts = box.value.split(':');
      return { card: parseInt(parts[0], 10), theme: parseInt(parts[1], 10) };
    });
    var unnamed = themes.filter(function (t) { return !t.name; })[0];
    if (unnamed) { status('Give every theme you accept a name.', 'error'); return; }
    if (!themes.length && !placements.length) { status('Nothing is selected: tick a theme or a card first, or close without changes.', 'error'); return; }
    if (send({ type: 'suggest', op: 'accept', themes: themes, placements: placements })) {
      status('Adding ' + themes.length + ' theme' + (themes.length === 1 ? '' : 's') + ' to the board…', 'info', 'suggest');
    }
  }

  var submits = {
    'card.add': post,
    'card.edit': function (form) {
      var text = form.querySelector('[name=text]').value.trim();
      if (!text) { status('Write something first.', 'error'); return; }
      send({ type: 'card', op: 'edit', card: parseInt(form.querySelector('[name=card]').value, 10), text: text });
      closeDialog(form.closest('dialog'));
    },
    'card.move': function (form) {
      var chosen = form.querySelector('[name=theme]:checked');
      var message = { type: 'card', op: 'move', card: parseInt(form.querySelector('[name=card]').value, 10),
        theme: chosen && chosen.value ? parseInt(chosen.value, 10) : null };
      var position = form.querySelector('[name=position]').value;
      if (position !== '') { message.position = parseInt(position, 10); }
      send(message);
      closeDialog(form.closest('dialog'));
    },
    'theme.add': function (form) {
      var input = form.querySelector('[name=name]');
      var name = input.value.trim();
      if (!name) { status('Give the theme a name.', 'error'); input.focus(); return; }
      if (send({ type: 'theme', op: 'add', name: name })) { input.value = ''; }
      input.focus();
    },
    'theme.edit': function (form) {
      var theme = parseInt(form.querySelector('[name=theme]').value, 10);
      var section = document.getElementById('theme-' + theme);
      var name = form.querySelector('[name=name]').value.trim();
      var colour = form.querySelector('[name=colour]:checked');
      var recoloured = section && colour && colour.value !== section.dataset.colour;
      // A new name goes with the new colour in one message: a name refused (taken) changes neither.
      if (section && name && name !== themeName(section)) {
        var message = { type: 'theme', op: 'rename', theme: theme, name: name };
        if (recoloured) { message.colour = colour.value; }
        send(message);
      } else if (recoloured) {
        send({ type: 'theme', op: 'recolour', theme: theme, colour: colour.value });
      }
      closeDialog(form.closest('dialog'));
    },
    'theme.merge': function (form) {
      var into = parseInt(form.querySelector('[name=into]').value, 10);
      send({ type: 'theme', op: 'merge', theme: parseInt(form.querySelector('[name=theme]').value, 10), into: into });
      // The theme merged goes: focus goes to the one its cards go to (its header's first button), in view.
      var dialog = form.closest('dialog');
      if (document.getElementById('theme-' + into + '-collapse')) { dialog.dataset.opener = 'theme-' + into + '-collapse'; }
      closeDialog(dialog);
    },
    'round.save': function (form) {
      var round = form.querySelector('[name=round]').value;
      var question = form.querySelector('[name=question]').value.trim();
      if (!question) { status('Write the round’s question first.', 'error'); form.querySelector('[name=question]').focus(); return; }
      var message = { type: 'round', op: round ? 'edit' : 'add', question: question,
        guidance: form.querySelector('[name=guidance]').value.trim() };
      if (round) { message.round = parseInt(round, 10); }
      send(message);
      closeDialog(form.closest('dialog'));
    },
    'timer.start': function (form) {
      var input = form.querySelector('[name=minutes]');
      var seconds = window.LinewalkSender.secondsOf(input.value);  // sender.js: "2,5" is 2.5 too
      if (!(seconds >= 1 && seconds <= 4 * 60 * 60)) { status('Give the timer between half a minute and 240 minutes.', 'error'); input.focus(); return; }
      send({ type: 'timer', op: 'start', seconds: seconds, closes_round: checked(form, 'closes_round') });
    },
    'announce.set': function (form) {
      var input = form.querySelector('[name=text]');
      var text = input.value.trim();
      if (!text) { status('Write the announcement first.', 'error'); input.focus(); return; }
      if (send({ type: 'announce', op: 'set', text: text })) { input.value = ''; }
    },
    'inquiry.close': function (form) {
      send({ type: 'inquiry', op: 'close' });
      closeDialog(form.closest('dialog'));
    },
    'suggest.accept': acceptSuggestions
  };

  document.addEventListener('click', function (e) {
    var el = e.target.closest('[data-action]');
    if (el && clicks[el.dataset.action]) { e.preventDefault(); clicks[el.dataset.action](el); }
  });

  document.addEventListener('change', function (e) {
    var el = e.target.closest && e.target.closest('[data-action-change]');
    if (el && changes[el.dataset.actionChange]) { changes[el.dataset.actionChange](el); }
  });

  document.addEventListener('submit', function (e) {
    var form = e.target.closest('form[data-send]');
    if (form && submits[form.dataset.send]) { e.preventDefault(); submits[form.dataset.send](form); }
  });

  var compose = document.getElementById('compose-text');
  if (compose) {
    compose.addEventListener('input', function () {
      updateCount(compose);
      if (postedTimer) { window.clearTimeout(postedTimer); clearPosted(null); }
    });
    compose.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); post(compose.form); }
    });
  }

  // --- drag and drop (facilitators); every drop sends the same message as the Move dialog ---------------
  if (role === 'facilitator') {
    var dragging = null;
    document.addEventListener('dragstart', function (e) {
      var card = e.target.closest && e.target.closest('.card[draggable]');
      var header = e.target.closest && e.target.closest('#themes .column-header[draggable]');
      if (card) {
        dragging = { kind: 'card', id: parseInt(card.dataset.card, 10) };
      } else if (header) {
        dragging = { kind: 'theme', id: idOf(themeOf(header)) };
      } else { return; }
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', dragging.kind + ':' + dragging.id);
    });
    document.addEventListener('dragend', function () {
      dragging = null;
      document.querySelectorAll('.drop-target').forEach(function (el) { el.classList.remove('drop-target'); });
    });
    function indexAt(children, pos, vertical) {
      for (var i = 0; i < children.length; i++) {
        var r = children[i].getBoundingClientRect();
        if (vertical ? pos < r.top + r.height / 2 : pos < r.left + r.width / 2) { return i; }
      }
      return children.length;
    }
    document.addEventListener('dragover', function (e) {
      if (!dragging) { return; }
      var zone = dragging.kind === 'card' ? e.target.closest('#live .theme') : e.target.closest('#themes');
      if (!zone) { return; }
      e.preventDefault();
      document.querySelectorAll('.drop-target').forEach(function (el) { if (el !== zone) { el.classList.remove('drop-target'); } });
      zone.classList.add('drop-target');
    });
    document.addEventListener('drop', function (e) {
      if (!dragging) { return; }
      if (dragging.kind === 'card') {
        var section = e.target.closest('#live .theme');
        if (!section) { return; }
        e.preventDefault();
        var theme = idOf(section);
        var message = { type: 'card', op: 'move', card: dragging.id, theme: theme };
        if (theme !== null) {
          var cards = Array.prototype.filter.call(section.querySelectorAll('.cards > .card'), function (c) {
            return parseInt(c.dataset.card, 10) !== dragging.id;
          });
          message.position = indexAt(cards, e.clientY, true);
        }
        send(message);
      } else {
        var zone = e.target.closest('#themes');
        if (!zone) { return; }
        e.preventDefault();
        var others = themeColumns().filter(function (s) { return idOf(s) !== dragging.id; });
        send({ type: 'theme', op: 'move', theme: dragging.id, position: indexAt(others, e.clientX, false) });
      }
    });
  }

  renderPending();
  noteMine(null);
  refresh();
})();
