/* Suggestions for the admin pages' search pickers (input[data-picker]): while typing, asks
 * /admin/search/<kind>?q= and offers up to 20 records as an ARIA combobox list. The field still
 * works without it: the server resolves whatever code is typed. */
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

		list.id = input.id + '-suggestions';
		list.className = 'picker-list';
		list.setAttribute('role', 'listbox');
		list.setAttribute('aria-label', 'Suggestions');
		list.hidden = true;
		input.parentNode.classList.add('picker-host');
		input.insertAdjacentElement('afterend', list);
		input.setAttribute('role', 'combobox');
		input.setAttribute('aria-autocomplete', 'list');
		input.setAttribute('aria-expanded', 'false');
		input.setAttribute('aria-controls', list.id);

		function close() {
			list.hidden = true;
			active = -1;
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
			input.value = items[i].getAttribute('data-code');
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
			input.setAttribute('aria-expanded', items.length ? 'true' : 'false');
			mark(-1);
		}

		function ask() {
			var q = input.value.trim(), mine = ++seq, url;
			if (!q) {
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

	document.querySelectorAll('input[data-picker]').forEach(setup);
})();
