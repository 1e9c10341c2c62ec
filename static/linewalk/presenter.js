/* The presenter view fits its wall to the screen (static/linewalk/presenter.css lays the screen out).
 *
 * One entry point, fit(), run after every frame the socket applies, when the stage changes size and at
 * load. It decides what the stage shows (the board; a recipe's step while tables are open; the next steps
 * in their round, a grid of as many whole as fit at the largest text; the sector lens, as a table of every
 * theme, once a round that held its own vote is closed), which wall (gathering: the contributions not yet in a
 * theme, newest first, beside the themes so far; clustering and voting: every theme at once with its
 * strongest or latest cards), the text size and number of columns that show the most (the largest text
 * when everything fits), and hides
 * what does not fit behind a "+N more". Cards are reordered with the CSS order property and hidden with a
 * class: the DOM keeps the server's order and ids, which the live swaps address. */
(function () {
  'use strict';

  var body = document.body;
  if (!body.classList.contains('page-presenter') || !document.getElementById('lw-socket')) { return; }

  var OFF = 'wall-off';
  var GATHERING = ['gather', 'silent', 'reveal'];
  var TEXT_SIZES = [1.8, 1.5, 1.3, 1.15, 1]; // in rem: the smallest is 16 px at 1280x720
  var PER_TILE = 14; // no theme tile at any size shows more cards than this: measure no more
  var PER_WALL = 90;
  var newest = null; // the highest card id seen, to mark a card that has just arrived

  function byId(id) { return document.getElementById(id); }
  function all(scope, selector) { return Array.prototype.slice.call(scope.querySelectorAll(selector)); }
  function cardId(card) { return parseInt(card.dataset.card, 10) || 0; }
  function shown(card) { return !card.classList.contains('other-round'); }
  function number(el) { return el ? parseInt(el.textContent, 10) || 0 : 0; }

  function strength(card) {
    // Dots once their results show, then "this resonates", then the latest first.
    var dots = card.querySelector('.dot-count strong');
    var reactions = card.querySelector('.reaction-count');
    return [number(dots), number(reactions), cardId(card)];
  }

  function byStrength(a, b) {
    var x = strength(a), y = strength(b);
    return (y[0] - x[0]) || (y[1] - x[1]) || (y[2] - x[2]);
  }

  function setOrder(cards) {
    cards.forEach(function (card, index) {
      var order = String(index);
      if (card.style.order !== order) { card.style.order = order; }
    });
  }

  function moreLine(host) {
    var line = host.querySelector(':scope > .wall-more');
    if (!line) {
      line = document.createElement('p');
      line.className = 'wall-more';
      host.appendChild(line);
    }
    return line;
  }

  // Show ``items`` (in the order they are laid out) as far as they fit inside ``box``; hide the rest and
  // say how many behind a "+N more" line in ``host`` (reserved before measuring). Later items never move
  // earlier ones in these layouts (a column, or columns filled in turn), so the first that does not fit
  // ends what shows. Reads every position before writing anything: one layout per call.
  function clip(box, items, host, noun, after) {
    var line = host ? moreLine(host) : null;
    if (line) { line.textContent = '+' + items.length + ' more'; line.hidden = false; }
    items.forEach(function (item, index) { item.classList.toggle(OFF, index >= PER_WALL); });
    var limit = box.getBoundingClientRect();
    var fitting = 0;
    for (var i = 0; i < Math.min(items.length, PER_WALL); i++) {
      var r = items[i].getBoundingClientRect();
      // Below the box, or in a column that starts past its right edge.
      if (r.bottom > limit.bottom + 0.5 || r.left >= limit.right - 1) { break; }
      fitting = i + 1;
    }
    show(fitting);
    // A "+N more" line inside the box, after the items (the lens), takes the place of the last that fit;
    // so does ``after``, what must show under them (the lens's key to its bars).
    while (fitting > 0 && (over(line) || over(after))) { show(--fitting); }
    return fitting;

    function over(el) {
      return el && !el.hidden && box.contains(el) && el.getBoundingClientRect().bottom > limit.bottom + 0.5;
    }

    function show(count) {
      items.forEach(function (item, index) { item.classList.toggle(OFF, index >= count); });
      if (!line) { return; }
      var left = items.length - count;
      var word = Array.isArray(noun) ? noun[left === 1 ? 0 : 1] : noun;
      line.textContent = left ? '+' + left + ' more' + (word ? ' ' + word : '') : '';
      line.hidden = !left;
    }
  }

  // Fill a theme's column with as many of ``items`` (strongest first) as fit, skipping one too long for
  // the room left: every card of a column is as wide as the others, so one reading of their heights is
  // enough to choose.
  function fill(list, items, host) {
    var line = moreLine(host);
    line.textContent = '+' + items.length + ' more';
    line.hidden = false;
    var measured = items.slice(0, PER_TILE);
    items.forEach(function (item, index) { item.classList.toggle(OFF, index >= PER_TILE); });
    var room = list.getBoundingClientRect().height;
    var gap = parseFloat(getComputedStyle(list).rowGap) || 0;
    var keep = measured.map(function (item) { return item.getBoundingClientRect().height; }).map(function (height, index) {
      var need = height + (index ? gap : 0);
      if (need > room + 0.5) { return false; }
      room -= need;
      return true;
    });
    var count = 0;
    items.forEach(function (item, index) {
      var on = !!keep[index];
      if (on) { count++; }
      item.classList.toggle(OFF, !on);
    });
    var left = items.length - count;
    line.textContent = left ? '+' + left + ' more' : '';
    line.hidden = !left;
    return count;
  }

  function setVar(el, name, value) {
    if (el.style.getPropertyValue(name) !== value) { el.style.setProperty(name, value); }
  }

  function rem() { return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16; }

  // --- gathering: the wall of new contributions -------------------------------------------------------
  function fitGathering(board) {
    var section = byId('unsorted');
    var list = byId('cards-unsorted');
    var themes = byId('themes');
    // No theme yet: the wall takes the themes' column too (presenter.css), so measure it after that.
    var tiles = themes ? all(themes, ':scope > .theme') : [];
    if (themes) { themes.classList.toggle('is-empty', !tiles.length); }
    if (!section || !list || !list.getBoundingClientRect().height) { return; }
    var cards = all(list, ':scope > .card').filter(shown).sort(function (a, b) { return cardId(b) - cardId(a); });
    setOrder(cards);
    var width = list.getBoundingClientRect().width;
    var chosen = TEXT_SIZES[TEXT_SIZES.length - 1];
    for (var i = 0; i < TEXT_SIZES.length; i++) {
      var size = TEXT_SIZES[i];
      // Columns about 24 characters wide: short lines read from across a room.
      setVar(board, '--wall-text', size + 'rem');
      setVar(list, '--wall-cols', String(Math.max(1, Math.floor(width / (size * rem() * 12)))));
      var fits = clip(list, cards, section) === cards.length;
      if (fits) { chosen = size; break; }
    }
    if (chosen === TEXT_SIZES[TEXT_SIZES.length - 1]) {
      setVar(board, '--wall-text', chosen + 'rem');
      setVar(list, '--wall-cols', String(Math.max(1, Math.floor(width / (chosen * rem() * 12)))));
      clip(list, cards, section, 'earlier');
    }
    if (themes) {
      tiles.forEach(function (tile) { all(tile, '.card').forEach(function (c) { c.classList.remove(OFF); }); });
      clip(themes, tiles, themes, ['theme', 'themes']);
    }
  }

  // --- clustering and voting: every theme at once -----------------------------------------------------
  // Every theme; the cards not yet in one are counted in the head instead (voting is on the themes).
  function tilesOf(board) {
    return all(board, '#themes > .theme');
  }

  function fitThemes(board) {
    all(board, '#themes > .wall-more').forEach(function (line) { line.remove(); });
    var tiles = tilesOf(board);
    if (!tiles.length) { return; }
    var cardsOf = tiles.map(function (tile) {
      var cards = all(tile, '.cards > .card').filter(shown).sort(byStrength);
      setOrder(cards);
      return cards;
    });
    var rect = board.getBoundingClientRect();
    if (!rect.width || !rect.height) { return; } // not on screen (the systems map has it)
    var n = tiles.length;
    // The column count whose tiles come nearest a card's shape, and one either side of it.
    var guess = Math.max(1, Math.round(Math.sqrt(n * rect.width / rect.height / 1.5)));
    var options = [];
    [1.3, 1.15, 1].forEach(function (size) {
      [guess, guess + 1, guess - 1, guess + 2, guess - 2].forEach(function (cols) {
        if (cols >= 1 && cols <= n) { options.push({ size: size, cols: cols }); }
      });
    });
    if (!options.length) { options.push({ size: 1, cols: Math.min(n, guess) }); }
    var best = null;
    options.forEach(function (option) {
      apply(option);
      var count = 0;
      tiles.forEach(function (tile, i) {
        count += fill(tile.querySelector('.cards'), cardsOf[i], tile);
      });
      // A theme's name cut inside a word is worse than a card fewer.
      if (all(board, '#themes > .theme .theme-name').some(function (name) { return name.scrollWidth > name.clientWidth + 1; })) {
        count -= 1000;
      }
      if (!best || count > best.count) { best = { option: option, count: count }; }
    });
    apply(best.option);
    tiles.forEach(function (tile, i) { fill(tile.querySelector('.cards'), cardsOf[i], tile); });

    function apply(option) {
      setVar(board, '--wall-text', option.size + 'rem');
      setVar(board, '--wall-cols', String(option.cols));
    }
  }

  // --- a closed vote's results: every line whole if they fit, one line each if not, else "+N more" --------
  function fitResults(section) {
    var list = section.querySelector('.results-list');
    if (!list) { return; }
    var lines = all(list, ':scope > .result');
    lines.forEach(function (line) { line.classList.remove(OFF); });
    var more = section.querySelector(':scope > .wall-more');
    if (more) { more.hidden = true; }
    delete section.dataset.tight;
    if (list.scrollHeight > list.clientHeight + 1) { section.dataset.tight = '1'; }
    if (list.scrollHeight > list.clientHeight + 1) { clip(list, lines, section); }
  }

  // --- the next steps: the actions as a grid over the stage ---------------------------------------------
  // The number of columns and the text size (20 px at least at 1280x720) that show the most actions whole,
  // the largest text of those; the rows then share the stage's height between them (presenter.css).
  var STEP_SIZES = [2, 1.75, 1.5, 1.375, 1.25]; // in rem
  function fitSteps(list) {
    var items = all(list, ':scope > .step');
    var host = byId('steps-view');
    var best = null;
    [2, 3, 4].forEach(function (cols) {
      if (cols > Math.max(items.length, 2)) { return; }
      STEP_SIZES.forEach(function (size) {
        apply({ cols: cols, size: size });
        var count = clip(list, items, host, ['action', 'actions']);
        if (!best || count > best.count || (count === best.count && size > best.option.size)) {
          best = { count: count, option: { cols: cols, size: size } };
        }
      });
    });
    if (!best) { return; }
    apply(best.option);
    clip(list, items, host, ['action', 'actions']);

    function apply(option) {
      setVar(list, '--steps-cols', String(option.cols));
      setVar(list, '--steps-text', option.size + 'rem');
    }
  }

  // --- the rest of the stage ----------------------------------------------------------------------------
  function stageOf(phase) {
    var banner = byId('round-banner');
    var steps = byId('steps-view');
    var round = banner ? banner.dataset.round : '';
    // A recipe's step, until the tables bring back their picks (then they fill the screen: tables.js).
    var tables = byId('tables-presenter');
    if (tables && tables.querySelector('.recipe-steps') && !tables.querySelector('.wall-table')) { return 'tables'; }
    if (steps && round && (steps.dataset.stepsRounds || '').split(' ').indexOf(round) >= 0) { return 'steps'; }
    // The sector lens is the outcome of this round's own vote: an earlier round's is not shown again.
    var vote = byId('vote-bar');
    var ours = vote && vote.dataset.vote && vote.dataset.voteHere === '1';
    // Its ranked results first, unless the facilitator shows the lens (board/results.py: none while hidden).
    var results = byId('vote-results');
    if (phase === 'closed' && ours && results && results.dataset.show !== 'lens' && results.querySelector('.result')) { return 'results'; }
    if (phase === 'closed' && ours && byId('lens') && byId('lens').querySelector('.lens-theme')) { return 'lens'; }
    return 'board';
  }

  function countContributions() {
    var out = byId('presenter-count');
    if (!out) { return; }
    // The server's count (board/render.py contribution_counts) of what the wall shows: a contribution
    // written in silence is counted once revealed (until then the silent line under the head counts it).
    var counted = byId('contribution-count');
    var total = counted ? parseInt(counted.dataset.total, 10) || 0 : 0;
    var text = total + ' contribution' + (total === 1 ? '' : 's');
    var unsorted = number(byId('unsorted-count'));
    if (body.dataset.wall === 'themes' && unsorted) { text += ' · ' + unsorted + ' not yet in a theme'; }
    if (out.textContent !== text) { out.textContent = text; }
  }

  function markNew() {
    var ids = all(document, '#board .card').map(cardId);
    var top = ids.length ? Math.max.apply(null, ids) : 0;
    if (newest && top > newest) { // not the board's first drawing
      var card = byId('card-' + top);
      if (card) {
        card.classList.add('is-new');
        window.setTimeout(function () { card.classList.remove('is-new'); }, 4000);
      }
    }
    newest = Math.max(newest || 0, top);
  }

  // The head (title, count) keeps clear of the count of people and "Live", which share its row at its
  // right: its right padding is as wide as they are, so the title is what gives way (an ellipsis). Who
  // is connected by sector has a line of its own under the head (presenter.css).
  function clearHead() {
    var head = document.querySelector('.presenter-head');
    var presence = document.querySelector('#presence .presence-total');
    var live = byId('lw-connection');
    if (!head || !presence || !live) { return; }
    var unit = rem();
    var liveWidth = live.getBoundingClientRect().width;
    var beside = Math.ceil(liveWidth + unit) + 'px';
    if (presence.style.marginRight !== beside) { presence.style.marginRight = beside; }
    var room = Math.ceil(presence.getBoundingClientRect().width + liveWidth + 2 * unit) + 'px';
    if (head.style.paddingRight !== room) { head.style.paddingRight = room; }
  }

  function fit() {
    var state = byId('room-state');
    body.classList.toggle('join-corner', !!(state && state.dataset.join === 'corner'));
    var banner = byId('round-banner');
    var phase = banner ? banner.dataset.phase : '';
    var stage = stageOf(phase);
    if (body.dataset.stage !== stage) { body.dataset.stage = stage; }
    markNew();
    countContributions(); // the head's count is right whatever the stage shows
    clearHead(); // once the count is written: it shares the line
    var board = byId('board');
    if (stage === 'board' && board) {
      var gathering = GATHERING.indexOf(phase) >= 0 && number(byId('unsorted-count')) > 0;
      var wall = gathering ? 'gather' : 'themes';
      if (body.dataset.wall !== wall) { body.dataset.wall = wall; }
      if (gathering) { fitGathering(board); } else { fitThemes(board); }
    } else if (stage === 'lens') {
      var lens = byId('lens');
      lens.open = true; // on a screen nobody clicks; presenter.css hides its summary
      setVar(lens, '--lens-sectors', String(all(lens, '.lens-key-sector').length || 1));
      clip(lens, all(lens, '.lens-theme'), lens.querySelector('section') || lens, ['theme', 'themes'], byId('lens-scale'));
    } else if (stage === 'results') {
      fitResults(byId('vote-results'));
    } else if (stage === 'tables' && byId('topics')) {
      var topics = byId('topics');
      clip(topics, all(topics, ':scope > li'), byId('tables-market'), ['topic', 'topics']);
    } else if (stage === 'steps' && byId('steps-list')) {
      fitSteps(byId('steps-list'));
    }
    var empty = byId('wall-empty');
    if (empty) {
      var nothing = stage === 'board' && !all(document, '#board .card').some(shown) && !all(document, '#themes > .theme').length;
      if (empty.hidden !== !nothing) { empty.hidden = !nothing; }
    }
    var spotlight = byId('spotlight');
    var list = spotlight && !spotlight.hidden && spotlight.querySelector('.spotlight-cards');
    if (list) { clip(list, all(list, 'li'), spotlight); }
  }

  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fit(); watch(); });
  }

  document.addEventListener('htmx:wsAfterMessage', schedule);
  window.addEventListener('resize', schedule);
  // The stage grows or shrinks when a timer, a vote or an announcement comes or goes above it (a snapshot
  // replaces the board: watch the one on the page).
  var observer = window.ResizeObserver ? new ResizeObserver(schedule) : null;
  var watched = null;
  function watch() {
    var board = byId('board');
    if (!observer || board === watched) { return; }
    if (watched) { observer.unobserve(watched); }
    watched = board;
    if (board) { observer.observe(board); }
  }
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(schedule); }
  schedule();
})();
