/* Suggestions for the admin pages' search pickers (input[data-picker]): while typing, asks
 * /admin/search/<kind>?q= and offers up to 20 records as an ARIA combobox list. The field still
 * works without it: the server resolves whatever code is typed. A textarea[data-picker] (one code
 * a line: the count session form) gets suggestions for the line being typed. */
(function () {
	'use strict';
	var seq = 0;

	function warehouseOf(input) {
		var w = input.form && input.form.querySelector('[name="warehouse_id"]');
		return w && w.value ? w.value : '';
	}

	function setup(input) {
		var kind = input.getAttribute('data-picker');
		var list = document.createElement('ul');
		var timer = null, active = -1, items = [];
		var multi = input.tagName === 'TEXTAREA';

		/* The line the caret is on (a textarea), or the whole value. */
		function span() {
			var v = input.value, at = input.selectionStart || 0;
			if (!multi)
				return {start: 0, end: v.length};
			return {start: v.lastIndexOf('\n', at - 1) + 1,
			        end: v.indexOf('\n', at) < 0 ? v.length : v.indexOf('\n', at)};
		}

		function term() {
			var s = span();
			return input.value.slice(s.start, s.end).trim();
		}

		list.id = input.id + '-suggestions';
		list.className = 'picker-list';
		list.setAttribute('role', 'listbox');
		list.setAttribute('aria-label', 'Suggestions');
		list.hidden = true;
		input.parentNode.classList.add('picker-host');
		input.insertAdjacentElement('afterend', list);
		/* A textarea keeps its textbox role (ARIA allows combobox on input only). */
		if (!multi)
			input.setAttribute('role', 'combobox');
		input.setAttribute('aria-autocomplete', 'list');
		if (!multi)
			input.setAttribute('aria-expanded', 'false');
		input.setAttribute('aria-controls', list.id);

		function close() {
			list.hidden = true;
			active = -1;
			if (!multi)
				input.setAttribute('aria-expanded', 'false');
			input.removeAttribute('aria-activedescendant');
		}

		function mark(i) {
			items.forEach(function (li, k) {
				li.setAttribute('aria-selected', k === i ? 'true' : 'false');
			});
			active = i;
			if (i >= 0) {
				input.setAttribute('aria-activedescendant', items[i].id);
				items[i].scrollIntoView({block: 'nearest'});
			}
		}

		function choose(i) {
			var s = span(), code = items[i].getAttribute('data-code');
			input.value = input.value.slice(0, s.start) + code + input.value.slice(s.end);
			input.selectionStart = input.selectionEnd = s.start + code.length;
			close();
			input.dispatchEvent(new Event('change', {bubbles: true}));
		}

		function show(results) {
			list.textContent = '';
			items = results.map(function (r, k) {
				var li = document.createElement('li');
				li.id = list.id + '-' + k;
				li.setAttribute('role', 'option');
				li.setAttribute('data-code', r.code);
				li.textContent = r.label;
				li.addEventListener('mousedown', function (e) {
					e.preventDefault();
					choose(k);
				});
				list.appendChild(li);
				return li;
			});
			list.hidden = items.length === 0;
			if (!multi)
				input.setAttribute('aria-expanded', items.length ? 'true' : 'false');
			mark(-1);
		}

		function ask() {
			var q = term(), mine = ++seq, url;
			/* A pattern ("A-01-*") is the server's to expand, not a code to suggest. */
			if (!q || (multi && q.slice(-1) === '*')) {
				close();
				return;
			}
			url = '/admin/search/' + kind + '?q=' + encodeURIComponent(q);
			if (kind !== 'items' && warehouseOf(input))
				url += '&warehouse_id=' + encodeURIComponent(warehouseOf(input));
			fetch(url, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
				.then(function (r) { return r.ok ? r.json() : {results: []}; })
				.then(function (d) {
					if (mine === seq && document.activeElement === input)
						show(d.results || []);
				})
				.catch(function () { close(); });
		}

		input.addEventListener('input', function () {
			clearTimeout(timer);
			timer = setTimeout(ask, 150);
		});
		input.addEventListener('keydown', function (e) {
			if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
				/* In a textarea the arrows move between lines until there are suggestions. */
				if (list.hidden && multi)
					return;
				if (list.hidden) {
					ask();
					return;
				}
				e.preventDefault();
				var n = items.length;
				mark(e.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n);
			} else if (e.key === 'Enter' && !list.hidden && active >= 0) {
				e.preventDefault();
				choose(active);
			} else if (e.key === 'Escape' && !list.hidden) {
				e.preventDefault();
				close();
			}
		});
		input.addEventListener('blur', function () {
			setTimeout(close, 150);
		});
	}

	document.querySelectorAll('input[data-picker], textarea[data-picker]').forEach(setup);
})();
