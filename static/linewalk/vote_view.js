/* The vote on a phone: while a vote on cards or themes is open, a list of only what can be voted on (the
 * vote's round's cards that are on the room's board and not one's own, or every theme), each with its
 * dots and "Add a dot" / "Remove a dot", and how many dots are left. Drawn after every frame from the vote
 * bar (data-target, data-vote-round, data-per-item), the board and the participant's own dots (#lw-mine);
 * the server counts each dot and refuses what is not allowed. One entry point:
 * window.LinewalkVoteView.draw(). */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  var section = document.getElementById('vote-view');
  if (!root || !section || !window.LinewalkSender) { return; }
  var list = document.getElementById('vote-view-list');
  var leftLine = document.getElementById('vote-view-left');
  var heading = document.getElementById('vote-view-heading');
  var drawn = '';

  function parse(text, fallback) {
    try { return JSON.parse(text) || fallback; } catch (e) { return fallback; }
  }

  // What can be voted on now: [{key: "card-12" | "theme-3", kind, id, label, detail}].
  function items(bar) {
    var target = bar.dataset.target;
    if (target === 'cards') {
      var round = bar.dataset.voteRound;
      return Array.prototype.filter.call(document.querySelectorAll('#board .card'), function (card) {
        return !card.dataset.status && !card.classList.contains('mine') && (!round || card.dataset.round === round);
      }).sort(function (a, b) { return parseInt(b.dataset.card, 10) - parseInt(a.dataset.card, 10); }).map(function (card) {
        var text = card.querySelector('.card-text');
        var meta = card.querySelector('.card-meta');
        return { key: 'card-' + card.dataset.card, kind: 'card', id: parseInt(card.dataset.card, 10),
          label: text ? text.textContent : '', detail: meta ? meta.textContent : '' };
      });
    }
    if (target === 'themes' || target === 'leverage') {
      return Array.prototype.map.call(document.querySelectorAll('#themes > section.theme'), function (theme) {
        var name = theme.querySelector('.theme-name');
        var count = theme.querySelector('.count');
        var n = count ? count.textContent.trim() : '';
        return { key: 'theme-' + theme.dataset.theme, kind: 'theme', id: parseInt(theme.dataset.theme, 10),
          label: name ? name.textContent.trim() : '', detail: n ? n + ' card' + (n === '1' ? '' : 's') : '' };
      });
    }
    return null;
  }

  function control(item, op, label, disabled) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'small' + (op === 'add' ? ' primary' : '');
    b.id = 'vote-' + item.key + '-' + op;
    b.dataset.voteOp = op;
    b.dataset.voteKind = item.kind;
    b.dataset.voteId = String(item.id);
    b.disabled = disabled;
    b.appendChild(document.createTextNode(label));
    var what = document.createElement('span');
    what.className = 'visually-hidden';
    what.textContent = ': ' + item.label.slice(0, 60);
    b.appendChild(what);
    return b;
  }

  function row(item, mineDots, left, perItem) {
    var li = document.createElement('li');
    li.className = 'vote-item' + (mineDots ? ' has-dots' : '');
    li.id = 'vote-' + item.key;
    var p = document.createElement('p');
    p.className = 'vote-item-text';
    p.textContent = item.label;
    li.appendChild(p);
    var head = document.createElement('p');
    head.className = 'vote-item-head';
    var d = document.createElement('span');
    d.className = 'card-meta';
    d.textContent = item.detail;
    head.appendChild(d);
    var mine = document.createElement('span');
    mine.className = 'my-dots';
    mine.textContent = 'Your dots: ' + mineDots;
    head.appendChild(mine);
    li.appendChild(head);
    var tools = document.createElement('div');
    tools.className = 'dot-controls';
    tools.setAttribute('role', 'group');
    tools.setAttribute('aria-label', 'Your dots on: ' + item.label.slice(0, 60));
    tools.appendChild(control(item, 'remove', 'Remove a dot', mineDots === 0));
    tools.appendChild(control(item, 'add', 'Add a dot', left <= 0 || mineDots >= perItem));
    li.appendChild(tools);
    return li;
  }

  function draw() {
    var bar = document.getElementById('vote-bar');
    var open = bar && bar.dataset.voteOpen === '1';
    var found = open ? items(bar) : null;
    if (!found) {
      if (!section.hidden) { section.hidden = true; list.innerHTML = ''; drawn = ''; }
      return;
    }
    var mine = document.getElementById('lw-mine');
    var sameVote = mine && mine.dataset.vote === bar.dataset.vote;
    var dots = sameVote ? parse(mine.dataset.dots, {}) : {};
    var left = sameVote ? parseInt(mine.dataset.left, 10) || 0 : parseInt(bar.dataset.budget, 10) || 0;
    var perItem = parseInt(bar.dataset.perItem, 10) || 1;
    var key = JSON.stringify([bar.dataset.vote, left, dots, found]);
    if (key === drawn) { return; }
    drawn = key;
    var focused = document.activeElement && section.contains(document.activeElement) ? document.activeElement.id : null;
    heading.textContent = bar.dataset.target === 'cards' ? 'Vote: the contributions you can put dots on' : 'Vote: the themes';
    // Dots left that no item can take any more (every item already holds the most it may) are said to be
    // so, rather than left looking spendable beside buttons that are all off.
    var full = found.length > 0 && found.every(function (item) { return (dots[item.key] || 0) >= perItem; });
    var plural = function (n) { return n + ' dot' + (n === 1 ? '' : 's'); };
    leftLine.textContent = (left <= 0 ? 'You have used all your dots'
      : full ? 'Every item has as many of your dots as it can take: ' + plural(left) + ' left over'
        : 'You have ' + plural(left) + ' left') +
      ' · at most ' + perItem + ' on one item' + (found.length ? '' : ' · nothing to vote on yet');
    list.innerHTML = '';
    found.forEach(function (item) { list.appendChild(row(item, dots[item.key] || 0, left, perItem)); });
    section.hidden = false;
    if (focused) {
      var again = document.getElementById(focused);
      if (again && !again.disabled) { again.focus(); } else if (again) {
        var other = again.parentElement.querySelector('button:not([disabled])');
        if (other) { other.focus(); }
      }
    }
  }

  section.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-vote-op]');
    if (!b || b.disabled) { return; }
    var id = parseInt(b.dataset.voteId, 10);
    window.LinewalkSender.send({ type: 'dot', op: b.dataset.voteOp,
      card: b.dataset.voteKind === 'card' ? id : null, theme: b.dataset.voteKind === 'theme' ? id : null });
  });

  root.addEventListener('htmx:wsAfterMessage', draw);
  window.LinewalkVoteView = { draw: draw };
  draw();
})();
