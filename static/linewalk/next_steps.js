/* What happens next on a live page (board/nextsteps): proposing an action, "I'm in", withdrawing, the
 * vote on actions, and sharing a contact by consent. A participant's own state (what they signed up to,
 * which actions are theirs) comes in #my-steps-state, a private part only their screens receive. */
(function () {
  'use strict';

  var lw = window.LinewalkSender;
  if (!lw) { return; }
  var root = lw.root, role = lw.role, send = lw.send, say = lw.say;

  function clientId() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function list(text) {
    try { return (JSON.parse(text || '[]') || []).map(String); } catch (e) { return []; }
  }

  // The person's own state comes in their own frames, as an out-of-band swap of #my-steps-state. A change
  // that draws the whole live region afresh (a reveal, a round added) carries the room's blank one inside
  // it, and their own frame follows with it back: until then, and for what to say, the state is the one
  // their own frames last brought, never the room's blank (which read as "You left" every action).
  var OWN_FRAME = /<div id="my-steps-state"[^>]*hx-swap-oob/;
  var ownState = null;

  function readOwn() {
    var mine = document.getElementById('my-steps-state');
    return mine ? { signed: list(mine.dataset.signed), own: list(mine.dataset.own) } : null;
  }

  function refresh(e) {
    var ownFrame = !!(e && e.detail && OWN_FRAME.test(e.detail.message || ''));
    if (ownFrame) { ownState = readOwn(); }
    var view = document.getElementById('steps-view');
    var section = document.getElementById('next-steps');
    if (!view || !section) { return; }
    var b = document.getElementById('round-banner');
    var stepsRound = !!(b && b.dataset.round && (view.dataset.stepsRounds || '').split(' ').indexOf(b.dataset.round) >= 0);
    var count = document.getElementById('steps-count');
    var any = count && count.textContent.trim() !== '0';
    section.hidden = role !== 'facilitator' && !any && !stepsRound;
    // Nothing to vote on before the first action (the server draws it so; an action added shows it).
    var vote = document.getElementById('steps-vote');
    if (vote) { vote.hidden = !any; }
    // In a next-steps round a phone's box to write in is the action form: it takes the composer's place.
    document.body.classList.toggle('steps-round', stepsRound && role === 'participant');
    view.querySelectorAll('[data-action=round-kind][data-when]').forEach(function (button) {
      button.hidden = (button.dataset.when === 'on') !== stepsRound;
    });
    var form = document.getElementById('step-form');
    if (form) {
      form.hidden = !(stepsRound && b.dataset.open === '1');
      lw.fill(form.querySelector('[name=theme]'), Array.prototype.map.call(document.querySelectorAll('#themes > .theme[data-theme]'), function (theme) {
        return [theme.dataset.theme, ((theme.querySelector('.theme-name') || {}).textContent || '').trim()];
      }));
      lw.fill(form.querySelector('[name=loop]'), Array.prototype.map.call(document.querySelectorAll('#map-view li[data-loop]'), function (li) {
        return [li.dataset.loop, Array.prototype.map.call(li.querySelectorAll('.loop-theme'), function (t) { return t.textContent; }).join(' → ')];
      }));
    }
    var state = ownState || readOwn() || { signed: [], own: [] };
    var signed = state.signed, own = state.own;
    // A paused room takes no sign-ups (the server refuses them too); leaving stays open.
    var roomState = document.getElementById('room-state');
    var paused = !!(roomState && roomState.dataset.paused === '1');
    document.querySelectorAll('#steps-list .step[data-step]').forEach(function (step) {
      // Signed up: "You're in ✓" beside a button that says what it does ("Leave"), never a toggle whose
      // pressed look is the only sign that pressing it again withdraws.
      var button = step.querySelector('.step-join');
      if (button) {
        var isIn = signed.indexOf(step.dataset.step) >= 0;
        var label = button.querySelector('.step-join-label');
        var text = isIn ? 'Leave' : 'I’m in';
        if (label.textContent !== text) { label.textContent = text; }
        button.dataset.in = isIn ? '1' : '0';
        button.classList.toggle('primary', !isIn);
        var closed = paused && !isIn;
        if (button.disabled !== closed) { button.disabled = closed; }
        button.title = closed ? 'The room is paused: sign up once the facilitator resumes it.' : '';
        step.querySelector('.step-in').hidden = !isIn;
        if (role === 'presenter') { button.hidden = true; }
      }
      var withdraw = step.querySelector('.own-only');
      if (withdraw) { withdraw.hidden = own.indexOf(step.dataset.step) < 0; }
    });
    if (ownFrame) { confirmSignups(signed, own); }
  }

  // Say what happened once the server has done it (the status line is a polite live region): after
  // proposing, "I'm in" or "Leave", the person's own sign-ups change in #my-steps-state.
  var lastSigned = null, lastOwn = null;
  function confirmSignups(signed, own) {
    if (lastSigned !== null) {
      var joined = signed.filter(function (id) { return lastSigned.indexOf(id) < 0; });
      var left = lastSigned.filter(function (id) { return signed.indexOf(id) < 0; });
      joined.forEach(function (id) {
        var proposed = own.indexOf(id) >= 0 && lastOwn.indexOf(id) < 0;
        say((proposed ? 'Proposed, and you’re in: “' : 'You’re in: “') + whatOf(id) + '”. Press Leave if you change your mind.', 'info');
      });
      left.forEach(function (id) {
        if (whatOf(id)) { say('You left “' + whatOf(id) + '”. Press I’m in to join again.', 'info'); }
      });
    }
    lastSigned = signed; lastOwn = own;
  }

  function whatOf(id) {
    var what = document.querySelector('#step-' + id + ' .step-what');
    return what ? what.textContent.trim() : '';
  }

  var submits = {
    'step.add': function (form) {
      var what = form.querySelector('[name=what]').value.trim();
      if (!what) { say('Say what will happen first.', 'error'); form.querySelector('[name=what]').focus(); return; }
      var theme = form.querySelector('[name=theme]').value;
      var message = { type: 'step', op: 'add', client_id: clientId(), what: what,
        with_whom: form.querySelector('[name=with_whom]').value.trim(), by_when: form.querySelector('[name=by_when]').value.trim(),
        theme: theme ? parseInt(theme, 10) : null, loop: form.querySelector('[name=loop]').value };
      // Kept until the server has it, and sent again if it cannot save it yet (sender.js).
      if (lw.sendKept(message, 'your action', 'step-what', what)) { form.reset(); }
    },
    'contact.share': function (form) {
      var text = form.querySelector('[name=text]').value.trim();
      if (!text) { say('Write the contact you want to share first.', 'error'); form.querySelector('[name=text]').focus(); return; }
      var withSignups = form.querySelector('[name=with_signups]').checked;
      var withThemes = form.querySelector('[name=with_theme_sectors]').checked;
      if (!withSignups && !withThemes) { say('Choose who may see your contact.', 'error'); return; }
      if (send({ type: 'contact', op: 'share', text: text, with_signups: withSignups, with_theme_sectors: withThemes })) {
        say('Shared with the people you chose only.', 'info');
      }
    }
  };

  function stepOf(el) { return parseInt(el.closest('[data-step]').dataset.step, 10); }

  var clicks = {
    'step-toggle': function (el) { send({ type: 'step', op: el.dataset.in === '1' ? 'leave' : 'join', step: stepOf(el) }); },
    'step-delete': function (el) { send({ type: 'step', op: 'delete', step: stepOf(el) }); },
    'step-hide': function (el) { send({ type: 'step', op: 'hide', step: stepOf(el) }); },
    'step-restore': function (el) { send({ type: 'step', op: 'restore', step: stepOf(el) }); },
    // The vote is set up in the one vote dialog (vote-dialog.js), set for the actions.
    'steps-vote': function (el) { if (window.LinewalkVoteDialog) { window.LinewalkVoteDialog.open(el, 'next_steps'); } },
    'step-dot-add': function (el) { send({ type: 'dot', op: 'add', card: null, theme: null, step: stepOf(el) }); },
    'step-dot-remove': function (el) { send({ type: 'dot', op: 'remove', card: null, theme: null, step: stepOf(el) }); },
    'contact-withdraw': function () { if (send({ type: 'contact', op: 'withdraw' })) { say('You no longer share your contact.', 'info'); } }
  };

  document.addEventListener('submit', function (e) {
    var form = e.target.closest('form[data-steps-send]');
    if (form && submits[form.dataset.stepsSend]) { e.preventDefault(); submits[form.dataset.stepsSend](form); }
  });
  document.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest('[data-action]');
    if (el && clicks[el.dataset.action]) { e.preventDefault(); clicks[el.dataset.action](el); }
  });

  root.addEventListener('htmx:wsAfterMessage', refresh);
  refresh();
})();
