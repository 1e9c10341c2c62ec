/* The phone's heartbeat: a dropped network (Wi-Fi gone, a phone on the move) leaves a websocket open for
 * a long time, and the server's own pings come once a minute. So the page asks the server (sessions/
 * protocol.py, PING) when its socket has been quiet for a while, and when nothing at all has come for
 * 1.2 s after asking, tells the page it is offline (its posts wait and are sent when anything is heard
 * again: linewalk.js, lw:offline / lw:online); if it stays silent, it gives up on that socket and opens
 * another.
 *
 * How quiet "a while" is depends on whether someone is using the page. While they are (the page was
 * loaded, shown, touched, typed in or had a post waiting in the last 10 s) it is 1 s, so a silent drop
 * shows "Offline" within about 2.5 s. A phone lying idle asks after 30 s, and asks at once when it is
 * next touched: the notice still comes within 2.5 s of anyone looking for it. 10,000 idle phones asking
 * every second cost the server a third of a core (docs/benchmarks.md, "The connect storm"); every 30 s,
 * under 2%. A socket that closes, or a device that says it went offline, shows "Offline" at once.
 * Participants' pages only. One entry point: window.LinewalkHeartbeat (the figures, for tests). */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root || root.dataset.role !== 'participant') { return; }

  var PING = '{"type":"sync","op":"ping"}';
  var PONG = '<div id="lw-pong" hidden></div>';
  var QUIET_MS = 1000;      // ask after this long without a frame, while the page is in use
  var IDLE_QUIET_MS = 30000; // the same for a phone nobody has used for IN_USE_MS
  var IN_USE_MS = 10000;
  var ANSWER_MS = 1200;     // offline when an asked ping has had no frame for this long
  var GIVE_UP_MS = 8000;    // then a new socket (with the page's usual reconnect backoff after that)
  var TICK_MS = 250;

  var wrapper = null;       // htmx's socket wrapper (send, reconnect)
  var raw = null;           // the WebSocket itself
  var heard = 0;            // when the last frame (or the opening) came
  var asked = 0;            // when the unanswered ping went (0: none)
  var offlineSince = 0;
  var used = Date.now();    // when the page was last loaded, shown or touched

  function now() { return Date.now(); }

  function tell(name) { root.dispatchEvent(new CustomEvent(name)); }

  function goOffline() {
    if (!offlineSince) { offlineSince = now(); tell('lw:offline'); }
  }

  function heardNow() {
    heard = now();
    asked = 0;
    if (offlineSince) { offlineSince = 0; tell('lw:online'); }
  }

  root.addEventListener('lw:socket', function (e) { raw = e.detail; });
  root.addEventListener('htmx:wsOpen', function (e) {
    wrapper = e.detail.socketWrapper;
    heard = now();
    asked = 0;
    offlineSince = 0;
  });
  root.addEventListener('htmx:wsClose', function () {
    wrapper = null;
    asked = 0;
    offlineSince = 0; // linewalk.js says offline on a close itself
  });
  root.addEventListener('htmx:wsBeforeMessage', function (e) {
    heardNow();
    if (e.detail.message === PONG) { e.preventDefault(); }
  });

  function giveUp() {
    // Forget the silent socket without letting its late close event speak for the new one.
    if (raw) { raw.onclose = null; raw.onerror = null; raw.onmessage = null; }
    var old = wrapper;
    wrapper = null;
    asked = 0;
    if (old && old.reconnect) { old.reconnect(); }
  }

  function inUse(t) {
    if (t - used < IN_USE_MS) { return true; }
    var waiting = document.getElementById('pending');
    return !!(waiting && waiting.childElementCount);
  }

  function quietMs(t) { return inUse(t) ? QUIET_MS : IDLE_QUIET_MS; }

  function tick() {
    if (!wrapper || !raw || raw.readyState !== 1) { return; }
    var t = now();
    if (asked && t - asked > ANSWER_MS) { goOffline(); }
    if (offlineSince && t - offlineSince > GIVE_UP_MS) { giveUp(); return; }
    if (!asked && t - heard >= quietMs(t)) {
      asked = t;
      try { raw.send(PING); } catch (err) { goOffline(); }
    }
  }

  var timer = window.setInterval(tick, TICK_MS);
  // Someone is looking: back to the short cadence, and if the socket has been quiet, ask now.
  function touched() { used = now(); tick(); }
  ['pointerdown', 'keydown', 'focusin', 'input'].forEach(function (name) {
    document.addEventListener(name, touched, {capture: true, passive: true});
  });
  document.addEventListener('visibilitychange', function () { if (!document.hidden) { touched(); } });
  window.addEventListener('offline', goOffline);
  window.addEventListener('online', function () { if (wrapper) { asked = 0; heard = 0; tick(); } });

  window.LinewalkHeartbeat = {
    quietMs: QUIET_MS, idleQuietMs: IDLE_QUIET_MS, inUseMs: IN_USE_MS, answerMs: ANSWER_MS,
    giveUpMs: GIVE_UP_MS,
    stop: function () { window.clearInterval(timer); }
  };
})();
