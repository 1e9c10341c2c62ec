/* "Your posts": the participant's own cards, newest first, under the box they wrote them in, drawn after
 * every frame from the board's own cards (linewalk.js marks them .mine; the board stays the one truth that
 * the server's swaps keep up to date). Each says what the room sees of it (held back, waiting for approval,
 * silent until the reveal) and, while its round is open, offers edit and delete (linewalk.js's edit-card
 * and delete-card). The newest SHOWN are listed; the rest on request. One entry point:
 * window.LinewalkOwnPosts.draw(). */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  var section = document.getElementById('own-posts');
  if (!root || !section) { return; }
  var list = document.getElementById('own-posts-list');
  var count = document.getElementById('own-posts-count');
  var more = document.getElementById('own-posts-more');
  var SHOWN = 3;
  var all = false;
  var drawn = '';

  function idOf(card) { return parseInt(card.dataset.card, 10); }

  function button(id, action, label, hidden, danger) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'small' + (danger ? ' danger' : '');
    b.id = id;
    b.dataset.action = action;
    b.appendChild(document.createTextNode(label));
    var more = document.createElement('span');
    more.className = 'visually-hidden';
    more.textContent = hidden;
    b.appendChild(more);
    return b;
  }

  function entry(card) {
    var id = idOf(card);
    var li = document.createElement('li');
    li.className = 'own-post';
    li.dataset.card = String(id);
    li.id = 'own-' + id;
    var text = card.querySelector('.card-text');
    var p = document.createElement('p');
    p.className = 'card-text';
    p.textContent = text ? text.textContent : '';
    li.appendChild(p);
    var badge = card.querySelector('.badge');
    if (badge) {
      li.appendChild(badge.cloneNode(true));
    } else {
      var shown = document.createElement('p');
      shown.className = 'card-meta';
      var votes = card.querySelector('.card-votes');
      shown.textContent = 'On the board' + (votes && votes.textContent.trim() ? ' · ' + votes.textContent.trim() : '');
      li.appendChild(shown);
    }
    if (card.classList.contains('open-round')) {
      var tools = document.createElement('div');
      tools.className = 'own-tools';
      tools.appendChild(button('own-' + id + '-edit', 'edit-card', 'Edit', ' your contribution'));
      tools.appendChild(button('own-' + id + '-delete', 'delete-card', 'Delete', ' your contribution', true));
      li.appendChild(tools);
    }
    return li;
  }

  function draw() {
    var cards = Array.prototype.slice.call(document.querySelectorAll('#board .card.mine'));
    cards.sort(function (a, b) { return idOf(b) - idOf(a); });
    var shown = all ? cards : cards.slice(0, SHOWN);
    var key = all + '|' + cards.length + '|' + shown.map(function (c) {
      return c.dataset.card + ':' + c.className + ':' + (c.dataset.status || '') + ':' + c.textContent;
    }).join('|');
    if (key === drawn) { return; }
    drawn = key;
    var focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.id : null;
    list.innerHTML = '';
    shown.forEach(function (card) { list.appendChild(entry(card)); });
    section.hidden = cards.length === 0;
    count.textContent = String(cards.length);
    count.setAttribute('aria-label', cards.length + ' post' + (cards.length === 1 ? '' : 's'));
    more.hidden = cards.length <= SHOWN;
    more.textContent = all ? 'Show only the latest ' + SHOWN : 'Show all ' + cards.length + ' of yours';
    more.setAttribute('aria-expanded', all ? 'true' : 'false');
    if (focused && document.getElementById(focused)) { document.getElementById(focused).focus(); }
  }

  more.addEventListener('click', function () { all = !all; draw(); });
  root.addEventListener('htmx:wsAfterMessage', draw);

  window.LinewalkOwnPosts = { draw: draw };
  draw();
})();
