// The counting screen (templates/counting.html) without a round trip per scan: Enter in a filled
// bin or item field moves to the next field (data-next) and selects what it holds, so the next
// scan or number replaces it; Enter in the quantity submits. Everything works without this
// script: the server then answers each Enter as a step of the form.
"use strict";
document.addEventListener("keydown", function (event) {
	var field = event.target, next;

	if (event.key !== "Enter" || !field.dataset || !field.dataset.next || !field.value.trim())
		return;
	next = document.getElementById(field.dataset.next);
	if (!next)
		return;
	event.preventDefault();
	next.focus();
	next.select();
});
