/* The participants' and the presenter's cards arrive compact (templates/board/board.html, card-participant:
 * a phone may get a thousand of them in its first frame): <li id="card-N" data-m="ROUND SECTOR">text
 * [<small>meta</small>] [<p id="card-N-votes">counts</p>]. This expands each once in the browser into the
 * card every screen styles and scripts address: li.card[data-card][data-round] > p.card-text, p.card-meta,
 * p.card-votes, and, where `react(card)` says so, a "This resonates" button. One entry point:
 * window.LinewalkCards.expand(scope or [cards], {react: function (li) { return bool; }}). */
(function () {
  'use strict';

  var sectors = null;
  function sectorName(index) {
    if (sectors === null) {
      var script = document.getElementById('lw-sectors');
      try { sectors = script ? JSON.parse(script.textContent) : []; } catch (e) { sectors = []; }
    }
    return sectors[index] || '';
  }

  // The counts come as bare text ("3 people find this resonates · <strong>2</strong> dots"): give each its element,
  // as every screen's styles and the presenter's ranking read them.
  function votesOf(el, id) {
    el.classList.add('card-votes');
    el.dataset.card = id;
    if (el.querySelector('span')) { return; }
    var first = el.firstChild;
    if (first && first.nodeType === 3 && /resonates/.test(first.nodeValue)) {
      var parts = first.nodeValue.split(' · ');
      var reactions = document.createElement('span');
      reactions.className = 'reaction-count';
      reactions.textContent = parts[0];
      el.insertBefore(reactions, first);
      first.nodeValue = parts.length > 1 ? ' ' : '';
    }
    var strong = el.querySelector(':scope > strong');
    if (strong) {
      var dots = document.createElement('span');
      dots.className = 'dot-count';
      el.insertBefore(dots, strong);
      dots.appendChild(strong);
      if (dots.nextSibling && dots.nextSibling.nodeType === 3) { dots.appendChild(dots.nextSibling); }
    }
  }

  function expandOne(li, options) {
    var id = li.id.slice(5);
    var parts = (li.dataset.m || '').split(' ');
    li.classList.add('card');
    li.dataset.card = id;
    li.dataset.round = parts[0] || '';
    if (li.dataset.status === 'silent') { li.classList.add('is-silent'); }
    var text = document.createElement('p');
    text.className = 'card-text';
    while (li.firstChild && li.firstChild.nodeType === 3) { text.appendChild(li.firstChild); }
    li.insertBefore(text, li.firstChild);
    var small = li.querySelector(':scope > small');
    var meta = document.createElement('p');
    meta.className = 'card-meta';
    if (small) {
      // The whole meta line, as the server wrote it (a pick's table, the author's name, "(edited)").
      while (small.firstChild) { meta.appendChild(small.firstChild); }
      small.replaceWith(meta);
    } else {
      var sector = document.createElement('span');
      sector.className = 'sector';
      sector.textContent = sectorName(parseInt(parts[1], 10));
      meta.appendChild(sector);
      text.after(meta);
    }
    var votes = document.getElementById(li.id + '-votes');
    if (votes && li.contains(votes)) { votesOf(votes, id); }
    if (options && options.react && !li.dataset.status && options.react(li)) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'small react';
      button.id = li.id + '-react';
      button.dataset.action = 'react';
      button.setAttribute('aria-pressed', 'false');
      button.textContent = 'This resonates';
      li.appendChild(button);
    }
  }

  // ``scope``: an element (its cards), or an array of the cards themselves (a frame's: swap.js).
  function expand(scope, options) {
    scope = scope || document;
    if (Array.isArray(scope)) {
      scope.forEach(function (li) {
        if (li.matches('li[data-m]:not(.card)')) { expandOne(li, options); }
        var p = li.querySelector(':scope > p[id$="-votes"]:not(.card-votes)');
        if (p && li.matches('li.card[data-m]')) { votesOf(p, li.dataset.card); }
      });
      return;
    }
    scope.querySelectorAll('li[data-m]:not(.card)').forEach(function (li) { expandOne(li, options); });
    // Counts pushed into a card already expanded replace its p.card-votes with a bare one.
    scope.querySelectorAll('li.card[data-m] > p[id$="-votes"]:not(.card-votes)').forEach(function (p) {
      votesOf(p, p.parentElement.dataset.card);
    });
  }

  // A count pushed for a card that had none yet: its element was not on the page, so put it in its card.
  document.addEventListener('htmx:oobErrorNoTarget', function (e) {
    var el = e.detail && e.detail.content;
    var match = el && el.id && /^card-(\d+)-votes$/.exec(el.id);
    var card = match && document.getElementById('card-' + match[1]);
    // Counts taken off a card (board/render.py vote_parts) that it no longer shows: nothing to put back.
    if (!card || /^lw-delete/.test(el.getAttribute('hx-swap-oob') || '')) { return; }
    el.removeAttribute('hx-swap-oob');
    if (card.classList.contains('card')) { votesOf(el, match[1]); }
    var react = card.querySelector(':scope > .react');
    card.insertBefore(el, react);
  });

  window.LinewalkCards = { expand: expand };
})();
