/* Opening the round's vote (facilitate.html, #vote-dialog): the phases' Vote asks for the vote's settings
 * before anything changes for the room, filled from the last vote (or the server's defaults for the kind
 * of round, VOTE_DEFAULTS, given in #vote-defaults), with a sentence saying what opening does. Open the
 * vote sends vote.open (docs/protocol.md); Cancel and Escape send nothing, and focus goes back to Vote. One entry point:
 * window.LinewalkVoteDialog.open(opener), called by the phases' Vote (linewalk.js, round-phase). */
(function () {
  'use strict';

  var lw = window.LinewalkSender;
  var dialog = document.getElementById('vote-dialog');
  if (!lw || !dialog) { return; }
  var form = dialog.querySelector('form');
  // The server's defaults for each kind of round (board/changes.py VOTE_DEFAULTS, #vote-defaults): a vote
  // on cards starts as one on this round's cards.
  var DEFAULTS = {};
  var given = JSON.parse((document.getElementById('vote-defaults') || {}).textContent || '{}');
  Object.keys(given).forEach(function (kind) {
    var d = given[kind];
    DEFAULTS[kind] = { on: d.target === 'cards' ? 'cards-round' : d.target, budget: d.budget, per_item: d.per_item, live: d.live };
  });
  // What each choice is called in the sentence, and what vote.open says for it.
  var ITEMS = {
    'cards-round': ['card of this round', 'cards'], 'cards-all': ['card', 'cards'], themes: ['theme', 'themes'],
    leverage: ['theme or link of the map', 'leverage'], actions: ['action', 'actions']
  };

  function banner() { return document.getElementById('round-banner'); }
  function field(name) { return form.querySelector('[name=' + name + ']'); }
  function choice(name) { var c = form.querySelector('[name=' + name + ']:checked'); return c ? c.value : null; }
  function pick(name, value) {
    form.querySelectorAll('[name=' + name + ']').forEach(function (r) { r.checked = r.value === value; });
  }
  function number(name) { var n = parseInt(field(name).value, 10); return n >= 1 && n <= 20 ? n : null; }

  // The choices this kind of round has; the others are hidden and cannot be chosen.
  function offer(kind) {
    form.querySelectorAll('[data-kinds]').forEach(function (label) {
      var offered = label.dataset.kinds.split(' ').indexOf(kind) >= 0;
      label.hidden = !offered;
      label.querySelector('input').disabled = !offered;
    });
  }

  // The last vote's settings when its kind of item is one this round offers (or, from a screen that votes
  // on one thing, the very thing it votes on), else the kind's defaults.
  function fill(kind, screen) {
    var bar = document.getElementById('vote-bar');
    var last = bar && bar.dataset.vote ? bar.dataset : null;
    var on = last && (last.target === 'cards' ? (last.voteRound ? 'cards-round' : 'cards-all') : last.target);
    var input = on && form.querySelector('[name=on][value="' + on + '"]');
    var defaults = DEFAULTS[kind] || DEFAULTS.contributions;
    var settings = input && !input.disabled && (!screen || on === defaults.on)
      ? { on: on, budget: last.budget, per_item: last.perItem, live: last.live }
      : defaults;
    pick('on', settings.on);
    field('budget').value = settings.budget;
    field('per_item').value = settings.per_item;
    pick('live', settings.live ? '1' : '');
  }

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  // On the themes, the board says how many there are: dots that cannot all be placed are said to be so
  // before the vote opens (two themes, at most 1 on each, 3 dots: one is left over for everyone).
  function unplaceable(on, budget, most) {
    if (on !== 'themes') { return ''; }
    var themes = document.querySelectorAll('#board section.theme:not(.unsorted)').length;
    if (themes * most >= budget) { return ''; }
    return ' With ' + plural(themes, 'theme') + ' and at most ' + most + ' on each, only ' + plural(themes * most, 'dot') +
      ' of the ' + budget + ' can be placed.';
  }

  function describe() {
    var what = document.getElementById('vote-dialog-what');
    var budget = number('budget'), most = number('per_item'), on = choice('on');
    if (!budget || !most) { what.textContent = 'Give between 1 and 20 dots each, and at most 1 to 20 on any one item.'; return; }
    var bar = document.getElementById('vote-bar');
    var item = (ITEMS[on] || ITEMS.themes)[0];
    what.textContent = 'Posting stops for this round; everyone gets ' + plural(budget, 'dot') + ', at most ' +
      Math.min(most, budget) + ' on any one ' + item + '. ' +
      (choice('live') ? 'Everyone sees the results as they come.' : 'The results stay hidden until you reveal them.') +
      unplaceable(on, budget, most) +
      (bar && bar.dataset.voteOpen === '1' ? ' The vote open now closes first.' : '');
  }

  // ``screen``: the kind of vote the opener's screen takes ('map', 'next_steps'), whatever the round's kind.
  function open(opener, screen) {
    var b = banner();
    var kind = screen || (b && b.dataset.kind) || 'contributions';
    offer(kind);
    fill(kind, !!screen);
    document.getElementById('vote-dialog-title').textContent = 'Open the vote on round ' + ((b && b.dataset.number) || '');
    describe();
    dialog.dataset.opener = (opener && opener.id) || '';
    dialog.showModal();
    var first = form.querySelector('[name=on]:checked') || form.querySelector('[name=on]:not(:disabled)');
    if (first) { first.focus(); }
  }

  function closeAndReturn() {
    dialog.close();
    var opener = document.getElementById(dialog.dataset.opener || '');
    if (opener) { opener.focus(); }
  }

  form.addEventListener('input', describe);
  form.addEventListener('change', describe);
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var budget = number('budget'), most = number('per_item'), on = choice('on');
    if (!budget) { describe(); field('budget').focus(); return; }
    if (!most) { describe(); field('per_item').focus(); return; }
    var b = banner();
    var round = b && b.dataset.round ? parseInt(b.dataset.round, 10) : null;
    var sent = lw.send({ type: 'vote', op: 'open', target: ITEMS[on][1], round: on === 'cards-round' ? round : null,
      budget: budget, per_item: most, live: choice('live') === '1' });
    // Not sent (the connection is down, and the status line says so): the settings stay to send again.
    if (sent) { closeAndReturn(); }
  });

  window.LinewalkVoteDialog = { open: open };
})();
