/* How a frame from the server lands: htmx's ws extension applies its out-of-band swaps; this module adds
 * one swap style of its own and tells the page's other modules what a frame touched, so their work after
 * a frame is in proportion to the frame, not to the board (a live move on a board of 1,000 cards:
 * docs/benchmarks.md). One entry point: window.LinewalkFrame.
 *
 * hx-swap-oob="lw-outer" replaces the element with the same id, as "true" (outerHTML) does, and
 * lw-beforebegin, lw-beforeend and lw-delete do what htmx's styles of those names do, without htmx's
 * work for each element: an event for each element it removes, and each element it adds searched for
 * hx- attributes to process. The live region's partials carry no hx- attributes; the sector lens alone
 * is some 400 elements (templates/board/board.html, partial lens) and a card ~20. */
(function () {
  'use strict';

  var root = document.getElementById('lw-socket');
  if (!root || !window.htmx) { return; }

  // An element that comes in with the id of one the page already shows takes its place rather than
  // doubling it: an author's phone shows their own post while it waits for review, and the room's frame
  // that lets it out brings it again.
  function arriving(node) {
    if (node.nodeType === 1 && node.id) {
      var shown = document.getElementById(node.id);
      if (shown) {
        if (frame && shown.parentElement) { frame.lists.add(shown.parentElement); }  // the list it left
        shown.remove();
      }
    }
    return node;
  }

  htmx.defineExtension('lw-swap', {
    isInlineSwap: function (style) { return style === 'lw-outer'; },
    handleSwap: function (style, target, fragment) {
      // fragment: lw-outer's own element (in a document fragment); else the element whose children come in.
      switch (style) {
        case 'lw-outer': target.parentNode.replaceChild(fragment, target); break;
        case 'lw-beforebegin': while (fragment.firstChild) { target.parentNode.insertBefore(arriving(fragment.firstChild), target); } break;
        case 'lw-beforeend': while (fragment.firstChild) { target.appendChild(arriving(fragment.firstChild)); } break;
        case 'lw-delete': target.remove(); break;
        default: return false;
      }
      return [];  // nothing for htmx to settle or process
    }
  });

  // --- what a frame touched ---------------------------------------------------------------------------
  var CARD = /^card-\d+$/;
  function isCard(el) { return el.nodeType === 1 && el.tagName === 'LI' && CARD.test(el.id); }
  function holdsCards(el) { return el.nodeType === 1 && !!el.querySelector('li[id^="card-"]'); }

  var frame = null;   // {cards: [card elements drawn], lists: Set of lists left or joined, gone: [ids], whole}

  root.addEventListener('htmx:wsBeforeMessage', function () {
    frame = { cards: [], lists: new Set(), gone: [], whole: false };
  });

  // Every out-of-band swap, whatever its style, before it is applied: the target, and what comes in.
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    if (!frame || frame.whole) { return; }
    var target = e.detail.target, fragment = e.detail.fragment;
    Array.prototype.forEach.call(fragment ? fragment.children : [], function (el) {
      if (isCard(el)) { frame.cards.push(el); } else if (holdsCards(el)) { frame.whole = true; }
    });
    if (isCard(target)) {
      // Deleted, replaced or inserted before: its column changes either way.
      if (target.parentElement) { frame.lists.add(target.parentElement); }
      frame.gone.push(target.id);
    } else if (target.matches('ol.cards')) {
      frame.lists.add(target);
    } else {
      var card = target.closest('li[id^="card-"]');
      if (card && isCard(card)) { frame.cards.push(card); } else if (holdsCards(target)) { frame.whole = true; }
    }
  });

  function connected(el) { return el.isConnected; }

  window.LinewalkFrame = {
    // The cards the frame being applied drew or re-drew (on the page now); null when it re-drew a part
    // holding many cards (a column, the board, the live region) or outside a frame: look at them all.
    cards: function () { return frame && !frame.whole ? frame.cards.filter(connected) : null; },
    // The card lists that a card left or joined in this frame; null as for cards().
    lists: function () {
      if (!frame || frame.whole) { return null; }
      var lists = new Set();
      frame.lists.forEach(function (list) { if (list.isConnected) { lists.add(list); } });
      frame.cards.forEach(function (card) { if (card.isConnected && card.parentElement) { lists.add(card.parentElement); } });
      return Array.from(lists);
    },
    // Ids of the cards the frame took off the page (and did not draw again).
    gone: function () {
      return frame && !frame.whole ? frame.gone.filter(function (id) { return !document.getElementById(id); }) : null;
    }
  };
})();
