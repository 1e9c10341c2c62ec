/* Tables (board/tables): the table's own frames, the host's tools and the recipe's clock. One entry
 * point: it listens on the page's socket (window.LinewalkSender) and sends what [data-tsend] forms,
 * buttons and selects ask for. A table frame carries the whole board, or a card just posted (appended to
 * the board's unsorted cards), led by #lw-tseq (table, sequence number): a frame older than one already
 * shown is dropped. The server sends a table's frames in order, without gaps (sessions/tablefeed.py). */
(function () {
  'use strict';

  var sender = window.LinewalkSender;
  if (!sender) { return; }
  var root = sender.root;
  var seen = {};
  var TSEQ = /^<div id="lw-tseq"[^>]*data-table="(\d+)"[^>]*data-seq="(\d+)"/;

  // Only a frame that re-draws part of the tables (everything of theirs is inside a .tables section)
  // is followed by their upkeep; any other (a card moved on the room's board, a vote) leaves them, and
  // the page is not searched for them. What people were typing is kept just before the first swap that
  // reaches the tables.
  var touched = false;
  root.addEventListener('htmx:wsBeforeMessage', function (e) {
    touched = false;
    var match = TSEQ.exec(e.detail.message || '');
    if (!match) { return; }
    var table = match[1], seq = parseInt(match[2], 10);
    if (seen[table] !== undefined && seq <= seen[table]) { e.preventDefault(); return; }
    seen[table] = seq;
  });
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var target = e.detail.target;
    if (touched || !target || !(target.closest('.tables') || target.querySelector('.tables'))) { return; }
    touched = true;
    keepTyping();
  });
  root.addEventListener('htmx:wsAfterMessage', function () {
    followRound();
    if (!touched) { return; }
    touched = false;
    markHost(); padFoot(); putBack(); place(); clock(); arrive(); pageWall(); window.setTimeout(pageWall, 50);
  });

  // On the recipe's last step there is no next one: Next step says so where it is, rather than the
  // server refusing it in the status line.
  function lastStep() {
    var skip = document.getElementById('recipe-skip');
    if (!skip) { return; }
    var steps = document.querySelectorAll('#tables-step .recipe-steps li');
    var last = steps.length > 0 && steps[steps.length - 1].classList.contains('is-current');
    if (skip.disabled !== last) { skip.disabled = last; }
    skip.title = last ? 'This is the recipe’s last step.' : '';
  }
  root.addEventListener('htmx:wsAfterMessage', lastStep);

  // The facilitator's workspace: open tables over the board come before the live region (the side
  // panel); tucked away, after it, under the panel's steering (at its head, the 13 tables of an event
  // pushed the round's phases and the timer a screen and more below the fold); the set-up form comes after
  // it too, full width at the foot of the page. Tab then reaches each where it is seen (WCAG 2.4.3).
  function place() {
    var section = document.getElementById('tables-section');
    if (!section || !section.closest('#workspace')) { return; }
    var first = !!section.querySelector('.tables-overview') && !section.classList.contains('is-tucked');
    if (first ? section.nextElementSibling === root : section.previousElementSibling === root) { return; }
    var active = section.contains(document.activeElement) ? document.activeElement : null;
    if (first) { root.before(section); } else { root.after(section); }
    // Focus stays where it was, without taking the page to it: who tucked the tables wants the board.
    if (active) { active.focus({ preventScroll: true }); }
  }

  // "For the round" in the set-up form is the room's round: the form is drawn with it chosen, and as the
  // room moves on (the round banner says where it is) the choice follows. Rounds added, edited or moved
  // since the form was drawn come from the agenda; a round the facilitator chose stays chosen until the
  // room moves.
  function followRound() {
    var select = document.getElementById('tables-round');
    var banner = document.getElementById('round-banner');
    var now = banner && banner.dataset.round;
    if (!select || !now) { return; }
    var names = Array.prototype.map.call(document.querySelectorAll('#round-controls li[data-round]'), function (li, i) {
      var question = li.dataset.question || '';
      return [li.dataset.round, (i + 1) + '. ' + (question.length > 60 ? question.slice(0, 59) + '…' : question)];
    });
    var key = now + '|' + names.map(function (n) { return n.join(':'); }).join('|');
    if (select.dataset.follows === key) { return; }
    var chosen = select.dataset.follows && select.dataset.follows.split('|')[0] === now ? select.value : now;
    if (names.length) {
      select.replaceChildren.apply(select, names.map(function (n) {
        var option = document.createElement('option');
        option.value = n[0];
        option.textContent = n[1];
        return option;
      }));
    }
    select.value = select.querySelector('option[value="' + chosen + '"]') ? chosen : now;
    select.dataset.follows = key;
  }

  // A table's frame re-draws its whole board, the boxes people type in included: what they were typing
  // (and where the cursor was) stays. So does whom the facilitator chose to move, and where to: the form
  // is drawn again as anyone is moved or seated late, and would otherwise offer its first person again.
  var typed = {};
  var picked = {};
  function keepTyping() {
    typed = {};
    picked = {};
    document.querySelectorAll('.tables textarea[id], .tables input[id]:not([type=checkbox])').forEach(function (box) {
      if (box.value) { typed[box.id] = box.value; }
    });
    document.querySelectorAll('#tables-seat select[id]').forEach(function (select) { picked[select.id] = select.value; });
    var active = document.activeElement;
    typed.focus = active && active.id && active.closest('.tables') ? active.id : null;
  }
  function putBack() {
    Object.keys(typed).forEach(function (id) {
      var box = id !== 'focus' && document.getElementById(id);
      if (box && !box.value) { box.value = typed[id]; }
    });
    Object.keys(picked).forEach(function (id) {
      var select = document.getElementById(id);
      if (select && select.querySelector('option[value="' + picked[id] + '"]')) { select.value = picked[id]; }
    });
    var focus = typed.focus && document.getElementById(typed.focus);
    if (focus && document.activeElement !== focus) { focus.focus(); }
    typed = {};
    picked = {};
  }

  function me() {
    var phone = document.getElementById('tables-phone');
    return phone ? phone.dataset.me : null;
  }

  function markHost() {
    var mine = me();
    // Seated at a table, the phone posts to the table: the room's own post box steps aside.
    document.body.classList.toggle('at-table', !!document.querySelector('#table-view .table-view'));
    document.querySelectorAll('.table-view[data-table]').forEach(function (view) {
      view.classList.toggle('is-host', !!mine && view.dataset.host === mine);
    });
    // The phone's own seat among the table's people.
    if (mine) {
      // Their own row reads "You · Seat C (NHS)" (the frame is the table's, the same on every phone).
      document.querySelectorAll('#table-view li[data-participant="' + mine + '"]').forEach(function (li) {
        li.classList.add('is-me');
        if (!li.querySelector('.you')) {
          var you = document.createElement('span');
          you.className = 'you';
          you.textContent = 'You · ';
          li.prepend(you);
        }
      });
      // Who they work with at this step ("Your pair: Seat B (NHS)"): the table's frame holds a line
      // for each person, the same for the whole table; the phone shows its own.
      document.querySelectorAll('#table-view .your-group[data-for="' + mine + '"]').forEach(function (line) {
        line.hidden = false;
      });
    }
  }

  // At a table, the step bar stays at the foot of the phone's screen, over what scrolls under it: what
  // the page scrolls to (a field or button reached by Tab, a tap that focuses it, a fragment link) stops
  // above the bar, as high as the bar is now (a step's instruction takes one line or four).
  function padFoot() {
    var bar = document.body.classList.contains('at-table') && document.querySelector('#tables-phone > .tables-step');
    var height = bar ? Math.ceil(bar.getBoundingClientRect().height) : 0;
    document.documentElement.style.scrollPaddingBottom = height ? (height + 8) + 'px' : '';
  }
  window.addEventListener('resize', padFoot);

  // Seated at a table (tables opened, or the facilitator moved them), the phone goes to it, wherever the
  // room's board had taken them, and says where they are and with whom in its polite live region. Once a
  // table: its later frames (a card posted, the next step) leave the page where its reader is.
  var arrivedAt = null;
  function arrive() {
    var region = document.getElementById('table-arrival');
    var view = document.querySelector('#table-view .table-view');
    var table = view ? view.dataset.table : null;
    if (!region || table === arrivedAt) { return; }
    arrivedAt = table;
    if (!view) { region.textContent = ''; return; }
    var mine = me();
    var others = Array.prototype.filter.call(view.querySelectorAll('li[data-participant]'), function (li) {
      return li.dataset.participant !== mine;
    }).map(function (li) {  // as the table names them
      var who = li.firstChild.textContent.replace(/[\s·]+$/, '');
      return view.dataset.host === li.dataset.participant ? who + ', the host' : who;
    });
    var name = view.querySelector('.table-name').textContent;
    var words = 'You are at ' + name + (others.length ? ' with ' + inWords(others) : ', on your own for now') + '.';
    if (view.classList.contains('is-host')) { words += ' You host it: you choose what it brings back to the room.'; }
    region.textContent = words;
    view.scrollIntoView({ block: 'start' });
  }
  function inWords(items) {
    return items.length === 1 ? items[0] : items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1];
  }

  function newClientId() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  var NUMBERS = ['card', 'theme', 'table', 'topic', 'participant', 'into', 'round', 'size', 'count', 'seconds'];

  function message(kind, data) {
    var parts = kind.split('.');
    var out = { type: parts[0], op: parts[1] };
    Object.keys(data).forEach(function (key) {
      var value = data[key];
      if (key === 'tsend' || key === 'tsendChange') { return; }
      if (key === 'minutes') {
        // The tables' timer is in minutes, read as the room's is (sender.js); the server gets seconds,
        // and refuses what is out of its range.
        var seconds = sender.secondsOf(value);
        out.seconds = isFinite(seconds) ? seconds : null;
      } else if (NUMBERS.indexOf(key) >= 0) {
        if (value === '' || value === null) { if (key === 'theme' || key === 'round' || key === 'table') { out[key] = null; } return; }
        out[key] = parseInt(value, 10);
      } else {
        out[key] = value;
      }
    });
    if (kind === 'table.post') { out.client_id = newClientId(); }
    return out;
  }

  document.addEventListener('submit', function (e) {
    var form = e.target.closest('form[data-tsend]');
    if (!form) { return; }
    e.preventDefault();
    var data = Object.assign({}, form.dataset);
    new FormData(form).forEach(function (value, key) { data[key] = value; });
    if (form.querySelector('[name=by_vote]')) { data.by_vote = !!form.querySelector('[name=by_vote]:checked'); }
    var out = message(form.dataset.tsend, data);
    // A table post is kept until the server has it, like a post to the room (sender.js).
    var box = form.querySelector('textarea[id]');
    var sent = form.dataset.tsend === 'table.post'
      ? sender.sendKept(out, 'your table post', box && box.id, out.text)
      : sender.send(out);
    if (sent) {
      form.querySelectorAll('textarea, input[type=text], input:not([type])').forEach(function (box) { box.value = ''; });
    }
  });

  document.addEventListener('click', function (e) {
    var tuck = e.target.closest('#tables-tuck');
    if (tuck) {
      var section = document.getElementById('tables-section');
      var tucked = section.classList.toggle('is-tucked');
      tuck.setAttribute('aria-expanded', tucked ? 'false' : 'true');
      tuck.textContent = tucked ? 'Show the tables over the board' : "Show the room's board";
      place();
      // Over the board they are the first screen's: back to it from the foot of the panel.
      if (!tucked) { window.scrollTo(0, 0); }
      return;
    }
    var button = e.target.closest('button[data-tsend]');
    if (!button || button.form && button.form.dataset.tsend) { return; }
    sender.send(message(button.dataset.tsend, Object.assign({}, button.dataset)));
  });

  document.addEventListener('change', function (e) {
    var select = e.target.closest('select[data-tsend-change]');
    if (!select) { return; }
    var data = Object.assign({}, select.dataset);
    if (select.dataset.tsendChange === 'table.move') { data.theme = select.value; }
    if (select.dataset.tsendChange === 'table.merge') { if (!select.value) { return; } data.into = select.value; }
    if (select.dataset.tsendChange === 'tables.host') { data.participant = select.value; }
    sender.send(message(select.dataset.tsendChange, data));
  });

  function clock() {
    document.querySelectorAll('.tables-clock[data-ends]').forEach(function (el) {
      var left = Math.max(0, Math.round((parseInt(el.dataset.ends, 10) - Date.now()) / 1000));
      el.textContent = Math.floor(left / 60) + ':' + ('0' + (left % 60)).slice(-2);
    });
  }
  window.setInterval(clock, 1000);
  clock();
  lastStep();

  // The presenter's picks wall fills the screen while tables are open; more tables than fit are shown a
  // screenful at a time, turning every PAGE_MS, with "Tables 1–5, 7 of 13" above them. The tables lie in
  // columns, each under the one above it (linewalk.css: a grid of rows of 4px, each table spanning as many
  // as it is tall, in the column with the most room left); a page takes the tables, in their order, that
  // fit in the room its columns leave, a table too tall for what is left waiting for the next page; and
  // each page's text is as large as lets its tables still fit (20 px at least at 1280x720), so that the
  // page fills the screen. The tables off this page are `hidden` (not a class: htmx's settling puts a
  // swapped element's classes back); the pages are measured again once a swap has settled.
  var PAGE_MS = 15000;
  var COLUMNS = [3, 4]; // wider columns make shorter tables, which share a column better: whichever fills more
  var TEXT_SIZES = [1.25, 1.32, 1.4, 1.5, 1.6, 1.7]; // in rem: the presenter's unit, 16 px at 1280x720
  var pages = [], page = 0, spans = [], columns = 4;
  // The wall is measured again whenever its holder or one of its tables changes size (the frame that
  // turns the tables mode on makes the holder fill the screen; a table's picks arrive): a page measured
  // in the layout before would not fit the one after. Each element is watched once; one that has left
  // the page is let go.
  var watched = new WeakSet();
  var sizes = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.target.isConnected) { sizes.unobserve(entry.target); watched.delete(entry.target); }
    });
    window.requestAnimationFrame(pageWall);
  }) : null;
  function watch(elements) {
    if (!sizes) { return; }
    elements.forEach(function (el) { if (el && !watched.has(el)) { watched.add(el); sizes.observe(el); } });
  }
  // Which of ``order`` (indexes into ``rows``, each table's height in grid rows) fit in ``count`` columns
  // ``room`` rows tall, each put in the shortest column as the grid puts it; the rest wait.
  function pack(order, rows, count, room) {
    var heights = [];
    for (var c = 0; c < count; c++) { heights.push(0); }
    var taken = [], left = [], used = 0;
    order.forEach(function (i) {
      var shortest = heights.indexOf(Math.min.apply(null, heights));
      if (heights[shortest] + rows[i] <= room || !taken.length) {
        heights[shortest] += rows[i]; used += rows[i]; taken.push(i);
      } else { left.push(i); }
    });
    return { taken: taken, left: left, used: used };
  }
  // The pages of the wall in ``count`` columns (``rows``: each table's rows at each text size), each at the
  // largest text its tables fit at, and how much of the wall they fill on average.
  function paginate(rows, count, room) {
    var out = [], waiting = rows[0].map(function (_r, i) { return i; }), used = 0;
    while (waiting.length) {
      var packed = pack(waiting, rows[0], count, room), size = 0;
      for (var k = TEXT_SIZES.length - 1; k > 0 && !size; k--) {
        if (!pack(packed.taken, rows[k], count, room).left.length) { size = k; }
      }
      used += pack(packed.taken, rows[size], count, room).used;
      out.push({ tables: packed.taken, size: size });
      waiting = packed.left;
    }
    return { pages: out, count: count, fill: used / (out.length * count * room) };
  }
  function pageWall() {
    var holder = document.querySelector('.page-presenter #tables-presenter');
    var grid = holder && holder.querySelector('.wall-tables');
    var tables = grid ? Array.prototype.slice.call(grid.querySelectorAll('.wall-table')) : [];
    watch([holder].concat(tables));
    var label = holder && holder.querySelector('.wall-page');
    pages = [];
    if (!tables.length || !holder.querySelector('.tables-mode')) { if (label) { label.remove(); } return; }
    if (!label) {
      label = document.createElement('p');
      label.className = 'wall-page';
      grid.parentNode.insertBefore(label, grid);
    }
    label.hidden = false; // its line is part of the room the tables have, whether it says anything or not
    // Every table's height in each number of columns at each text size, read with all of them shown.
    tables.forEach(function (t) { t.hidden = false; });
    var gap = parseFloat(getComputedStyle(grid).columnGap) || 16;
    var box = grid.getBoundingClientRect();
    var room = Math.floor((Math.min(box.bottom, window.innerHeight) - box.top + gap) / 4);
    var best = null;
    COLUMNS.forEach(function (count) {
      grid.style.setProperty('--picks-cols', String(count));
      var rows = TEXT_SIZES.map(function (size) {
        grid.style.setProperty('--picks-text', size + 'rem');
        return tables.map(function (t) { return Math.ceil((t.getBoundingClientRect().height + gap) / 4); });
      });
      var tried = paginate(rows, count, room);
      tried.rows = rows;
      if (!best || tried.pages.length < best.pages.length ||
          (tried.pages.length === best.pages.length && tried.fill > best.fill)) { best = tried; }
    });
    pages = best.pages; spans = best.rows; columns = best.count;
    if (page >= pages.length) { page = 0; }
    showPage(tables, label);
  }
  // "1–5, 7": the tables' numbers on the wall, runs joined.
  function runs(indexes) {
    var out = [];
    indexes.forEach(function (i) {
      var last = out[out.length - 1];
      if (last && last[1] === i - 1) { last[1] = i; } else { out.push([i, i]); }
    });
    return out.map(function (r) { return r[0] === r[1] ? String(r[0] + 1) : (r[0] + 1) + '–' + (r[1] + 1); }).join(', ');
  }
  function showPage(tables, label) {
    var shown = pages[page];
    var grid = tables.length ? tables[0].parentNode : null;
    if (grid) {
      grid.style.setProperty('--picks-text', TEXT_SIZES[shown.size] + 'rem');
      grid.style.setProperty('--picks-cols', String(columns));
    }
    tables.forEach(function (t, i) {
      t.hidden = shown.tables.indexOf(i) < 0;
      var rows = String((spans[shown.size] || [])[i] || 60);
      if (t.style.getPropertyValue('--rows') !== rows) { t.style.setProperty('--rows', rows); }
    });
    label.textContent = pages.length < 2 ? '' : 'Tables ' + runs(shown.tables) + ' of ' + tables.length +
      ' · page ' + (page + 1) + ' of ' + pages.length;
  }
  window.setInterval(function () {
    if (pages.length < 2) { return; }
    page = (page + 1) % pages.length;
    var holder = document.querySelector('.page-presenter #tables-presenter');
    showPage(Array.prototype.slice.call(holder.querySelectorAll('.wall-table')), holder.querySelector('.wall-page'));
  }, PAGE_MS);
  window.addEventListener('resize', pageWall);
  place();
  pageWall();
  followRound();
})();
